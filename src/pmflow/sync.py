"""Runs: read what is needed, plan each post-mortem, apply, plan again until nothing is left.

`sync` keeps checklists and action issues in step; `run` (the scheduled job) syncs and then
follows through (status, overdue reminders, follow-up, completion, nudges) on the same state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmflow import markers
from pmflow.apply import BodyChanged, BudgetExhausted, Executor
from pmflow.config import Config
from pmflow.followthrough import PARTS, Clock, plan_followthrough, recent_window_start
from pmflow.github import GitHubError, GitHubRepo, RateLimited, SubIssuesUnsupported
from pmflow.model import CommentState, IssueState, PostMortemReport, Problem
from pmflow.ops import Operation
from pmflow.parse import parse_postmortem
from pmflow.plan import (
    PostMortem,
    RepoFacts,
    SyncPlan,
    own_problems_comment,
    plan_postmortem,
    postmortem_of,
    trusted_actions,
)
from pmflow.progress import Progress
from pmflow.quality import PARSER_CHECKS, check_postmortem
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
    state: PostMortem | None = field(default=None, repr=False)

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
    # Post-mortems whose work (some or all of it) waits for the next run, when `deferred`.
    deferred_postmortems: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(pm.error for pm in self.postmortems)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "writes": self.writes,
            "deferred": self.deferred,
            "deferred_postmortems": self.deferred_postmortems,
            "notices": self.notices,
            "postmortems": [pm.as_json() for pm in self.postmortems],
        }


def policy_days(severity: str | None, policy: dict[str, int]) -> int | None:
    """Days the deadline policy gives an undated action, by the post-mortem's severity."""
    if not severity or not policy:
        return None
    words = severity.replace("(", " ").replace(":", " ").split()
    first = words[0].casefold() if words else ""
    for key, days in policy.items():
        if key.casefold() in (severity.strip().casefold(), first):
            return days
    return None


def advice_for(issue: IssueState, config: Config) -> tuple[Problem, ...]:
    """The quality checks' findings as advice, without what the parser reports as problems."""
    if not config.checks.in_sync:
        return ()
    created = issue.created_at.date() if issue.created_at else None
    findings = check_postmortem(issue.body, config, created, created=created)
    return tuple(f.to_problem() for f in findings if f.check not in PARSER_CHECKS)


def reread(pm: PostMortem, config: Config) -> PostMortem:
    """The post-mortem with its report (and, if its text changed, its advice) read again."""
    advice = pm.advice if pm.report_of == pm.issue.body else advice_for(pm.issue, config)
    return dataclasses.replace(
        pm, report=read_report(pm.issue, config), advice=advice, report_of=pm.issue.body
    )


def read_report(issue: IssueState, config: Config) -> PostMortemReport:
    def policy_due(severity: str | None, incident_date: dt.date | None) -> dt.date | None:
        days = policy_days(severity, config.due_days_by_severity)
        start = incident_date or (issue.created_at.date() if issue.created_at else None)
        return None if days is None or start is None else start + dt.timedelta(days=days)

    return parse_postmortem(issue.body, config.action_headings, due_policy=policy_due)


def _fill_needs(
    need_set: set[str], pm: PostMortem, facts: RepoFacts, repo: GitHubRepo
) -> PostMortem:
    for need in sorted(need_set):
        if need == "labels":
            facts.labels = repo.list_labels()
        elif need == "milestones":
            facts.milestones = tuple(repo.list_milestones())
        elif need == "comments":
            pm = dataclasses.replace(pm, comments=_comments_of(pm, repo), comments_partial=False)
        elif need == "children":
            try:
                children = {child.number for child in repo.list_sub_issues(pm.issue.number)}
            except SubIssuesUnsupported:
                facts.sub_issues_supported = False
                children = set()
            actions = tuple(
                dataclasses.replace(
                    a,
                    parent_known=True,
                    parent_number=pm.issue.number if a.number in children else a.parent_number,
                )
                for a in pm.actions
            )
            pm = dataclasses.replace(pm, actions=actions)
        elif need.startswith("owner:"):
            login = need.removeprefix("owner:")
            facts.assignable[login] = repo.is_assignable(login)
    return pm


