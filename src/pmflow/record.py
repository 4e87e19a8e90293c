"""The record: a register of the post-mortems and the figures of their follow-through.

Pure: the post-mortems as a run reads them (`sync.open_session`) and a clock in, rows and figures
out. Each metric carries its one-sentence definition with its value, so the Markdown, the HTML
page, `--json` and the README all say the same thing about the same number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pmflow.config import Config
from pmflow.followthrough import Clock, action_statuses
from pmflow.plan import PostMortem

NO_OWNER = "(no owner)"


@dataclass(frozen=True)
class Metric:
    """One figure: `value` is None when there is nothing to compute it over (`basis` is 0)."""

    id: str
    name: str
    definition: str
    value: float | int | None
    unit: str  # "" (a count), "share" (0 to 1), "days", "hours"
    basis: int  # how many post-mortems or actions it is computed over

    @property
    def display(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "share":
            return f"{self.value * 100:.0f}%"
        if self.unit in ("days", "hours"):
            return f"{self.value:g} {self.unit}"
        return str(self.value)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "definition": self.definition,
            "value": self.value,
            "unit": self.unit,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class ActionFact:
    """An action issue as the record counts it."""

    postmortem: int
    number: int
    title: str
    owner: str | None
    due: dt.date | None
    state: str  # "done", "dropped", "open", "overdue"
    closed_on: dt.date | None  # in the team's time zone
    on_time: bool | None  # None: no verdict yet (open and not due, dropped, or no due date)
    days_to_close: float | None  # from the post-mortem's opening, for done actions


@dataclass(frozen=True)
class RegisterRow:
    number: int
    title: str
    url: str
    incident_type: str | None
    severity: str | None
    incident_date: dt.date | None
    date: dt.date  # the incident date, else the day the issue was opened
    state: str  # "open", "actions complete", "impact verified", "closed"
    actions: int
    done: int
    on_time: int
    overdue: int


@dataclass(frozen=True)
class Share:
    """On-time share of the actions due in one month."""

    month: str
    on_time: int
    decided: int

    @property
    def share(self) -> float:
        return self.on_time / self.decided


@dataclass(frozen=True)
class Record:
    since: dt.date | None
    today: dt.date
    rows: tuple[RegisterRow, ...]
    metrics: tuple[Metric, ...]
    postmortems_per_month: tuple[tuple[str, int], ...]
    closed_per_week: tuple[tuple[str, int], ...]
    on_time_per_month: tuple[Share, ...]
    overdue_by_owner: tuple[tuple[str, int], ...]
    actions: tuple[ActionFact, ...]
    meeting_target_hours: int

    def metric(self, metric_id: str) -> Metric:
        return next(m for m in self.metrics if m.id == metric_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {
                "since": self.since.isoformat() if self.since else None,
                "until": self.today.isoformat(),
            },
            "metrics": [metric.as_json() for metric in self.metrics],
            "postmortems_per_month": [
                {"month": month, "postmortems": count}
                for month, count in self.postmortems_per_month
            ],
            "actions_closed_per_week": [
                {"week": week, "closed": count} for week, count in self.closed_per_week
            ],
            "on_time_share_per_month": [
                {
                    "month": s.month,
                    "on_time": s.on_time,
                    "decided": s.decided,
                    "share": round(s.share, 4),
                }
                for s in self.on_time_per_month
            ],
            "open_overdue_by_owner": [
                {"owner": owner, "overdue": count} for owner, count in self.overdue_by_owner
            ],
            "register": [
                {
                    "number": row.number,
                    "title": row.title,
                    "url": row.url,
                    "incident_type": row.incident_type,
                    "severity": row.severity,
                    "incident_date": row.incident_date.isoformat() if row.incident_date else None,
                    "date": row.date.isoformat(),
                    "state": row.state,
                    "actions": row.actions,
                    "done": row.done,
                    "on_time": row.on_time,
                    "overdue": row.overdue,
                }
                for row in self.rows
            ],
            "actions": [
                {
                    "postmortem": a.postmortem,
                    "number": a.number,
                    "title": a.title,
                    "owner": a.owner,
                    "due": a.due.isoformat() if a.due else None,
                    "state": a.state,
                    "closed_on": a.closed_on.isoformat() if a.closed_on else None,
                    "on_time": a.on_time,
                    "days_to_close": a.days_to_close,
                }
                for a in self.actions
            ],
        }


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default, Excel's PERCENTILE.INC);
    the median is `percentile(values, 0.5)`."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def postmortem_day(pm: PostMortem, clock: Clock) -> dt.date:
    """The day a post-mortem is filed under: its incident date, else the day it was opened."""
    if pm.report.incident_date:
        return pm.report.incident_date
    opened = pm.issue.created_at or clock.now
    return opened.astimezone(clock.zone).date()


def is_operational(pm: PostMortem) -> bool:
    """An operational incident, by the words `followthrough.meeting_deadline` reads: the kind of
    post-mortem whose meeting is due within `nudges.operational_meeting_hours`."""
    kind = (pm.report.incident_type or "").casefold()
    return "operational" in kind or "incident" in kind


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _months(first: dt.date, last: dt.date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _weeks(first: dt.date, last: dt.date) -> list[str]:
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(_week(monday))
        monday += dt.timedelta(days=7)
    return weeks


def action_facts(pm: PostMortem, clock: Clock) -> list[ActionFact]:
    facts = []
    opened = pm.issue.created_at
    for status in action_statuses(pm, clock.today):
        issue = status.issue
        closed_on = issue.closed_at.astimezone(clock.zone).date() if issue.closed_at else None
        state = status.state
        on_time: bool | None = None
        days: float | None = None
        if state == "done":
            if status.due and closed_on:
                on_time = closed_on <= status.due
            if opened and issue.closed_at:
                days = round((issue.closed_at - opened).total_seconds() / 86400, 2)
        elif state == "overdue":
            on_time = False
        owner = status.owner or (issue.assignees[0] if issue.assignees else None)
        facts.append(
            ActionFact(
                pm.issue.number,
                issue.number,
                issue.title,
                owner,
                status.due,
                state,
                closed_on if state in ("done", "dropped") else None,
                on_time,
                days,
            )
        )
    return facts


def _state(pm: PostMortem, facts: Sequence[ActionFact], config: Config) -> str:
    labels = pm.issue.labels
    settings = config.section("completion")
    if settings["verified_label"] in labels:
        return "impact verified"
    if settings["complete_label"] in labels or (
        facts and all(f.state in ("done", "dropped") for f in facts)
    ):
        return "actions complete"
    return "open" if pm.issue.is_open else "closed"


DEFINITIONS = {
    "postmortems": (
        "Post-mortems",
        "Post-mortem issues whose incident date (else the day the issue was opened) is in the "
        "period.",
    ),
    "actions": (
        "Actions",
        "Action issues pmflow opened for those post-mortems (duplicates left out).",
    ),
    "actions_done": ("Actions done", "Action issues closed as completed."),
    "on_time_share": (
        "Actions done on time",
        "Of the actions that are done or past their due date, the share closed as completed on "
        "or before the due date (open actions not yet due and actions closed as not planned are "
        "left out).",
    ),
    "days_to_close_median": (
        "Median days to close",
        "Median number of days from the post-mortem issue being opened to its action issue "
        "being closed as completed.",
    ),
    "days_to_close_p90": (
        "90th percentile days to close",
        "The same days, 90th percentile (linear interpolation between the closest ranks): nine "
        "actions in ten were done within it.",
    ),
    "open_overdue": (
        "Open overdue actions",
        "Action issues still open after their due date, as of today in the team's time zone.",
    ),
    "meeting_hours_median": (
        "Median hours to meeting",
        "Median hours from the incident date to the meeting date (24 per day, as both are "
        "dates) over operational incidents with both dates, against the {target}-hour target.",
    ),
    "meeting_within_target_share": (
        "Meetings within target",
        "Share of those operational incidents whose meeting was held within {target} hours.",
    ),
}


def _web_url(url: str) -> str:
    # Links go into an HTML page: only a web address, never another scheme.
    return url if url.startswith(("https://", "http://")) else ""


def _metric(metric_id: str, value: float | int | None, unit: str, basis: int, **fmt: Any) -> Metric:
    name, definition = DEFINITIONS[metric_id]
    return Metric(metric_id, name, definition.format(**fmt), value, unit, basis)


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def build_record(
    postmortems: Sequence[PostMortem],
    clock: Clock,
    config: Config,
    since: dt.date | None = None,
) -> Record:
    """The register and metrics of the post-mortems filed on or after `since` (all if None)."""
    chosen = [pm for pm in postmortems if since is None or postmortem_day(pm, clock) >= since]
    chosen.sort(key=lambda pm: (postmortem_day(pm, clock), pm.issue.number), reverse=True)
    rows: list[RegisterRow] = []
    actions: list[ActionFact] = []
    for pm in chosen:
        facts = action_facts(pm, clock)
        actions.extend(facts)
        rows.append(
            RegisterRow(
                number=pm.issue.number,
                title=pm.issue.title,
                url=_web_url(pm.issue.html_url),
                incident_type=pm.report.incident_type,
                severity=pm.report.severity,
                incident_date=pm.report.incident_date,
                date=postmortem_day(pm, clock),
                state=_state(pm, facts, config),
                actions=len(facts),
                done=sum(f.state == "done" for f in facts),
                on_time=sum(f.on_time is True for f in facts),
                overdue=sum(f.state == "overdue" for f in facts),
            )
        )

    done = [a for a in actions if a.state == "done"]
    decided = [a for a in actions if a.on_time is not None]
    on_time = sum(a.on_time is True for a in decided)
    days = [a.days_to_close for a in done if a.days_to_close is not None]
    overdue = [a for a in actions if a.state == "overdue"]
    target = config.section("nudges")["operational_meeting_hours"]
    meeting_hours = [
        (pm.report.meeting_date - pm.report.incident_date).days * 24
        for pm in chosen
        if is_operational(pm)
        and pm.report.meeting_date
        and pm.report.incident_date
        and pm.report.meeting_date >= pm.report.incident_date
    ]
    within = sum(hours <= target for hours in meeting_hours)
    metrics = (
        _metric("postmortems", len(chosen), "", len(chosen)),
        _metric("actions", len(actions), "", len(actions)),
        _metric("actions_done", len(done), "", len(actions)),
        _metric(
            "on_time_share",
            round(on_time / len(decided), 4) if decided else None,
            "share",
            len(decided),
        ),
        _metric("days_to_close_median", _rounded(percentile(days, 0.5)), "days", len(days)),
        _metric("days_to_close_p90", _rounded(percentile(days, 0.9)), "days", len(days)),
        _metric("open_overdue", len(overdue), "", len(actions)),
        _metric(
            "meeting_hours_median",
            _rounded(percentile(meeting_hours, 0.5)),
            "hours",
            len(meeting_hours),
            target=target,
        ),
        _metric(
            "meeting_within_target_share",
            round(within / len(meeting_hours), 4) if meeting_hours else None,
            "share",
            len(meeting_hours),
            target=target,
        ),
    )

    today = clock.today
    first = since or min((postmortem_day(pm, clock) for pm in chosen), default=today)
    first = min(first, today)
    per_month = Counter(_month(postmortem_day(pm, clock)) for pm in chosen)
    closed = Counter(_week(a.closed_on) for a in done if a.closed_on)
    first_closed = min((a.closed_on for a in done if a.closed_on), default=today)
    by_month: dict[str, list[ActionFact]] = {}
    for action in sorted(decided, key=lambda a: a.due or today):
        by_month.setdefault(_month(action.due or today), []).append(action)
    owners = Counter(a.owner or NO_OWNER for a in overdue)
    return Record(
        since=since,
        today=today,
        rows=tuple(rows),
        metrics=metrics,
        postmortems_per_month=tuple((m, per_month[m]) for m in _months(first, today)),
        closed_per_week=tuple((w, closed[w]) for w in _weeks(min(first, first_closed), today)),
        on_time_per_month=tuple(
            Share(month, sum(a.on_time is True for a in items), len(items))
            for month, items in by_month.items()
        ),
        overdue_by_owner=tuple(sorted(owners.items(), key=lambda item: (-item[1], item[0]))),
        actions=tuple(actions),
        meeting_target_hours=target,
    )
