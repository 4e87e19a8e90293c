"""Plan the follow-through of one post-mortem: a pure function of data and the clock.

Every rule is "due since", not "due today": a run that comes late, or after a skipped week,
posts what is due, once. What was already posted is found by the markers in pmflow's own
comments (recent ones come from one repository-wide listing) and, for the once-only steps, by a
label that pmflow adds in the same breath, so that old post-mortems cost no reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pmflow import markers
from pmflow.config import WEEKDAYS, Config
from pmflow.model import CommentState, IssueState, Severity
from pmflow.ops import AddLabel, CloseIssue, CreateComment, Operation, RemoveLabel
from pmflow.plan import PostMortem, action_marker, duplicate_actions
from pmflow.render import Renderer, truncate

PARTS = ("overdue", "status", "followup")
STATUS = "status"
OVERDUE = "overdue"
FOLLOWUP = "followup"
COMPLETION = "completion"
VERIFIED = "verified"
NUDGE = "nudge"
_IMPACT_LINE = re.compile(r"^\s*[-*+]\s+\[(?P<box>[ xX])\]\s+#(?P<number>\d+)\b", re.MULTILINE)


@dataclass(frozen=True)
class Clock:
    """`now` seen in the team's time zone."""

    now: dt.datetime
    zone: ZoneInfo

    @property
    def local(self) -> dt.datetime:
        return self.now.astimezone(self.zone)

    @property
    def today(self) -> dt.date:
        return self.local.date()

    def start_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)

    @property
    def week(self) -> str:
        year, week, _ = self.today.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def monday(self) -> dt.date:
        return self.today - dt.timedelta(days=self.today.isoweekday() - 1)


def recent_window_start(config: Config, clock: Clock) -> dt.datetime:
    """How far back the repository's comments must be listed to know what is already posted.

    It covers this ISO week (status comments) and one overdue-reminder period (reminders).
    """
    repeat = config.section("overdue")["repeat_days"]
    earliest = min(clock.monday, clock.today - dt.timedelta(days=repeat + 1))
    return clock.start_of(earliest)


@dataclass
class ActionStatus:
    issue: IssueState
    title: str
    owner: str | None
    due: dt.date | None
    days_overdue: int

    @property
    def state(self) -> str:
        if self.issue.is_open:
            return "overdue" if self.days_overdue > 0 else "open"
        return "done" if self.issue.completed else "dropped"


@dataclass
class FollowPlan:
    operations: list[Operation] = field(default_factory=list)
    needs: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def _own(
    comments: Iterable[CommentState], me: str, kind: str
) -> list[tuple[CommentState, markers.Marker]]:
    found = []
    for comment in comments:
        if not markers.written_by_pmflow(comment.author, me):
            continue
        for marker in markers.find_markers(comment.body, kind):
            found.append((comment, marker))
    return found


def action_statuses(pm: PostMortem, today: dt.date) -> list[ActionStatus]:
    statuses = []
    owners = {line.issue_number: line.owner for line in pm.report.actions if line.issue_number}
    duplicates = duplicate_actions(pm.actions)  # copies made by two runs at once: not actions
    for issue in sorted(pm.actions, key=lambda a: a.number):
        if issue.number in duplicates:
            continue
        marker = action_marker(issue)
        due_text = marker.get("due") if marker else None
        try:
            due = dt.date.fromisoformat(due_text) if due_text else None
        except ValueError:
            due = None
        owner = owners.get(issue.number) or (marker.get("owner") if marker else None)
        overdue = (today - due).days if issue.is_open and due and due < today else 0
        statuses.append(ActionStatus(issue, issue.title, owner, due, overdue))
    return statuses


def _weekday_index(name: str) -> int:
    return WEEKDAYS.index(name) + 1


def postmortem_date(pm: PostMortem, clock: Clock) -> dt.date:
    """The day the follow-up counts from: the meeting, else the day the post-mortem was opened."""
    if pm.report.meeting_date:
        return pm.report.meeting_date
    created = pm.issue.created_at or clock.now
    return created.astimezone(clock.zone).date()


def plan_followthrough(
    pm: PostMortem,
    me: str,
    config: Config,
    renderer: Renderer,
    clock: Clock,
    parts: Iterable[str] = PARTS,
) -> FollowPlan:
    wanted = set(parts)
    workday = clock.today.isoweekday() in config.workdays
    steps = _FollowThrough(
        pm, action_statuses(pm, clock.today), me, config, renderer, clock, workday
    )
    if "overdue" in wanted and config.section("overdue")["enabled"]:
        steps.plan_overdue()
    if pm.issue.is_open and "status" in wanted and config.section("status")["enabled"]:
        steps.plan_status()
    if "followup" in wanted:
        steps.plan_completion()
        if pm.issue.is_open and workday:
            if config.section("followup")["enabled"]:
                steps.plan_followup_check()
            if config.section("nudges")["enabled"]:
                steps.plan_nudges()
    return steps.plan