def _comments_of(pm: PostMortem, repo: GitHubRepo) -> tuple[CommentState, ...]:
    """The post-mortem's comments: no request when the listing said it has none and pmflow has
    not commented on it since (the first sync of a new post-mortem)."""
    commented = any(c.issue_number == pm.issue.number for c in pm.recent_comments)
    if pm.issue.comments == 0 and not commented:
        return ()
    return tuple(repo.list_comments(pm.issue.number))


def _look_ahead(session: Session, needs_of: Callable[[PostMortem], set[str]]) -> dict[int, set]:
    """What each post-mortem's plan will ask for, by number (a look-ahead: a plan that fails
    here fails again, and is reported, when it is made for real)."""
    needs: dict[int, set] = {}
    for pm in session.postmortems:
        try:
            needs[pm.issue.number] = needs_of(pm)
        except Exception:
            needs[pm.issue.number] = set()
    return needs


def _prefetch_sync(session: Session) -> None:
    """Read once for all post-mortems what their plans would each ask for: whether owners can
    be assigned (one assignees listing, not one request per owner) and comments (one request)."""
    facts = session.executor.facts

    def needs_of(pm: PostMortem) -> set[str]:
        return plan_postmortem(pm, facts, session.config, session.renderer).needs

    needs = _look_ahead(session, needs_of)
    owners = {
        n.removeprefix("owner:") for ns in needs.values() for n in ns if n.startswith("owner:")
    }
    owners.difference_update(facts.assignable)
    if len(owners) > 1:
        try:
            facts.assignable.update(session.repo.check_assignable(owners))
        except GitHubError as error:
            log.info("could not list assignees (%s); checking owners one by one", error)
    elif owners:
        (owner,) = owners
        try:
            facts.assignable[owner] = session.repo.is_assignable(owner)
        except GitHubError as error:
            log.info("could not check @%s (%s); the plan asks again", owner, error)
    if owners:
        # Comments are asked for only once the owners are known.
        needs = _look_ahead(session, needs_of)
    wanted = {n for n, ns in needs.items() if "comments" in ns}
    _prefetch_comments(session, wanted, problems_only=True)


def _prefetch_comments(session: Session, wanted: set[int], *, problems_only: bool) -> None:
    """The comments of the post-mortems numbered `wanted`, read together (GraphQL) when there
    are several; whatever this does not read is read one by one when a plan asks.

    `problems_only`: the plans need only pmflow's problems comments (a sync), so a listing of
    the repository's comments may stop once it has shown those."""
    pending = [
        pm
        for pm in session.postmortems
        if pm.issue.number in wanted and pm.all_comments is None and (pm.issue.comments or 0) > 0
    ]
    if len(pending) < 2:
        return
    repo = session.repo
    me = session.executor.facts.me if problems_only else None
    found: dict[int, tuple[list[CommentState], bool]] = {}
    if me is not None and not repo.graphql_expected:
        # One page of the listing often holds the problems comments: tried before a GraphQL
        # request that this server may refuse.
        found.update(_comments_from_listing(repo, pending, me, max_pages=1))
    try:
        read = repo.comments_of_issues(pm.issue for pm in pending if pm.issue.number not in found)
    except GitHubError as error:
        log.info("could not read comments together (%s); reading them one by one", error)
        read = {}
    found.update((number, (comments, False)) for number, comments in read.items())
    rest = [pm for pm in pending if pm.issue.number not in found]
    if len(rest) >= 2:
        found.update(_comments_from_listing(repo, rest, me))
    for index, pm in enumerate(session.postmortems):
        if pm.all_comments is None and pm.issue.number in found:
            comments, partial = found[pm.issue.number]
            session.postmortems[index] = dataclasses.replace(
                pm, comments=tuple(comments), comments_partial=partial
            )


