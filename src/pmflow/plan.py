"""Plan what `pmflow sync` must change for one post-mortem: a pure function of data.

The planner sees the post-mortem, the action issues pmflow made for it, and whatever repository
facts it asked for; it returns operations with finished text. When it needs a fact it was not
given (the repository's labels, milestones, whether an owner can be assigned, pmflow's comments
on the post-mortem), it says so in `SyncPlan.needs` and the caller asks again with that fact, so
nothing is read from GitHub unless a plan depends on it.

Planning is repeated until it returns no operation: issues created in one round are linked and
referenced from the checklist in the next. A run interrupted anywhere is therefore finished by the
next run, which finds the created issues again by their marker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmflow import markers
from pmflow.config import Config
from pmflow.model import (
    ActionLine,
    CommentState,
    IssueState,
    MilestoneState,
    PostMortemReport,
    Problem,
    Severity,
    stored_directly,
)
from pmflow.ops import (
    AddLabel,
    CloseIssue,
    CreateActionIssue,
    CreateComment,
    CreateLabel,
    CreateMilestone,
    DeleteComment,
    EditComment,
    EditPostMortemBody,
    LinkSubIssue,
    Operation,
    RemoveLabel,
    UnlinkSubIssue,
    UpdateActionIssue,
    UpdateMilestone,
)
from pmflow.parse import replace_lines, rewrite_action_line, split_lines
from pmflow.render import GITHUB_TEXT_LIMIT, Renderer, truncate

MAX_SUB_ISSUES = 100
MAX_TITLE = 256
ACTION_MARKER = "action"
PROBLEMS_MARKER = "problems"
DUPLICATE_MARKER = "duplicate"
END_MARKER = "<!-- pmflow:end -->"
# Issue forms often prefill titles with "Post-mortem: "; the milestone title says it already.
_POSTMORTEM_PREFIX = re.compile(r"^\s*\[?(?:post[- ]?mortem|pm)\]?\s*[:#–—-]?\s*", re.IGNORECASE)


@stored_directly
@dataclass(frozen=True)
class PostMortem:
    """A post-mortem issue, what its body says, and the action issues pmflow made for it."""

    issue: IssueState
    report: PostMortemReport
    actions: tuple[IssueState, ...] = ()
    comments: tuple[CommentState, ...] | None = None  # None: not read yet
    # pmflow's own recent comments on the post-mortem and its actions (one repository listing).
    recent_comments: tuple[CommentState, ...] = ()
    # Quality advice on the report (`pmflow check`): shown in the problems comment, never blocking.
    advice: tuple[Problem, ...] = ()
    report_of: str | None = None  # the body `advice` was read from, so it is read once per text
    # True: `comments` are those of a listing that stopped once it held pmflow's problems
    # comments on this post-mortem, all the sync needs; the follow-through reads them all.
    comments_partial: bool = False

    @property
    def all_comments(self) -> tuple[CommentState, ...] | None:
        """Every comment on the post-mortem; None until they have all been read."""
        return None if self.comments_partial else self.comments


@dataclass
class RepoFacts:
    """Repository-wide facts, read only when a plan needs them (None: not read)."""

    me: str
    labels: frozenset[str] | None = None
    milestones: tuple[MilestoneState, ...] | None = None
    assignable: dict[str, bool] = field(default_factory=dict)
    sub_issues_supported: bool | None = None  # None: not known yet


@dataclass
class SyncPlan:
    operations: list[Operation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    needs: set[str] = field(
        default_factory=set
    )  # "labels", "milestones", "comments", "owner:<login>"

    @property
    def complete(self) -> bool:
        return not self.needs


def action_marker(issue: IssueState) -> markers.Marker | None:
    return markers.find_marker(issue.body, ACTION_MARKER)


def postmortem_of(issue: IssueState) -> int | None:
    marker = action_marker(issue)
    if marker is None:
        return None
    try:
        return int(marker.get("pm") or "")
    except ValueError:
        return None


def milestone_title(config: Config, issue: IssueState) -> str | None:
    if config.milestone_strategy == "none":
        return None
    template = config.milestone_title
    if config.milestone_strategy == "per-postmortem":
        # Plain replacement, not str.format: the template comes from a repository's config.
        title = _POSTMORTEM_PREFIX.sub("", issue.title) or issue.title
        template = template.replace("{number}", str(issue.number)).replace("{title}", title)
    return template[:255]


def replace_pmflow_block(body: str, block: str) -> str:
    """Swap pmflow's marked block in an action issue body, keeping text a person added."""
    start = body.find("<!-- pmflow:action")
    if start == -1:
        return block + ("\n" + body if body else "")
    end = body.find(END_MARKER, start)
    end = len(body) if end == -1 else end + len(END_MARKER)
    if end < len(body) and body[end] == "\n" and block.endswith("\n"):
        end += 1
    return body[:start] + block + body[end:]