def _changes_since(
    statuses: Sequence[ActionStatus], since: dt.datetime, today: dt.date, zone: ZoneInfo
) -> dict[str, list[ActionStatus]]:
    since_day = since.astimezone(zone).date()
    return {
        "closed": [
            s
            for s in statuses
            if s.issue.closed_at and s.issue.closed_at > since and not s.issue.is_open
        ],
        "overdue": [
            s
            for s in statuses
            if s.days_overdue > 0 and s.due and s.due >= since_day and s.due < today
        ],
        "added": [s for s in statuses if s.issue.created_at and s.issue.created_at > since],
    }


def impact_ticks(comments: Iterable[CommentState], me: str) -> dict[int, bool]:
    """Which actions' impact boxes are ticked in pmflow's completion and follow-up comments."""
    ticks: dict[int, bool] = {}
    for comment in comments:
        if not markers.written_by_pmflow(comment.author, me):
            continue
        if not (
            markers.find_marker(comment.body, COMPLETION)
            or markers.find_marker(comment.body, FOLLOWUP)
        ):
            continue
        for match in _IMPACT_LINE.finditer(comment.body):
            number = int(match["number"])
            ticks[number] = ticks.get(number, False) or match["box"] in "xX"
    return ticks


def _has_hard_problems(pm: PostMortem) -> bool:
    return any(p.severity is Severity.ERROR for p in pm.report.problems)


def meeting_deadline(pm: PostMortem, config: Config) -> dt.timedelta | None:
    kind = (pm.report.incident_type or "").casefold()
    settings = config.section("nudges")
    if "operational" in kind or "incident" in kind:
        return dt.timedelta(hours=settings["operational_meeting_hours"])
    if "project" in kind or "delivery" in kind:
        return dt.timedelta(days=settings["project_meeting_days"])
    return None