def _comments_from_listing(
    repo: GitHubRepo, pending: list[PostMortem], me: str | None, max_pages: int | None = None
) -> dict[int, tuple[list[CommentState], bool]]:
    """From REST: the repository's comments since the oldest of these post-mortems was opened
    hold all of theirs. Listed only while that costs fewer pages than one read each (and no
    more than `max_pages`).

    With `me` (only pmflow's problems comments are wanted), the listing stops at the first page
    after which each post-mortem has shown all its comments or pmflow's problems comment:
    pmflow posts that on its first run after a post-mortem opens, so it comes early in a listing
    that starts there. Returns, by post-mortem, its comments found and whether that is only part
    of them."""
    opened = [pm.issue.created_at for pm in pending]
    if any(when is None for when in opened):
        return {}

    def shares(listed: list[CommentState]) -> dict[int, tuple[list[CommentState], bool]]:
        """Each post-mortem's comments in `listed`, and whether they are only part of them;
        those the listing cannot be trusted for yet are left out."""
        by_issue: dict[int, list[CommentState]] = {pm.issue.number: [] for pm in pending}
        for comment in listed:
            if comment.issue_number in by_issue:
                by_issue[comment.issue_number].append(comment)
        trusted = {}
        for pm in pending:
            share = by_issue[pm.issue.number]
            # Every comment GitHub counts on it, or (for a sync) pmflow's problems comment.
            if len(share) == pm.issue.comments:
                trusted[pm.issue.number] = (share, False)
            elif me is not None and own_problems_comment(share, me) is not None:
                trusted[pm.issue.number] = (share, True)
        return trusted

    pages = len(pending) - 1 if max_pages is None else min(max_pages, len(pending) - 1)
    try:
        listed = repo.comments_since(
            min(w for w in opened if w),
            max_pages=pages,
            enough=None if me is None else lambda so_far: len(shares(so_far)) == len(pending),
        )
    except GitHubError as error:
        log.info("could not list the repository's comments (%s)", error)
        return {}
    return shares(listed)


def _apply(
    pm: PostMortem, operations: list[Operation], executor: Executor, outcome: PostMortemOutcome
) -> PostMortem:
    for op in operations:
        pm = executor.execute(op, pm)
        outcome.operations.append(op)
    return pm


def sync_postmortem(
    pm: PostMortem,
    repo: GitHubRepo,
    executor: Executor,
    config: Config,
    renderer: Renderer,
    outcome: PostMortemOutcome,
) -> PostMortem:
    """Plan and apply rounds until nothing is left to do; `outcome` records what was done."""
    facts = executor.facts
    plan = SyncPlan()
    outcome.state = pm
    for _ in range(MAX_ROUNDS):
        plan = plan_postmortem(pm, facts, config, renderer)
        while plan.needs:
            pm = _fill_needs(plan.needs, pm, facts, repo)
            plan = plan_postmortem(pm, facts, config, renderer)
        if not plan.operations:
            break
        try:
            pm = _apply(pm, plan.operations, executor, outcome)
        except BodyChanged as changed:
            log.info("%s; planning again on the new text", changed)
            pm = dataclasses.replace(pm, issue=changed.current)
            pm = dataclasses.replace(pm, actions=_fresh_actions(pm, repo, config, facts))
        finally:
            outcome.state = pm
        pm = reread(pm, config)
        outcome.state = pm
    else:
        log.warning("#%s: still changing after %s rounds; stopping", pm.issue.number, MAX_ROUNDS)
    outcome.problems = plan.problems
    by_line = {action.line_index: action for action in pm.report.actions}
    lines = pm.issue.body.replace("\r\n", "\n").split("\n")
    outcome.checklist = [lines[index] for index in sorted(by_line) if index < len(lines)]
    return pm


