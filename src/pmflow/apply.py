"""Carry out planned operations: the only place where dry-run and the write budget live.

`Executor.execute` performs one operation (or, in a dry run, pretends to) and returns the state
as it is afterwards, so the planner can plan the next round on it: a dry run therefore shows the
whole run, issue numbers included (predicted, as GitHub numbers issues in sequence).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pmflow import markers
from pmflow.github import GitHubRepo, SubIssuesUnsupported
from pmflow.model import CommentState, IssueState, MilestoneState
from pmflow.ops import (
    AddLabel,
    CloseIssue,
    CreateActionIssue,
    CreateComment,
    CreateIssue,
    CreateLabel,
    CreateMilestone,
    DeleteComment,
    EditComment,
    EditIssueBody,
    EditPostMortemBody,
    LinkSubIssue,
    Operation,
    RemoveLabel,
    UnlinkSubIssue,
    UpdateActionIssue,
    UpdateMilestone,
)
from pmflow.plan import ACTION_MARKER, MAX_SUB_ISSUES, PostMortem, RepoFacts

log = logging.getLogger(__name__)


class BudgetExhausted(Exception):
    """The run's write budget is spent; the rest waits for the next run."""


class BodyChanged(Exception):
    """A person edited the post-mortem after pmflow read it; plan again on their text."""

    def __init__(self, current: IssueState) -> None:
        super().__init__(f"#{current.number} changed while pmflow was working on it")
        self.current = current