@functools.lru_cache(maxsize=1024)
def _iso_day(day: dt.date) -> str:
    # A first sync writes thousands of markers, due on a few hundred days; formatting a date
    # costs more than looking it up.
    return day.isoformat()


def render_action_body(
    renderer: Renderer, postmortem: IssueState, action: ActionLine, owner: str | None
) -> str:
    marker = markers.format_marker(
        ACTION_MARKER,
        pm=postmortem.number,
        key=action.key,
        due=_iso_day(action.due) if action.due else None,
        owner=action.owner,
    )
    body = renderer.render(
        "action_issue.md.j2", marker=marker, postmortem=postmortem, action=action, owner=owner
    )
    return truncate(body, keep_tail="\n" + END_MARKER + "\n")


def _title_for(action: ActionLine, foreign_ref: int | None) -> str:
    title = action.title if foreign_ref is None else f"#{foreign_ref} {action.title}"
    return title[:MAX_TITLE]


def own_problems_comment(comments: Sequence[CommentState], me: str) -> CommentState | None:
    """pmflow's first problems comment among `comments` (those of one post-mortem)."""
    for comment in comments:
        if markers.written_by_pmflow(comment.author, me) and markers.find_marker(
            comment.body, PROBLEMS_MARKER
        ):
            return comment
    return None


def _unassignable(owner: str, issue_number: int | None, line: str, number: int) -> Problem:
    where = f"#{issue_number}" if issue_number else "its issue"
    return Problem(
        "unassignable-owner",
        f"`@{owner}` cannot be assigned issues in this repository, so {where} has no assignee.",
        "Check the login for typos, or give them access to the repository; pmflow assigns "
        "them on its next run.",
        line,
        number,
        Severity.WARNING,
    )


