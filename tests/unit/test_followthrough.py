"""The follow-through planner on data: what is due when, and what was already posted."""

from __future__ import annotations

import datetime as dt

from pmflow import markers
from pmflow.config import from_mapping
from pmflow.followthrough import Clock, impact_ticks, plan_followthrough, recent_window_start
from pmflow.model import CommentState, IssueState
from pmflow.ops import AddLabel, CreateComment, RemoveLabel
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem
from pmflow.render import Renderer

ME = "pmflow-bot"
CONFIG = from_mapping({})
BODY = "### Actions\n\n- [ ] #2 Add alerting @alice due:2026-11-25\n\n### Report owner\n\n@carol\n"


def clock(day: str, hour: int = 9, config=CONFIG) -> Clock:
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)
    return Clock(moment, config.zone)


def action(state: str = "open", due: str = "2026-11-25", **extra) -> IssueState:
    marker = markers.format_marker("action", pm=1, key="k", due=due, owner="alice")
    return IssueState(2, 20, "Add alerting", marker, state, ME, assignees=("alice",), **extra)


def pm(actions=(), recent=(), comments=None, labels=("postmortem",), body=BODY) -> PostMortem:
    issue = IssueState(
        1,
        10,
        "Outage",
        body,
        "open",
        "carol",
        labels=labels,
        created_at=dt.datetime(2026, 11, 18, tzinfo=dt.UTC),
    )
    return PostMortem(issue, parse_postmortem(body), tuple(actions), comments, tuple(recent))


def plan(state: PostMortem, when: Clock, parts=("overdue",), config=CONFIG):
    return plan_followthrough(state, ME, config, Renderer(), when, parts)


def reminder(slot: int) -> CommentState:
    body = markers.format_marker("overdue", pm=1, issue=2, slot=slot)
    return CommentState(99, 2, body, ME)


def test_not_overdue_on_the_due_date() -> None:
    assert plan(pm([action()]), clock("2026-11-25")).operations == []


def test_first_reminder_and_label_the_day_after() -> None:
    ops = plan(pm([action()]), clock("2026-11-26")).operations
    assert [type(op) for op in ops] == [AddLabel, CreateComment]
    assert "slot=0" in ops[1].body and "@alice" in ops[1].body and "@carol" not in ops[1].body


def test_reminder_slots_repeat_weekly_and_escalate() -> None:
    labelled = action(labels=("overdue",))
    assert plan(pm([labelled], [reminder(0)]), clock("2026-12-02")).operations == []
    (second,) = plan(pm([labelled], [reminder(0)]), clock("2026-12-03")).operations
    assert "slot=1" in second.body and "@carol" not in second.body
    (third,) = plan(pm([labelled], [reminder(1)]), clock("2026-12-10")).operations
    assert "slot=2" in third.body and "@carol" in third.body


def test_a_forged_reminder_from_a_person_does_not_count() -> None:
    forged = CommentState(98, 2, markers.format_marker("overdue", pm=1, issue=2, slot=5), "mallory")
    ops = plan(pm([action(labels=("overdue",))], [forged]), clock("2026-11-26")).operations
    assert [type(op) for op in ops] == [CreateComment]


def test_weekend_waits_but_labels_do_not() -> None:
    ops = plan(pm([action()]), clock("2026-11-28")).operations  # a Saturday
    assert [type(op) for op in ops] == [AddLabel]


def test_label_comes_off_when_closed_or_moved() -> None:
    closed = action("closed", labels=("overdue",), state_reason="completed")
    assert [type(op) for op in plan(pm([closed]), clock("2026-11-30")).operations] == [RemoveLabel]
    moved = action(due="2026-12-20", labels=("overdue",))
    assert [type(op) for op in plan(pm([moved]), clock("2026-11-30")).operations] == [RemoveLabel]


def test_status_from_the_weekday_once_per_iso_week() -> None:
    config = from_mapping({"status": {"weekday": "Wed"}})
    state = pm([action(due="2026-12-20")])
    assert plan(state, clock("2026-11-24", config=config), ("status",), config).operations == []
    (status,) = plan(state, clock("2026-11-25", config=config), ("status",), config).operations
    assert "week=2026-W48" in status.body
    posted = CommentState(
        5, 1, status.body, ME, created_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    )
    again = pm([action(due="2026-12-20")], [posted])
    assert plan(again, clock("2026-11-29", config=config), ("status",), config).operations == []


def test_time_zone_decides_the_day() -> None:
    config = from_mapping({"timezone": "Pacific/Auckland"})
    # Tuesday 25 November 13:00 UTC is already Wednesday 26 November in Auckland.
    ops = plan(
        pm([action()]),
        Clock(dt.datetime(2026, 11, 25, 13, tzinfo=dt.UTC), config.zone),
        config=config,
    ).operations
    assert any(isinstance(op, CreateComment) for op in ops)


def test_completion_waits_for_lines_that_could_not_be_tracked() -> None:
    body = BODY + "\n### Actions too\n"
    done = action("closed", state_reason="completed")
    broken = (
        "### Actions\n\n- [x] #2 Add alerting @alice due:2026-11-25\n- [ ] Vague @bob by Friday\n"
    )
    assert plan(pm([done], body=broken), clock("2026-11-30"), ("followup",)).operations == []
    result = plan(pm([done], body=body), clock("2026-11-30"), ("followup",))
    assert result.needs == {"comments"}


def test_impact_ticks_read_only_pmflows_comments() -> None:
    mine = CommentState(
        1, 1, "<!-- pmflow:completion pm=1 -->\n- [x] #2 had the intended effect\n- [ ] #3 had", ME
    )
    forged = CommentState(
        2, 1, "<!-- pmflow:completion pm=1 -->\n- [x] #3 had the intended effect", "mallory"
    )
    assert impact_ticks([mine, forged], ME) == {2: True, 3: False}


def test_recent_window_covers_the_week_and_one_reminder_period() -> None:
    start = recent_window_start(CONFIG, clock("2026-11-26"))  # a Thursday
    assert start == dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
    start = recent_window_start(from_mapping({"overdue": {"repeat_days": 2}}), clock("2026-11-26"))
    assert start == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