@dataclass
class Executor:
    repo: GitHubRepo | None
    facts: RepoFacts
    dry_run: bool = False
    max_writes: int | None = None
    next_number: int = 1
    writes: int = 0
    done: list[Operation] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    on_write: Callable[[Operation], None] | None = None
    # Create action issues already linked as sub-issues (GraphQL): one write instead of two.
    link_at_create: bool = False

    def _github(self) -> GitHubRepo:
        assert self.repo is not None, "a real run needs a repository"
        return self.repo

    def _spend(self, op: Operation) -> None:
        if self.max_writes is not None and self.writes >= self.max_writes:
            raise BudgetExhausted(
                f"write budget of {self.max_writes} spent before: {op.describe()}; the next run "
                "continues from there."
            )
        if not self.dry_run and self.repo is not None:
            self._keep_reserve(op, self.repo)
        self.writes += 1

    def _keep_reserve(self, op: Operation, repo: GitHubRepo) -> None:
        """Stop before GitHub's primary rate limit runs low, leaving some for other tools.

        Uses the rate-limit headers of the last answer: no request of its own. The reserve is at
        most a tenth of the limit, so a small limit still leaves pmflow room to work.
        """
        seen = repo.rate_remaining()
        if seen is None:
            return
        remaining, limit = seen
        reserve = min(repo.limits.rate_limit_reserve, limit // 10)
        if remaining < reserve:
            raise BudgetExhausted(
                f"only {remaining} of GitHub's {limit} requests an hour are left (pmflow keeps "
                f"{reserve} in reserve); stopped before: {op.describe()}; the next run continues "
                "from there."
            )

    def execute(self, op: Operation, pm: PostMortem) -> PostMortem:
        self._spend(op)
        handler = getattr(self, f"_do_{type(op).__name__}")
        result: PostMortem = handler(op, pm)
        self.done.append(op)
        if self.on_write is not None:
            self.on_write(op)
        return result

    # --- one handler per operation kind ---

    def _do_CreateLabel(self, op: CreateLabel, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().create_label(op.name, op.color, op.description)
        self.facts.labels = (self.facts.labels or frozenset()) | {op.name}
        return pm

    def _do_CreateMilestone(self, op: CreateMilestone, pm: PostMortem) -> PostMortem:
        if self.dry_run:
            known = self.facts.milestones or ()
            number = max((m.number for m in known), default=0) + 1
            milestone = MilestoneState(number, op.title, "open", op.due_on, op.description)
        else:
            milestone = self._github().create_milestone(op.title, op.due_on, op.description)
        self.facts.milestones = (*(self.facts.milestones or ()), milestone)
        return pm

    def _do_UpdateMilestone(self, op: UpdateMilestone, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().update_milestone(op.number, op.due_on)

        def moved(milestone: MilestoneState | None) -> MilestoneState | None:
            if milestone is None or milestone.number != op.number:
                return milestone
            return dataclasses.replace(milestone, due_on=op.due_on)

        if self.facts.milestones is not None:
            self.facts.milestones = tuple(moved(m) or m for m in self.facts.milestones)
        actions = tuple(dataclasses.replace(a, milestone=moved(a.milestone)) for a in pm.actions)
        return dataclasses.replace(pm, actions=actions)

    def _milestone(self, title: str | None, pm: PostMortem) -> MilestoneState | None:
        if title is None:
            return None
        for action in pm.actions:
            if action.milestone is not None and action.milestone.title == title:
                return action.milestone
        return next((m for m in self.facts.milestones or () if m.title == title), None)

    def _do_CreateActionIssue(self, op: CreateActionIssue, pm: PostMortem) -> PostMortem:
        milestone = self._milestone(op.milestone_title, pm)
        if self.dry_run:
            created = IssueState(
                number=self.next_number,
                id=-self.next_number,
                title=op.title,
                body=op.body,
                state="open",
                author=self.facts.me,
                labels=op.labels,
                assignees=op.assignees,
                milestone=milestone,
            )
            self.next_number += 1
        else:
            github = self._github()

            def find_existing() -> IssueState | None:
                # Only reached after an ambiguous failure: did the first attempt create it?
                recent = github.list_issues(
                    op.labels, sort="created", direction="desc", first_page_only=True
                )
                for issue in recent:
                    marker = markers.find_marker(issue.body, ACTION_MARKER)
                    if (
                        markers.written_by_pmflow(issue.author, self.facts.me)
                        and marker is not None
                        and marker.get("key") == op.key
                        and marker.get("pm") == str(op.postmortem)
                    ):
                        return issue
                return None

            linked = sum(1 for a in pm.actions if a.parent_number == pm.issue.number)
            parent = (
                pm.issue
                if self.link_at_create
                and self.facts.sub_issues_supported is not False
                and linked < MAX_SUB_ISSUES
                else None
            )
            created = github.create_issue(
                op.title,
                op.body,
                assignees=op.assignees,
                labels=op.labels,
                milestone=milestone.number if milestone else None,
                find_existing=find_existing,
                parent=parent,
                milestone_node_id=milestone.node_id if milestone else None,
            )
            if created.milestone is None and milestone is not None:
                created = dataclasses.replace(created, milestone=milestone)
            # New: linked if GraphQL linked it in the same write, else without a parent.
            created = dataclasses.replace(created, parent_known=True)
        return dataclasses.replace(pm, actions=(*pm.actions, created))

    def _do_UpdateActionIssue(self, op: UpdateActionIssue, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().edit_issue(op.number, body=op.body, assignees=op.assignees)

        def updated(issue: IssueState) -> IssueState:
            if issue.number != op.number:
                return issue
            changes: dict[str, object] = {}
            if op.body is not None:
                changes["body"] = op.body
            if op.assignees is not None:
                changes["assignees"] = op.assignees
            return dataclasses.replace(issue, **changes)  # type: ignore[arg-type]

        return dataclasses.replace(pm, actions=tuple(updated(a) for a in pm.actions))

    def _do_LinkSubIssue(self, op: LinkSubIssue, pm: PostMortem) -> PostMortem:
        if self.facts.sub_issues_supported is False:
            self.writes -= 1  # found out earlier in this round; nothing to send
            return pm
        if not self.dry_run:
            try:
                self._github().add_sub_issue(op.parent, op.child_id)
            except SubIssuesUnsupported:
                self.facts.sub_issues_supported = False
                self.writes -= 1  # refused outright; nothing was written
                return pm
        actions = tuple(
            dataclasses.replace(a, parent_number=op.parent, parent_known=True)
            if a.number == op.child
            else a
            for a in pm.actions
        )
        return dataclasses.replace(pm, actions=actions)

    def _do_UnlinkSubIssue(self, op: UnlinkSubIssue, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().remove_sub_issue(op.parent, op.child_id)
        actions = tuple(
            dataclasses.replace(a, parent_number=None, parent_known=True)
            if a.number == op.child
            else a
            for a in pm.actions
        )
        return dataclasses.replace(pm, actions=actions)

    def _do_EditPostMortemBody(self, op: EditPostMortemBody, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            github = self._github()
            # Read again right before writing: a person's edit since our read wins, and we plan
            # again on their text instead of overwriting it. GitHub has no conditional update of
            # an issue, so an edit landing between this read and the PATCH is still overwritten
            # (it stays in the issue's edit history); the pause between writes is taken before
            # the read, so that window is one request pause (0.25 s) and a round trip.
            github.wait_for_write_slot()
            current = github.reread_issue(op.number, op.expected_body)  # None: unchanged
            if current is not None and current.body != op.expected_body:
                self.writes -= 1
                raise BodyChanged(current)
            github.edit_issue(op.number, body=op.body)
        return dataclasses.replace(pm, issue=dataclasses.replace(pm.issue, body=op.body))

    def _do_CreateComment(self, op: CreateComment, pm: PostMortem) -> PostMortem:
        if self.dry_run:
            comment = CommentState(-len(self.done) - 1, op.issue, op.body, self.facts.me)
        else:
            github = self._github()
            wanted = markers.find_marker(op.body, op.purpose)

            def find_existing() -> CommentState | None:
                for existing in github.list_comments(op.issue):
                    found = markers.find_marker(existing.body, op.purpose)
                    if (
                        markers.written_by_pmflow(existing.author, self.facts.me)
                        and found == wanted
                    ):
                        return existing
                return None

            comment = github.create_comment(op.issue, op.body, find_existing=find_existing)
        # `comments` are the post-mortem's own; `recent_comments` span its action issues too.
        on_postmortem = op.issue == pm.issue.number
        comments = (
            pm.comments if pm.comments is None or not on_postmortem else (*pm.comments, comment)
        )
        recent = (*pm.recent_comments, comment)
        return dataclasses.replace(pm, comments=comments, recent_comments=recent)

    def _do_EditComment(self, op: EditComment, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().edit_comment(op.issue, op.comment_id, op.body)

        def edited(comments: tuple[CommentState, ...]) -> tuple[CommentState, ...]:
            return tuple(
                dataclasses.replace(c, body=op.body) if c.id == op.comment_id else c
                for c in comments
            )

        comments = None if pm.comments is None else edited(pm.comments)
        return dataclasses.replace(
            pm, comments=comments, recent_comments=edited(pm.recent_comments)
        )

    def _do_DeleteComment(self, op: DeleteComment, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().delete_comment(op.issue, op.comment_id)

        def kept(comments: tuple[CommentState, ...]) -> tuple[CommentState, ...]:
            return tuple(c for c in comments if c.id != op.comment_id)

        comments = None if pm.comments is None else kept(pm.comments)
        return dataclasses.replace(pm, comments=comments, recent_comments=kept(pm.recent_comments))

    def _do_CloseIssue(self, op: CloseIssue, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().close_issue(op.issue, op.reason)
        if op.issue == pm.issue.number:
            closed = dataclasses.replace(pm.issue, state="closed", state_reason=op.reason)
            return dataclasses.replace(pm, issue=closed)
        actions = tuple(
            dataclasses.replace(a, state="closed", state_reason=op.reason)
            if a.number == op.issue
            else a
            for a in pm.actions
        )
        return dataclasses.replace(pm, actions=actions)

    def _do_AddLabel(self, op: AddLabel, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().add_label(op.issue, op.label)
        return _relabel(pm, op.issue, lambda labels: (*labels, op.label))

    def _do_RemoveLabel(self, op: RemoveLabel, pm: PostMortem) -> PostMortem:
        if not self.dry_run:
            self._github().remove_label(op.issue, op.label)
        return _relabel(pm, op.issue, lambda labels: tuple(x for x in labels if x != op.label))

    # --- pmflow's own issues outside any post-mortem (the register) ---

    def write(self, op: CreateIssue | EditIssueBody) -> IssueState | None:
        """Carry out an operation that changes no post-mortem, under the same budget and dry run.

        Returns the issue a CreateIssue made (in a dry run, one with the predicted number).
        """
        self._spend(op)
        created: IssueState | None = None
        if isinstance(op, CreateIssue):
            created = self._create_own_issue(op)
        elif not self.dry_run:
            self._github().edit_issue(op.number, body=op.body)
        self.done.append(op)
        if self.on_write is not None:
            self.on_write(op)
        return created

    def _create_own_issue(self, op: CreateIssue) -> IssueState:
        if self.dry_run:
            number, self.next_number = self.next_number, self.next_number + 1
            return IssueState(number, -number, op.title, op.body, "open", self.facts.me, op.labels)
        github = self._github()
        wanted = markers.find_marker(op.body, op.purpose)

        def find_existing() -> IssueState | None:
            # Only reached after an ambiguous failure: did the first attempt create it?
            recent = github.list_issues(
                op.labels, sort="created", direction="desc", first_page_only=True
            )
            for issue in recent:
                if (
                    markers.written_by_pmflow(issue.author, self.facts.me)
                    and markers.find_marker(issue.body, op.purpose) == wanted
                ):
                    return issue
            return None

        return github.create_issue(op.title, op.body, labels=op.labels, find_existing=find_existing)


def _relabel(
    pm: PostMortem, number: int, change: Callable[[tuple[str, ...]], tuple[str, ...]]
) -> PostMortem:
    """The post-mortem state with the labels of issue `number` (it, or an action) changed."""
    if pm.issue.number == number:
        return dataclasses.replace(
            pm, issue=dataclasses.replace(pm.issue, labels=change(pm.issue.labels))
        )
    actions = tuple(
        dataclasses.replace(a, labels=change(a.labels)) if a.number == number else a
        for a in pm.actions
    )
    return dataclasses.replace(pm, actions=actions)