def plan_postmortem(
    postmortem: PostMortem,
    facts: RepoFacts,
    config: Config,
    renderer: Renderer,
) -> SyncPlan:
    plan = SyncPlan()
    issue = postmortem.issue
    if config.sub_issues and facts.sub_issues_supported is not False:
        resolved = _with_known_parents(postmortem)
        if resolved is None:
            plan.needs.add("children")
            return plan
        postmortem = resolved
    report = postmortem.report
    problems = list(report.problems)
    # Two runs at the same moment can each create an issue for one line: keep the older.
    duplicates = duplicate_actions(postmortem.actions)
    _plan_duplicates(plan, postmortem, duplicates, facts, config, renderer)
    by_number = {action.number: action for action in postmortem.actions}
    by_key: dict[str, IssueState] = {}
    for action in sorted(postmortem.actions, key=lambda a: a.number):
        marker = action_marker(action)
        if marker and marker.get("key"):
            by_key.setdefault(marker.get("key") or "", action)

    def kept(number: int) -> int:
        return duplicates[number].number if number in duplicates else number

    # Pair each checklist line with its action issue: by the reference on the line, else by the
    # key in an issue's marker (an issue created by a run that stopped before the rewrite).
    claimed: set[int] = {
        kept(line.issue_number) for line in report.actions if line.issue_number in by_number
    }
    pairs: list[tuple[ActionLine, IssueState | None, int | None]] = []
    referenced: set[int] = set()
    for line in report.actions:
        found: IssueState | None = None
        foreign_ref: int | None = None
        if line.issue_number is not None and line.issue_number in by_number:
            if kept(line.issue_number) in referenced:
                problems.append(
                    Problem(
                        "duplicate-reference",
                        f"Another line already tracks #{kept(line.issue_number)}.",
                        "Remove the copy, or delete its `#number` to track it as a new action.",
                        line.text.strip(),
                        line.line_index + 1,
                        Severity.WARNING,
                    )
                )
                continue
            found = by_number[kept(line.issue_number)]
        else:
            foreign_ref = line.issue_number
            candidate = by_key.get(line.key)
            if candidate is not None and candidate.number not in claimed:
                found = candidate
                claimed.add(candidate.number)
        if found is not None:
            referenced.add(found.number)
        pairs.append((line, found, foreign_ref))

    # Ask for what the decisions below depend on before deciding anything.
    to_create = [(line, ref) for line, found, ref in pairs if found is None]
    owners_to_check = {line.owner for line, _ in to_create if line.owner}
    for line, found, _ in pairs:
        if found is None or line.owner is None:
            continue
        marker = action_marker(found)
        previous_owner = marker.get("owner") if marker else None
        changed = previous_owner != line.owner or not found.assignees
        if changed and line.owner not in found.assignees:
            owners_to_check.add(line.owner)
    for owner in owners_to_check.difference(facts.assignable):
        plan.needs.add(f"owner:{owner}")
    title = milestone_title(config, issue)
    milestone = _known_milestone(title, postmortem.actions, facts.milestones)
    if to_create:
        if facts.labels is None:
            plan.needs.add("labels")
        if title is not None and milestone is None and facts.milestones is None:
            plan.needs.add("milestones")
    if plan.needs:
        return plan

    # Milestone: per post-mortem, due on the latest due date among its actions.
    latest_due = max((line.due for line in report.actions if line.due), default=None)
    if title is not None and (to_create or milestone is not None):
        wanted_due = latest_due if config.milestone_strategy == "per-postmortem" else None
        if milestone is None:
            plan.operations.append(
                CreateMilestone(
                    title,
                    wanted_due,
                    f"Actions of the post-mortem #{issue.number}, tracked by pmflow.",
                )
            )
        elif wanted_due is not None and milestone.due_on != wanted_due:
            plan.operations.append(UpdateMilestone(milestone.number, title, wanted_due))

    label = config.action_label
    if to_create and facts.labels is not None and label["name"] not in facts.labels:
        plan.operations.append(CreateLabel(label["name"], label["color"], label["description"]))

    labels = (label["name"],)
    for line, ref in to_create:
        assert line.due is not None  # the parser only yields actions with a due date
        owner = line.owner if line.owner and facts.assignable.get(line.owner) else None
        if line.owner and owner is None:
            problems.append(_unassignable(line.owner, None, line.text.strip(), line.line_index + 1))
        # By position, in the order of its fields (a first sync makes thousands of these):
        # postmortem, key, title, body, assignees, labels, milestone_title.
        create = CreateActionIssue(
            issue.number,
            line.key,
            _title_for(line, ref),
            render_action_body(renderer, issue, line, owner),
            (owner,) if owner else (),
            labels,
            title,
        )
        plan.operations.append(create)

    linked_children = sum(1 for a in postmortem.actions if a.parent_number == issue.number)
    line_edits: dict[int, str] = {}
    changes: list[str] = []
    lines: list[str] | None = None  # split only when a line changes (not in a first sync)
    for line, found, _ in pairs:
        if found is None:
            continue
        problems.extend(_plan_linked_action(plan, issue, line, found, facts, renderer))
        if (
            # Not known yet: the link is sent, and a GitHub without sub-issues (an older
            # Enterprise Server) refuses it once, in place of a read asking first.
            config.sub_issues
            and facts.sub_issues_supported is not False
            and found.parent_number is None
            and linked_children < MAX_SUB_ISSUES
        ):
            plan.operations.append(LinkSubIssue(issue.number, found.number, found.id))
            linked_children += 1
        needs_ref = line.issue_number != found.number
        wants_checked = found.completed
        policy_due = line.due if line.due_from_policy else None
        if needs_ref or line.checked != wants_checked or policy_due:
            lines = lines or split_lines(issue.body)
            new = rewrite_action_line(
                lines[line.line_index],
                found.number if needs_ref else None,
                wants_checked,
                policy_due,
                replace_ref=line.issue_number in duplicates,
            )
            line_edits[line.line_index] = new
            if needs_ref and line.issue_number in duplicates:
                changes.append(
                    f"line {line.line_index + 1} references #{found.number} instead of its "
                    f"duplicate #{line.issue_number}"
                )
            elif needs_ref:
                changes.append(f"line {line.line_index + 1} references #{found.number}")
            if line.checked != wants_checked:
                verb = "tick" if wants_checked else "untick"
                changes.append(f"{verb} #{found.number}")
            if policy_due:
                changes.append(f"write the policy's due date {policy_due} on #{found.number}")
    if line_edits:
        new_body = replace_lines(issue.body, line_edits)
        if len(new_body) > GITHUB_TEXT_LIMIT:
            problems.append(
                Problem(
                    "body-too-long",
                    "The post-mortem is too long for pmflow to add issue references to it "
                    f"(GitHub allows {GITHUB_TEXT_LIMIT:,} characters).",
                    "Move long sections (logs, timelines) into a linked document or comment.",
                )
            )
        else:
            plan.operations.append(
                EditPostMortemBody(issue.number, issue.body, new_body, tuple(changes))
            )

    plan.problems = sorted(problems, key=lambda p: p.line_number or 0)
    _plan_problems_comment(plan, postmortem, facts, config, renderer)
    return plan