def follow_postmortem(
    pm: PostMortem,
    repo: GitHubRepo,
    executor: Executor,
    config: Config,
    renderer: Renderer,
    clock: Clock,
    parts: tuple[str, ...],
    outcome: PostMortemOutcome,
) -> PostMortem:
    facts = executor.facts
    for _ in range(MAX_ROUNDS):
        plan = plan_followthrough(pm, facts.me, config, renderer, clock, parts)
        while plan.needs:
            pm = _fill_needs(plan.needs, pm, facts, repo)
            plan = plan_followthrough(pm, facts.me, config, renderer, clock, parts)
        if not plan.operations:
            break
        pm = _apply(pm, plan.operations, executor, outcome)
        outcome.state = pm
    return pm


def _fresh_actions(
    pm: PostMortem, repo: GitHubRepo, config: Config, facts: RepoFacts
) -> tuple[IssueState, ...]:
    """The post-mortem's action issues read again, after its body changed under pmflow.

    The change may be another pmflow run's (one started at the same moment, by hand): its action
    issues must be known before planning on its text, or each run would reference its own copy.
    """
    found = {a.number: a for a in pm.actions}
    found.update((a.number, a) for a in _actions_for(repo, pm.issue, config, facts))
    return tuple(sorted(found.values(), key=lambda a: a.number))


def _actions_for(
    repo: GitHubRepo, pm_issue: IssueState, config: Config, facts: RepoFacts
) -> list[IssueState]:
    """Action issues of one post-mortem, without listing every action issue in the repository."""
    found: dict[int, IssueState] = {}
    if config.sub_issues and facts.sub_issues_supported is not False:
        try:
            for child in repo.list_sub_issues(pm_issue.number):
                found[child.number] = dataclasses.replace(
                    child, parent_number=pm_issue.number, parent_known=True
                )
            facts.sub_issues_supported = True
        except SubIssuesUnsupported:
            facts.sub_issues_supported = False
    mine = {
        number
        for number, issue in found.items()
        if markers.written_by_pmflow(issue.author, facts.me)
        and postmortem_of(issue) == pm_issue.number
    }
    lines = read_report(pm_issue, config).actions
    if facts.sub_issues_supported and all(line.issue_number in mine for line in lines):
        # Every action line references one of pmflow's sub-issues of it: no issue made by an
        # interrupted run can be waiting to be found, so the listing below would find nothing.
        recent = []
    elif config.sub_issues and facts.sub_issues_supported:
        since = (pm_issue.updated_at or dt.datetime.now(dt.UTC)) - RECENT_MARGIN
        recent = repo.list_issues([config.action_label["name"]], since=since)
    else:
        recent = repo.list_issues([config.action_label["name"]])
    for issue in recent:
        found.setdefault(issue.number, issue)
    return [
        issue
        for issue in found.values()
        if markers.written_by_pmflow(issue.author, facts.me)
        and postmortem_of(issue) == pm_issue.number
    ]


@dataclass
class Session:
    """One invocation: the repository, what is known of it, and the executor with its budget."""

    repo: GitHubRepo
    config: Config
    renderer: Renderer
    executor: Executor
    outcome: SyncOutcome
    postmortems: list[PostMortem]


