"""A naive client for comparison: PyGithub used the obvious way, one request per issue.

It makes the same decisions as pmflow (it calls pmflow's planners and executor, so both end in
the same state) but reads and writes as a first script would: PyGithub's defaults (30 items a
page, objects fetched whole), every post-mortem fetched again with its comments, each action issue
fetched on its own, labels, milestones and owners looked up again for every post-mortem, and
`repo.get_issue(n)` before each write to it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from github import Auth, Github

from pmflow.apply import Executor
from pmflow.config import Config
from pmflow.followthrough import PARTS, Clock, plan_followthrough
from pmflow.github import comment_from_json, issue_from_json, milestone_from_json
from pmflow.model import CommentState, IssueState, MilestoneState
from pmflow.plan import PostMortem, RepoFacts, plan_postmortem, postmortem_of
from pmflow.render import Renderer
from pmflow.sync import read_report, reread


class NaiveRepo:
    """The adapter interface pmflow's executor calls, written the obvious way."""

    def __init__(self, api_url: str, token: str, repository: str) -> None:
        self.gh = Github(
            base_url=api_url,
            auth=Auth.Token(token),
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self.repo = self.gh.get_repo(repository)
        self.me = self.gh.get_user().login

    def rate_remaining(self) -> tuple[int, int] | None:
        return None  # a naive script does not watch its rate limit

    def wait_for_write_slot(self) -> None:
        """Pacing is PyGithub's own here (off in the benchmark)."""

    # reads
    def get_issue(self, number: int) -> IssueState:
        return issue_from_json(self.repo.get_issue(number).raw_data)

    def reread_issue(self, number: int, body: str) -> IssueState:
        return self.get_issue(number)  # unconditional: a naive script keeps no read times

    def list_comments(self, number: int) -> list[CommentState]:
        issue = self.repo.get_issue(number)
        return [
            CommentState(c.id, number, c.body or "", c.user.login, c.created_at, c.updated_at)
            for c in issue.get_comments()
        ]

    def list_issues(self, labels: Iterable[str], **_: Any) -> list[IssueState]:
        return [issue_from_json(i.raw_data) for i in self.repo.get_issues(labels=list(labels))]

    # writes
    def create_label(self, name: str, color: str, description: str) -> None:
        self.repo.create_label(name, color, description)

    def create_milestone(self, title: str, due_on: dt.date | None, description: str):
        kwargs: dict[str, Any] = {"description": description}
        if due_on is not None:
            kwargs["due_on"] = due_on
        return milestone_from_json(self.repo.create_milestone(title, **kwargs).raw_data)

    def update_milestone(self, number: int, due_on: dt.date | None) -> MilestoneState:
        milestone = self.repo.get_milestone(number)
        due = f"{due_on.isoformat()}T00:00:00Z" if due_on else None
        _, data = milestone.requester.requestJsonAndCheck(
            "PATCH", milestone.url, input={"due_on": due}
        )
        return milestone_from_json(data)

    def create_issue(
        self,
        title: str,
        body: str,
        *,
        assignees: Iterable[str] = (),
        labels: Iterable[str] = (),
        milestone: int | None = None,
        find_existing: Callable[[], IssueState | None] | None = None,
        **_: Any,
    ) -> IssueState:
        kwargs: dict[str, Any] = {"body": body, "assignees": list(assignees)}
        kwargs["labels"] = list(labels)
        if milestone is not None:
            kwargs["milestone"] = self.repo.get_milestone(milestone)
        return issue_from_json(self.repo.create_issue(title, **kwargs).raw_data)

    def edit_issue(self, number: int, **changes: Any) -> None:
        kwargs = {
            k: (list(v) if k == "assignees" else v) for k, v in changes.items() if v is not None
        }
        self.repo.get_issue(number).edit(**kwargs)

    def add_sub_issue(self, parent: int, child_id: int) -> None:
        self.repo.get_issue(parent).add_sub_issue(child_id)

    def create_comment(self, number: int, body: str, **_: Any) -> CommentState:
        data = self.repo.get_issue(number).create_comment(body).raw_data
        return comment_from_json(data, number)

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        self.repo.get_issue(number).get_comment(comment_id).edit(body)

    def close_issue(self, number: int, reason: str = "completed") -> None:
        self.repo.get_issue(number).edit(state="closed", state_reason=reason)

    def add_label(self, number: int, label: str) -> None:
        self.repo.get_issue(number).add_to_labels(label)

    def remove_label(self, number: int, label: str) -> None:
        self.repo.get_issue(number).remove_from_labels(label)


def _load(naive: NaiveRepo, number: int, config: Config) -> tuple[PostMortem, RepoFacts]:
    """Everything about one post-mortem, read the obvious way."""
    repo = naive.repo
    issue = issue_from_json(repo.get_issue(number).raw_data)
    comments = tuple(naive.list_comments(number))
    children = [
        issue_from_json(repo.get_issue(child.number).raw_data)
        for child in repo.get_issue(number).get_sub_issues()
    ]
    actions = tuple(
        dataclasses.replace(child, parent_number=number)
        for child in children
        if child.author == naive.me and postmortem_of(child) == number
    )
    facts = RepoFacts(me=naive.me)
    facts.labels = frozenset(label.name for label in repo.get_labels())
    facts.milestones = tuple(
        milestone_from_json(m.raw_data) for m in repo.get_milestones(state="all")
    )
    facts.sub_issues_supported = True
    report = read_report(issue, config)
    for line in report.actions:
        if line.owner:
            facts.assignable[line.owner] = repo.has_in_assignees(line.owner)
    pm = PostMortem(issue=issue, report=report, actions=actions, comments=comments)
    return reread(pm, config), facts


def _numbers(naive: NaiveRepo, config: Config, only: int | None) -> list[int]:
    if only is None:
        listed = naive.repo.get_issues(state="all", labels=[config.postmortem_label])
        return sorted(i.number for i in listed)
    issue = naive.repo.get_issue(only)
    if config.postmortem_label in [label.name for label in issue.labels]:
        return [only]
    parent = postmortem_of(issue_from_json(issue.raw_data))
    return [parent] if parent else []


def naive_sync(
    api_url: str, token: str, repository: str, config: Config, renderer: Renderer, only=None
) -> int:
    """Sync every post-mortem (or the one `only` concerns); returns the writes made."""
    naive = NaiveRepo(api_url, token, repository)
    writes = 0
    for number in _numbers(naive, config, only):
        pm, facts = _load(naive, number, config)
        executor = Executor(naive, facts)  # type: ignore[arg-type]
        for _ in range(6):
            plan = plan_postmortem(pm, facts, config, renderer)
            assert not plan.needs, plan.needs
            if not plan.operations:
                break
            for op in plan.operations:
                pm = executor.execute(op, pm)
            pm = reread(pm, config)
        writes += executor.writes
    return writes


def naive_run(
    api_url: str, token: str, repository: str, config: Config, renderer: Renderer, clock: Clock
) -> int:
    """`pmflow run` the obvious way: sync, then each post-mortem and each action issue with
    its comments, one by one."""
    writes = naive_sync(api_url, token, repository, config, renderer)
    naive = NaiveRepo(api_url, token, repository)
    for number in _numbers(naive, config, None):
        pm, facts = _load(naive, number, config)
        mine = [c for c in pm.comments or () if c.author == naive.me]
        for action in pm.actions:
            mine += [c for c in naive.list_comments(action.number) if c.author == naive.me]
        pm = dataclasses.replace(pm, recent_comments=tuple(mine))
        executor = Executor(naive, facts)  # type: ignore[arg-type]
        for _ in range(6):
            plan = plan_followthrough(pm, naive.me, config, renderer, clock, PARTS)
            assert not plan.needs, plan.needs
            if not plan.operations:
                break
            for op in plan.operations:
                pm = executor.execute(op, pm)
        writes += executor.writes
    return writes