def _with_known_parents(postmortem: PostMortem) -> PostMortem | None:
    """The post-mortem with every action's parent known, or None if only GitHub can say.

    A listing that leaves `parent_issue_url` out says nothing; the post-mortem's own sub-issue
    count can still vouch that all of its actions are linked.
    """
    if all(a.parent_known for a in postmortem.actions):
        return postmortem
    total = postmortem.issue.sub_issue_total
    if total is None or total < len(postmortem.actions):
        return None
    number = postmortem.issue.number
    return dataclasses.replace(
        postmortem,
        actions=tuple(
            a if a.parent_known else dataclasses.replace(a, parent_known=True, parent_number=number)
            for a in postmortem.actions
        ),
    )


def duplicate_actions(actions: Sequence[IssueState]) -> dict[int, IssueState]:
    """Action issues that repeat another one's action, each mapped to the one that is kept.

    `actions` are pmflow's own (see `trusted_actions`). Two carrying the same post-mortem and key
    in their marker track the same checklist line: only a race between two runs makes them (each
    listed the issues, found none, and created one). The older (lower number) is kept.
    """
    groups: dict[tuple[str | None, str], list[IssueState]] = {}
    for action in actions:
        marker = action_marker(action)
        if marker is not None and marker.get("key"):
            groups.setdefault((marker.get("pm"), marker.get("key") or ""), []).append(action)
    duplicates: dict[int, IssueState] = {}
    for group in groups.values():
        first, *others = sorted(group, key=lambda a: a.number)
        for other in others:
            duplicates[other.number] = first
    return duplicates


def _plan_duplicates(
    plan: SyncPlan,
    postmortem: PostMortem,
    duplicates: Mapping[int, IssueState],
    facts: RepoFacts,
    config: Config,
    renderer: Renderer,
) -> None:
    """Close each open duplicate as a duplicate, saying which issue tracks the action instead,
    and take it out of the post-mortem's sub-issues (its progress would count it as done)."""
    pm = postmortem.issue
    actions = {a.number: a for a in postmortem.actions}
    for number in sorted(duplicates):
        duplicate, kept = actions[number], duplicates[number]
        if duplicate.is_open:
            marker = markers.format_marker(DUPLICATE_MARKER, pm=pm.number, of=kept.number)
            body = renderer.render(
                "duplicate_comment.md.j2", marker=marker, kept=kept, postmortem=pm
            )
            plan.operations.append(CreateComment(number, DUPLICATE_MARKER, body))
        if duplicate.parent_number == pm.number and config.sub_issues:
            plan.operations.append(UnlinkSubIssue(pm.number, number, duplicate.id))
        if duplicate.is_open:
            plan.operations.append(CloseIssue(number, "duplicate"))