def open_session(
    repo: GitHubRepo,
    config: Config,
    renderer: Renderer,
    *,
    issue_number: int | None = None,
    dry_run: bool = False,
    max_writes: int | None = None,
    on_write: Callable[[Operation], None] | None = None,
) -> Session:
    outcome = SyncOutcome(dry_run=dry_run)
    facts = RepoFacts(me=repo.whoami())
    postmortems: list[IssueState] = []
    grouped: dict[int, list[IssueState]] = {}
    if issue_number is not None:
        issue = repo.get_issue(issue_number)
        if config.postmortem_label not in issue.labels:
            parent = (
                postmortem_of(issue) if markers.written_by_pmflow(issue.author, facts.me) else None
            )
            if parent is None:
                outcome.notices.append(
                    f"#{issue_number} is neither a post-mortem (label "
                    f"{config.postmortem_label!r}) nor one of pmflow's action issues: "
                    "nothing to do."
                )
            else:
                issue = repo.get_issue(parent)
        if config.postmortem_label in issue.labels:
            postmortems = [issue]
            grouped = {issue.number: _actions_for(repo, issue, config, facts)}
    else:
        postmortems = repo.list_issues([config.postmortem_label])
        grouped = dict(trusted_actions(repo.list_issues([config.action_label["name"]]), facts.me))

    known = [pm.number for pm in postmortems] + [a.number for g in grouped.values() for a in g]
    executor = Executor(
        repo,
        facts,
        dry_run=dry_run,
        max_writes=max_writes,
        next_number=max(known, default=0) + 1,
        on_write=on_write,
        link_at_create=config.sub_issues,
    )
    states = [
        PostMortem(
            issue=issue,
            report=read_report(issue, config),
            actions=tuple(sorted(grouped.get(issue.number, ()), key=lambda a: a.number)),
            advice=advice_for(issue, config),
            report_of=issue.body,
        )
        for issue in sorted(postmortems, key=lambda i: i.number)
    ]
    return Session(repo, config, renderer, executor, outcome, states)


def _each_postmortem(
    session: Session, step: Callable[[PostMortem, PostMortemOutcome], PostMortem], what: str
) -> None:
    """Run `step` on every post-mortem; a budget or rate limit stops the run cleanly."""
    outcomes = {o.number: o for o in session.outcome.postmortems}
    progress = Progress(what, len(session.postmortems))
    try:
        _each_step(session, step, outcomes, progress)
    finally:
        progress.finish()


def _each_step(
    session: Session,
    step: Callable[[PostMortem, PostMortemOutcome], PostMortem],
    outcomes: dict[int, PostMortemOutcome],
    progress: Progress,
) -> None:
    for index, pm in enumerate(session.postmortems):
        if session.outcome.deferred:
            return
        progress.step(index + 1, pm.issue.number)
        result = outcomes.get(pm.issue.number)
        if result is None:
            result = PostMortemOutcome(pm.issue.number, pm.issue.title, pm.issue.html_url)
            session.outcome.postmortems.append(result)
        if result.error:
            continue
        try:
            session.postmortems[index] = step(pm, result)
        except (BudgetExhausted, RateLimited) as stop:
            waiting = [p.issue.number for p in session.postmortems[index:]]
            session.outcome.deferred_postmortems = waiting
            session.outcome.deferred = f"{stop} {_deferred_text(waiting)}"
        except GitHubError as error:
            # One post-mortem's failure should not stop the others.
            result.error = str(error)
        if result.state is not None:
            session.postmortems[index] = result.state


def _deferred_text(waiting: list[int]) -> str:
    first, later = waiting[0], waiting[1:]
    text = f"Deferred: the rest of #{first}"
    if later:
        shown = ", ".join(f"#{n}" for n in later[:10]) + (", ..." if len(later) > 10 else "")
        text += f" and {len(later)} more post-mortem(s) ({shown})"
    return text + "."


def sync_all(session: Session) -> None:
    def step(pm: PostMortem, outcome: PostMortemOutcome) -> PostMortem:
        return sync_postmortem(
            pm, session.repo, session.executor, session.config, session.renderer, outcome
        )

    _prefetch_sync(session)
    _each_postmortem(session, step, "sync")