@dataclass
class _FollowThrough:
    """One post-mortem's follow-through: the facts every step reads, and the plan they fill."""

    pm: PostMortem
    statuses: list[ActionStatus]
    me: str
    config: Config
    renderer: Renderer
    clock: Clock
    workday: bool
    plan: FollowPlan = field(default_factory=FollowPlan)

    def plan_overdue(self) -> None:
        settings = self.config.section("overdue")
        label = settings["label"]
        posted = {
            (int(m.get("issue") or 0), int(m.get("slot") or 0))
            for _, m in _own(self.pm.recent_comments, self.me, OVERDUE)
            if (m.get("issue") or "").isdigit() and (m.get("slot") or "").isdigit()
        }
        for status in self.statuses:
            issue = status.issue
            if status.days_overdue <= 0:
                if label in issue.labels:
                    self.plan.operations.append(RemoveLabel(issue.number, label))
                continue
            if label not in issue.labels:
                self.plan.operations.append(AddLabel(issue.number, label))
            # Reminder k is due from `repeat_days * k` days after the first overdue day.
            slot = (status.days_overdue - 1) // settings["repeat_days"]
            if not self.workday or any(n == issue.number and s >= slot for n, s in posted):
                continue
            escalate = status.days_overdue >= settings["escalate_after_days"]
            report_owner = self.pm.report.report_owner if escalate else None
            assignees = issue.assignees or ((status.owner,) if status.owner else ())
            body = self.renderer.render(
                "overdue_comment.md.j2",
                marker=markers.format_marker(
                    OVERDUE, pm=self.pm.issue.number, issue=issue.number, slot=slot
                ),
                action=status,
                postmortem=self.pm.issue,
                assignees=assignees,
                report_owner=report_owner if report_owner not in assignees else None,
                escalated=escalate,
                repeat_days=settings["repeat_days"],
            )
            self.plan.operations.append(CreateComment(issue.number, OVERDUE, truncate(body)))

    def plan_status(self) -> None:
        if not self.statuses or all(not s.issue.is_open for s in self.statuses):
            return  # nothing to chase: the completion step takes over
        if self.clock.today.isoweekday() < _weekday_index(self.config.section("status")["weekday"]):
            return
        previous = [
            (comment, marker)
            for comment, marker in _own(self.pm.recent_comments, self.me, STATUS)
            if comment.issue_number == self.pm.issue.number
        ]
        if any(marker.get("week") == self.clock.week for _, marker in previous):
            return
        last = max((c.created_at for c, _ in previous if c.created_at), default=None)
        since = last or (self.clock.now - dt.timedelta(days=7))
        counts = {
            "done": sum(s.state == "done" for s in self.statuses),
            "open": sum(s.state == "open" for s in self.statuses),
            "overdue": sum(s.state == "overdue" for s in self.statuses),
            "dropped": sum(s.state == "dropped" for s in self.statuses),
        }
        body = self.renderer.render(
            "status_comment.md.j2",
            marker=markers.format_marker(STATUS, pm=self.pm.issue.number, week=self.clock.week),
            postmortem=self.pm.issue,
            actions=self.statuses,
            counts=counts,
            changes=_changes_since(self.statuses, since, self.clock.today, self.clock.zone),
            since=since.astimezone(self.clock.zone).date(),
            first=last is None,
            week=self.clock.week,
        )
        self.plan.operations.append(CreateComment(self.pm.issue.number, STATUS, truncate(body)))

    def plan_completion(self) -> None:
        settings = self.config.section("completion")
        complete_label, verified_label = settings["complete_label"], settings["verified_label"]
        labels = self.pm.issue.labels
        all_closed = bool(self.statuses) and all(not s.issue.is_open for s in self.statuses)
        complete = all_closed and not _has_hard_problems(self.pm)
        if not complete:
            if complete_label in labels and any(s.issue.is_open for s in self.statuses):
                self.plan.operations.append(RemoveLabel(self.pm.issue.number, complete_label))
            return
        if verified_label in labels:
            return
        comments = self.pm.all_comments
        if comments is None:
            self.plan.needs.add("comments")
            return
        done = [s for s in self.statuses if s.state == "done"]
        if complete_label not in labels:
            if not _own(comments, self.me, COMPLETION):
                body = self.renderer.render(
                    "completion_comment.md.j2",
                    marker=markers.format_marker(COMPLETION, pm=self.pm.issue.number),
                    postmortem=self.pm.issue,
                    actions=self.statuses,
                    done=done,
                    report_owner=self.pm.report.report_owner,
                    close=settings["close_when_verified"],
                )
                self.plan.operations.append(
                    CreateComment(self.pm.issue.number, COMPLETION, truncate(body))
                )
            self.plan.operations.append(AddLabel(self.pm.issue.number, complete_label))
            return
        ticks = impact_ticks(comments, self.me)
        if not done or not all(ticks.get(s.issue.number) for s in done):
            return
        if settings["close_when_verified"] and self.pm.issue.is_open:
            if not _own(comments, self.me, VERIFIED):
                body = self.renderer.render(
                    "verified_comment.md.j2",
                    marker=markers.format_marker(VERIFIED, pm=self.pm.issue.number),
                    postmortem=self.pm.issue,
                    done=done,
                )
                self.plan.operations.append(CreateComment(self.pm.issue.number, VERIFIED, body))
            self.plan.operations.append(CloseIssue(self.pm.issue.number, "completed"))
        # The label goes last: until it is on, a rerun finishes whatever a killed run left undone.
        self.plan.operations.append(AddLabel(self.pm.issue.number, verified_label))

    def plan_followup_check(self) -> None:
        settings = self.config.section("followup")
        if settings["label"] in self.pm.issue.labels:
            return
        due_on = postmortem_date(self.pm, self.clock) + dt.timedelta(days=settings["after_days"])
        if self.clock.today < due_on:
            return
        comments = self.pm.all_comments
        if comments is None:
            self.plan.needs.add("comments")
            return
        if not _own(comments, self.me, FOLLOWUP):
            body = self.renderer.render(
                "followup_comment.md.j2",
                marker=markers.format_marker(FOLLOWUP, pm=self.pm.issue.number),
                postmortem=self.pm.issue,
                actions=self.statuses,
                done=[s for s in self.statuses if s.state == "done"],
                open=[s for s in self.statuses if s.issue.is_open],
                report_owner=self.pm.report.report_owner,
                after_days=settings["after_days"],
            )
            self.plan.operations.append(
                CreateComment(self.pm.issue.number, FOLLOWUP, truncate(body))
            )
        self.plan.operations.append(AddLabel(self.pm.issue.number, settings["label"]))

    def plan_nudges(self) -> None:
        report = self.pm.report
        due: list[tuple[str, dict[str, object]]] = []
        deadline = meeting_deadline(self.pm, self.config)
        if deadline and report.incident_date and report.meeting_date is None:
            late_from = self.clock.start_of(report.incident_date) + deadline
            if self.clock.now >= late_from:
                due.append(
                    ("meeting", {"deadline": deadline, "incident_date": report.incident_date})
                )
        after = dt.timedelta(days=self.config.section("nudges")["actions_after_meeting_days"])
        if (
            report.meeting_date
            and not report.actions
            and not self.pm.actions
            and self.clock.today >= report.meeting_date + after
        ):
            due.append(("actions", {"meeting_date": report.meeting_date, "days": after.days}))
        if not due:
            return
        comments = self.pm.all_comments
        if comments is None:
            self.plan.needs.add("comments")
            return
        sent = {m.get("kind") for _, m in _own(comments, self.me, NUDGE)}
        for kind, context in due:
            if kind in sent:
                continue
            body = self.renderer.render(
                f"nudge_{kind}.md.j2",
                marker=markers.format_marker(NUDGE, pm=self.pm.issue.number, kind=kind),
                postmortem=self.pm.issue,
                who=report.report_owner or self.pm.issue.author,
                incident_type=report.incident_type,
                **context,
            )
            self.plan.operations.append(CreateComment(self.pm.issue.number, NUDGE, body))