def _known_milestone(
    title: str | None,
    actions: Sequence[IssueState],
    listed: Sequence[MilestoneState] | None,
) -> MilestoneState | None:
    if title is None:
        return None
    for action in actions:
        if action.milestone is not None and action.milestone.title == title:
            return action.milestone
    for milestone in listed or ():
        if milestone.title == title:
            return milestone
    return None


def _plan_linked_action(
    plan: SyncPlan,
    postmortem: IssueState,
    line: ActionLine,
    issue: IssueState,
    facts: RepoFacts,
    renderer: Renderer,
) -> list[Problem]:
    """Make a linked action issue follow edits of its line: owner and due date."""
    problems: list[Problem] = []
    marker = action_marker(issue)
    previous_owner = marker.get("owner") if marker else None
    previous_due = marker.get("due") if marker else None
    due_text = line.due.isoformat() if line.due else None
    owner_changed = line.owner != previous_owner
    assignees: tuple[str, ...] | None = None
    if line.owner and line.owner not in issue.assignees and (owner_changed or not issue.assignees):
        if facts.assignable.get(line.owner):
            kept = tuple(a for a in issue.assignees if a != previous_owner)
            assignees = (*kept, line.owner)
        else:
            problems.append(
                _unassignable(line.owner, issue.number, line.text.strip(), line.line_index + 1)
            )
    if not (owner_changed or due_text != previous_due or assignees is not None):
        return problems
    reasons = []
    if due_text != previous_due:
        reasons.append(f"due date {previous_due} -> {due_text}")
    if owner_changed:
        reasons.append(f"owner @{previous_owner} -> @{line.owner}")
    if assignees is not None and not owner_changed:
        reasons.append(f"assign @{line.owner}")
    body = None
    if owner_changed or due_text != previous_due:
        owner = line.owner if (assignees or line.owner in issue.assignees) else None
        block = render_action_body(renderer, postmortem, line, owner)
        body = replace_pmflow_block(issue.body, block)
    plan.operations.append(
        UpdateActionIssue(issue.number, "; ".join(reasons), body=body, assignees=assignees)
    )
    return problems


def _plan_problems_comment(
    plan: SyncPlan,
    postmortem: PostMortem,
    facts: RepoFacts,
    config: Config,
    renderer: Renderer,
) -> None:
    issue = postmortem.issue
    has_label = config.problems_label in issue.labels
    advice = postmortem.advice
    if not plan.problems and not advice and not has_label:
        return
    if plan.operations:
        # Comment once the other changes have landed, so it names the issues they create.
        return
    if postmortem.comments is None:
        plan.needs.add("comments")
        return
    existing = own_problems_comment(postmortem.comments, facts.me)
    for copy in postmortem.comments:
        # Two runs at the same moment can each post the comment: the first one stays.
        own = markers.written_by_pmflow(copy.author, facts.me)
        if own and copy is not existing and markers.find_marker(copy.body, PROBLEMS_MARKER):
            plan.operations.append(DeleteComment(issue.number, copy.id, "problems"))
    marker = markers.format_marker(PROBLEMS_MARKER, pm=issue.number)
    body = truncate(
        renderer.render(
            "problems_comment.md.j2", marker=marker, problems=plan.problems, advice=advice
        )
    )
    anything = bool(plan.problems or advice)
    if existing is None:
        if anything:
            plan.operations.append(CreateComment(issue.number, "problems", body))
    elif existing.body != body:
        plan.operations.append(EditComment(issue.number, existing.id, "problems", body))
    if anything and not has_label:
        plan.operations.append(AddLabel(issue.number, config.problems_label))
    elif not anything and has_label:
        plan.operations.append(RemoveLabel(issue.number, config.problems_label))


def trusted_actions(issues: Sequence[IssueState], me: str) -> Mapping[int, list[IssueState]]:
    """Action issues grouped by post-mortem number, trusting markers only on pmflow's own issues.

    A person can copy a marker into an issue they write; such an issue is never taken for one of
    pmflow's, so pmflow will not edit or close it.
    """
    grouped: dict[int, list[IssueState]] = {}
    for issue in issues:
        if not markers.written_by_pmflow(issue.author, me):
            continue
        number = postmortem_of(issue)
        if number is not None:
            grouped.setdefault(number, []).append(issue)
    return grouped