def follow_all(session: Session, clock: Clock, parts: tuple[str, ...]) -> None:
    """The follow-through on every post-mortem, with pmflow's recent comments listed once."""
    if session.outcome.deferred:
        return
    me = session.executor.facts.me
    try:
        recent = session.repo.list_repo_comments(recent_window_start(session.config, clock))
    except (RateLimited, GitHubError) as error:
        session.outcome.deferred = str(error)
        return
    by_issue: dict[int, list] = {}
    every: dict[int, list[CommentState]] = {}
    for comment in recent:
        every.setdefault(comment.issue_number, []).append(comment)
        if markers.written_by_pmflow(comment.author, me):
            by_issue.setdefault(comment.issue_number, []).append(comment)
    for index, pm in enumerate(session.postmortems):
        numbers = [pm.issue.number, *(a.number for a in pm.actions)]
        mine = tuple(c for n in numbers for c in by_issue.get(n, ()))
        pm = dataclasses.replace(pm, recent_comments=mine)
        listed = every.get(pm.issue.number, [])
        if pm.all_comments is None and listed and len(listed) == pm.issue.comments:
            # The listing holds as many of its comments as GitHub counts on it: all of them.
            pm = dataclasses.replace(pm, comments=tuple(listed), comments_partial=False)
        session.postmortems[index] = pm

    def needs_of(pm: PostMortem) -> set[str]:
        return plan_followthrough(pm, me, session.config, session.renderer, clock, parts).needs

    needs = _look_ahead(session, needs_of)
    wanted = {n for n, ns in needs.items() if "comments" in ns}
    _prefetch_comments(session, wanted, problems_only=False)

    def step(pm: PostMortem, outcome: PostMortemOutcome) -> PostMortem:
        pm = follow_postmortem(
            pm,
            session.repo,
            session.executor,
            session.config,
            session.renderer,
            clock,
            parts,
            outcome,
        )
        if set(PARTS) <= set(parts):  # the weekly `pmflow run`, not `status` or `overdue` alone
            # Imported here, beside its only use, to keep this addition to one place.
            from pmflow.similar_plan import plan_similar

            # New post-mortems are those opened within the window whose comments were listed
            # above: whether the link comment exists is known with no read of its own.
            similar = plan_similar(
                pm,
                session.postmortems,
                me,
                session.renderer,
                config=session.config,
                since=recent_window_start(session.config, clock),
            )
            pm = _apply(pm, similar, session.executor, outcome)
        return pm

    _each_postmortem(session, step, "follow-through")


def close_session(session: Session) -> SyncOutcome:
    facts = session.executor.facts
    if facts.sub_issues_supported is False and session.config.sub_issues:
        session.executor.notices.append(
            "This GitHub has no sub-issues API (an older GitHub Enterprise Server?): action "
            "issues are linked to their post-mortem by text only."
        )
    outcome = session.outcome
    outcome.writes = session.executor.writes
    outcome.notices.extend(dict.fromkeys(session.executor.notices))
    return outcome


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
    try:
        session = open_session(
            repo,
            config,
            renderer,
            issue_number=issue_number,
            dry_run=dry_run,
            max_writes=max_writes,
            on_write=on_write,
        )
    except RateLimited as stop:  # before any work: all of it waits for the next run
        return SyncOutcome(dry_run=dry_run, deferred=f"{stop} Deferred: everything.")
    sync_all(session)
    return close_session(session)


def run(
    repo: GitHubRepo,
    config: Config,
    renderer: Renderer,
    clock: Clock,
    *,
    parts: tuple[str, ...] = PARTS,
    with_sync: bool = True,
    dry_run: bool = False,
    max_writes: int | None = None,
) -> SyncOutcome:
    """The scheduled job: sync first (the most important writes), then the follow-through."""
    try:
        session = open_session(repo, config, renderer, dry_run=dry_run, max_writes=max_writes)
    except RateLimited as stop:  # before any work: all of it waits for the next run
        return SyncOutcome(dry_run=dry_run, deferred=f"{stop} Deferred: everything.")
    if with_sync:
        sync_all(session)
    follow_all(session, clock, parts)
    return close_session(session)
