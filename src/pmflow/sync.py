"""`pmflow sync`: read what is needed, plan each post-mortem, apply, plan again until done."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmflow.apply import BodyChanged, BudgetExhausted, Executor
from pmflow.config import Config
from pmflow.github import GitHubError, GitHubRepo, RateLimited, SubIssuesUnsupported
from pmflow.model import IssueState, Problem
from pmflow.ops import Operation
from pmflow.parse import parse_postmortem
from pmflow.plan import (
    PostMortem,
    RepoFacts,
    SyncPlan,
    plan_postmortem,
    postmortem_of,
    trusted_actions,
)
from pmflow.render import Renderer

log = logging.getLogger(__name__)

MAX_ROUNDS = 6
# An interrupted run may have created action issues that no sub-issue link reaches yet; they
# were created after the post-mortem was last edited, give or take clock skew.
RECENT_MARGIN = dt.timedelta(minutes=10)


@dataclass
class PostMortemOutcome:
    number: int
    title: str
    url: str
    operations: list[Operation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "url": self.url,
            "operations": [op.as_json() for op in self.operations],
            "problems": [
                {
                    "code": p.code,
                    "severity": p.severity.value,
                    "message": p.message,
                    "hint": p.hint,
                    "line": p.line,
                    "line_number": p.line_number,
                }
                for p in self.problems
            ],
            "error": self.error,
        }


@dataclass
class SyncOutcome:
    dry_run: bool
    postmortems: list[PostMortemOutcome] = field(default_factory=list)
    writes: int = 0
    deferred: str | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(pm.error for pm in self.postmortems)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "writes": self.writes,
            "deferred": self.deferred,
            "notices": self.notices,
            "postmortems": [pm.as_json() for pm in self.postmortems],
        }


def _fill_needs(plan: SyncPlan, pm: PostMortem, facts: RepoFacts, repo: GitHubRepo) -> PostMortem:
    for need in sorted(plan.needs):
        if need == "labels":
            facts.labels = repo.list_labels()
        elif need == "milestones":
            facts.milestones = tuple(repo.list_milestones())
        elif need == "comments":
            pm = dataclasses.replace(pm, comments=tuple(repo.list_comments(pm.issue.number)))
        elif need == "sub_issues":
            facts.sub_issues_supported = repo.has_sub_issues(pm.issue.number)
        elif need.startswith("owner:"):
            login = need.removeprefix("owner:")
            facts.assignable[login] = repo.is_assignable(login)
    return pm


def sync_postmortem(
    pm: PostMortem,
    repo: GitHubRepo,
    executor: Executor,
    config: Config,
    renderer: Renderer,
    outcome: PostMortemOutcome,
) -> None:
    """Plan and apply rounds until nothing is left to do; `outcome` records what was done."""
    facts = executor.facts
    plan = SyncPlan()
    for _ in range(MAX_ROUNDS):
        plan = plan_postmortem(pm, facts, config, renderer)
        while plan.needs:
            pm = _fill_needs(plan, pm, facts, repo)
            plan = plan_postmortem(pm, facts, config, renderer)
        if not plan.operations:
            break
        try:
            for op in plan.operations:
                pm = executor.execute(op, pm)
                outcome.operations.append(op)
        except BodyChanged as changed:
            log.info("%s; planning again on the new text", changed)
            pm = dataclasses.replace(pm, issue=changed.current)
        pm = dataclasses.replace(pm, report=parse_postmortem(pm.issue.body, config.action_headings))
    else:
        log.warning("#%s: still changing after %s rounds; stopping", pm.issue.number, MAX_ROUNDS)
    outcome.problems = plan.problems
    report = pm.report
    by_line = {action.line_index: action for action in report.actions}
    lines = pm.issue.body.replace("\r\n", "\n").split("\n")
    outcome.checklist = [lines[index] for index in sorted(by_line) if index < len(lines)]


def _actions_for(
    repo: GitHubRepo, pm_issue: IssueState, config: Config, facts: RepoFacts
) -> list[IssueState]:
    """Action issues of one post-mortem, without listing every action issue in the repository."""
    found: dict[int, IssueState] = {}
    if config.sub_issues and facts.sub_issues_supported is not False:
        try:
            for child in repo.list_sub_issues(pm_issue.number):
                found[child.number] = dataclasses.replace(child, parent_number=pm_issue.number)
            facts.sub_issues_supported = True
        except SubIssuesUnsupported:
            facts.sub_issues_supported = False
    if config.sub_issues and facts.sub_issues_supported:
        since = (pm_issue.updated_at or dt.datetime.now(dt.UTC)) - RECENT_MARGIN
        recent = repo.list_issues([config.action_label["name"]], since=since)
    else:
        recent = repo.list_issues([config.action_label["name"]])
    for issue in recent:
        found.setdefault(issue.number, issue)
    return [
        issue
        for issue in found.values()
        if issue.author == facts.me and postmortem_of(issue) == pm_issue.number
    ]


def sync(
    repo: GitHubRepo,
    config: Config,
    renderer: Renderer,
    *,
    issue_number: int | None = None,
    dry_run: bool = False,
    max_writes: int | None = None,
    on_write: Callable[[Operation], None] | None = None,
) -> SyncOutcome:
    """Bring every post-mortem (or the one `issue_number` concerns) in line with its checklist."""
    outcome = SyncOutcome(dry_run=dry_run)
    facts = RepoFacts(me=repo.whoami())
    action_label = config.action_label["name"]

    if issue_number is not None:
        issue = repo.get_issue(issue_number)
        if config.postmortem_label not in issue.labels:
            parent = postmortem_of(issue) if issue.author == facts.me else None
            if parent is None:
                outcome.notices.append(
                    f"#{issue_number} is neither a post-mortem (label "
                    f"{config.postmortem_label!r}) nor one of pmflow's action issues: "
                    "nothing to do."
                )
                return outcome
            issue = repo.get_issue(parent)
        postmortems = [issue]
        grouped = {issue.number: _actions_for(repo, issue, config, facts)}
    else:
        postmortems = repo.list_issues([config.postmortem_label])
        grouped = dict(trusted_actions(repo.list_issues([action_label]), facts.me))

    known_numbers = [pm.number for pm in postmortems] + [
        a.number for actions in grouped.values() for a in actions
    ]
    executor = Executor(
        repo,
        facts,
        dry_run=dry_run,
        max_writes=max_writes,
        next_number=max(known_numbers, default=0) + 1,
        on_write=on_write,
    )
    for pm_issue in sorted(postmortems, key=lambda i: i.number):
        pm = PostMortem(
            issue=pm_issue,
            report=parse_postmortem(pm_issue.body, config.action_headings),
            actions=tuple(sorted(grouped.get(pm_issue.number, ()), key=lambda a: a.number)),
        )
        result = PostMortemOutcome(pm_issue.number, pm_issue.title, pm_issue.html_url)
        outcome.postmortems.append(result)
        try:
            sync_postmortem(pm, repo, executor, config, renderer, result)
        except (BudgetExhausted, RateLimited) as stop:
            outcome.deferred = str(stop)
            break
        except GitHubError as error:
            # One post-mortem's failure should not stop the others.
            result.error = str(error)
    if facts.sub_issues_supported is False and config.sub_issues:
        executor.notices.append(
            "This GitHub has no sub-issues API (an older GitHub Enterprise Server?): action "
            "issues are linked to their post-mortem by text only."
        )
    outcome.writes = executor.writes
    outcome.notices.extend(dict.fromkeys(executor.notices))
    return outcome
