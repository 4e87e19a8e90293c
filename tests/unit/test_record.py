"""The record: register rows and metrics on a small fixture whose figures are worked out by hand,
its rendering (Markdown, HTML, JSON), and the register issue's plan."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from pmflow import markers
from pmflow.config import from_mapping
from pmflow.followthrough import Clock
from pmflow.model import IssueState
from pmflow.ops import CreateIssue, EditIssueBody
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem
from pmflow.record import build_record, percentile
from pmflow.record_issue import plan_register_issue, register_marker
from pmflow.record_render import (
    bar_chart,
    charts,
    nice_ceiling,
    render_html,
    render_json,
    render_markdown,
    week_labels,
)
from pmflow.render import GITHUB_TEXT_LIMIT, Renderer

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = from_mapping({})
BOT = "pmflow-bot"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def action(
    number: int,
    pm: int,
    due: str,
    owner: str,
    closed: str | None = None,
    reason: str = "completed",
) -> IssueState:
    marker = markers.format_marker("action", pm=pm, key=f"k{number}", due=due, owner=owner)
    return IssueState(
        number,
        number,
        f"Action {number}",
        f"{marker}\nDo it.",
        "closed" if closed else "open",
        BOT,
        assignees=(owner,),
        state_reason=reason if closed else None,
        created_at=at("2026-01-01T00:00"),
        closed_at=at(closed) if closed else None,
    )


def postmortem(
    number: int,
    kind: str,
    incident: str,
    meeting: str | None,
    opened: str,
    actions: tuple[IssueState, ...],
    labels: tuple[str, ...] = ("postmortem",),
    title: str = "",
) -> PostMortem:
    body = (
        f"### Incident type\n\n{kind}\n\n### Severity\n\nSEV2\n\n"
        f"### Incident date\n\n{incident}\n\n### Meeting date\n\n{meeting or '_No response_'}\n"
    )
    issue = IssueState(
        number,
        number,
        title or f"Post-mortem {number}",
        body,
        "open",
        "carol",
        labels=labels,
        html_url=f"https://github.com/acme/app/issues/{number}",
        created_at=at(opened),
    )
    return PostMortem(issue=issue, report=parse_postmortem(body), actions=actions)


def fixture() -> list[PostMortem]:
    """Worked out by hand (today is 2026-03-01):

    #1 operational, meeting 48 h after the incident:
       #2 due 01-20, done 01-19 (on time, 14.0 days after the opening on 01-05 10:00)
       #3 due 01-25, done 01-30 (late, 25.0 days)
       #4 due 02-01, closed as not planned (no verdict)
    #5 operational, meeting 168 h after:
       #6 due 02-20, open: overdue (bob)
       #7 due 03-10, open, not due yet (no verdict)
       #8 due 02-25, done 02-24 (on time, 21.0 days after 02-03 10:00)
    #9 project failure (not in the meeting figures), impact verified:
       #10 due 02-28, done 02-28 23:00 (on time, 12.58 days after 02-16 09:00)
    """
    return [
        postmortem(
            1,
            "Operational incident",
            "2026-01-05",
            "2026-01-07",
            "2026-01-05T10:00",
            (
                action(2, 1, "2026-01-20", "alice", "2026-01-19T10:00"),
                action(3, 1, "2026-01-25", "bob", "2026-01-30T10:00"),
                action(4, 1, "2026-02-01", "carol", "2026-01-28T10:00", "not_planned"),
            ),
        ),
        postmortem(
            5,
            "Operational incident",
            "2026-02-02",
            "2026-02-09",
            "2026-02-03T10:00",
            (
                action(6, 5, "2026-02-20", "bob"),
                action(7, 5, "2026-03-10", "alice"),
                action(8, 5, "2026-02-25", "alice", "2026-02-24T10:00"),
            ),
        ),
        postmortem(
            9,
            "Project or delivery failure",
            "2026-02-15",
            "2026-02-18",
            "2026-02-16T09:00",
            (action(10, 9, "2026-02-28", "carol", "2026-02-28T23:00"),),
            labels=("postmortem", "actions-complete", "impact-verified"),
        ),
    ]


def values(record: object) -> dict[str, object]:
    return {m.id: m.value for m in record.metrics}  # type: ignore[attr-defined]


def test_metrics_by_hand() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    assert values(record) == {
        "postmortems": 3,
        "actions": 7,
        "actions_done": 4,
        "on_time_share": 0.6,  # #2, #8, #10 of #2, #3, #6, #8, #10
        "days_to_close_median": 17.5,  # (14.0 + 21.0) / 2
        "days_to_close_p90": 23.8,  # 21 + 0.7 * (25 - 21)
        "open_overdue": 1,
        "meeting_hours_median": 108.0,  # (48 + 168) / 2
        "meeting_within_target_share": 0.5,
    }
    assert {m.id: m.basis for m in record.metrics}["on_time_share"] == 5
    assert record.overdue_by_owner == (("bob", 1),)
    assert record.postmortems_per_month == (("2026-01", 1), ("2026-02", 2), ("2026-03", 0))
    closed = {week: count for week, count in record.closed_per_week if count}
    assert closed == {"2026-W04": 1, "2026-W05": 1, "2026-W09": 2}
    assert record.closed_per_week[0][0] == "2026-W02"
    assert record.closed_per_week[-1][0] == "2026-W09"
    assert [(s.month, s.on_time, s.decided) for s in record.on_time_per_month] == [
        ("2026-01", 1, 2),
        ("2026-02", 2, 3),
    ]


def test_register_rows_newest_first_with_their_state() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    rows = [(r.number, r.actions, r.done, r.on_time, r.overdue, r.state) for r in record.rows]
    assert rows == [
        (9, 1, 1, 1, 0, "impact verified"),
        (5, 3, 1, 1, 1, "open"),
        (1, 3, 2, 1, 0, "actions complete"),  # all closed, one of them as not planned
    ]


def test_since_keeps_the_post_mortems_filed_from_that_day() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG, since=dt.date(2026, 2, 1))
    assert [r.number for r in record.rows] == [9, 5]
    assert values(record)["actions"] == 4
    assert values(record)["on_time_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert record.postmortems_per_month[0] == ("2026-02", 2)


def test_on_time_is_judged_in_the_team_time_zone() -> None:
    # Closed at 02:00 UTC on the day after its due date: 18:00 the day before in Los Angeles.
    pm = postmortem(
        1,
        "Operational incident",
        "2026-02-01",
        None,
        "2026-02-01T10:00",
        (action(2, 1, "2026-02-10", "alice", "2026-02-11T02:00"),),
    )
    utc = build_record([pm], Clock(NOW, ZoneInfo("UTC")), CONFIG)
    la = build_record([pm], Clock(NOW, ZoneInfo("America/Los_Angeles")), CONFIG)
    assert values(utc)["on_time_share"] == 0.0
    assert values(la)["on_time_share"] == 1.0


def test_nothing_to_count_gives_no_value_rather_than_zero() -> None:
    record = build_record([], Clock(NOW, ZoneInfo("UTC")), CONFIG)
    assert values(record)["on_time_share"] is None
    assert values(record)["days_to_close_median"] is None
    assert record.metric("on_time_share").display == "n/a"
    assert record.on_time_per_month == ()


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50], 0.9) == pytest.approx(46)


def test_nice_ceiling_and_count_ticks() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 45, 101)] == [1, 1, 5, 10, 20, 50, 200]
    chart = bar_chart("t", ["a", "b"], [1, 0], ["1", "0"])
    assert [text for _, text in chart.ticks] == ["0", "1"]  # no "0.5 actions"
    share = bar_chart("t", ["a"], [50], ["50%"], maximum=100)
    assert [text for _, text in share.ticks] == ["0%", "50%", "100%"]
    assert share.bars[0].height == pytest.approx((share.bottom - share.top) / 2)


def test_markdown_has_every_metric_with_its_definition_and_two_charts() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    text = render_markdown(record, Renderer(), "acme/app", "Post-mortem register")
    for metric in record.metrics:
        assert f"| {metric.name} | **{metric.display}** |" in text
        assert metric.definition in text
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    assert all(block.startswith("xychart-beta\n") for block in blocks)
    assert 'x-axis ["2026-01", "2026-02"]' in blocks[1]
    assert "bar [50, 66.7]" in blocks[1]
    assert "[#5](https://github.com/acme/app/issues/5)" in text
    assert "| `bob` | 1 |" in text


def test_titles_ping_nobody_and_cannot_break_the_table_or_the_page() -> None:
    pms = fixture()
    hostile = '<script>alert(1)</script> | @alice "x"'
    pms[0] = postmortem(
        1, "Operational incident", "2026-01-05", None, "2026-01-05T10:00", (), title=hostile
    )
    record = build_record(pms, Clock(NOW, ZoneInfo("UTC")), CONFIG)
    markdown = render_markdown(record, Renderer(), "acme/app", "Register")
    row = next(line for line in markdown.splitlines() if "[#1]" in line)
    assert "\\|" in row and "`@alice`" in row  # a code span pings nobody
    html = render_html(record, Renderer(), "acme/app", "Register")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_html_page_is_self_contained() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    html = render_html(record, Renderer(), "acme/app", "Post-mortem register")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 3 and html.count('class="bar"') > 0
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "url(" not in html and "@import" not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith("https://github.com/acme/app/issues/") for h in hrefs)


def test_json_carries_the_same_figures() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    data = json.loads(render_json(record, "acme/app", NOW, []))
    assert data["repository"] == "acme/app"
    assert {m["id"]: m["value"] for m in data["metrics"]} == values(record)
    assert all(m["definition"].endswith(".") for m in data["metrics"])
    assert data["open_overdue_by_owner"] == [{"owner": "bob", "overdue": 1}]
    assert data["operations"] == []
    assert len(data["actions"]) == 7


def test_charts_skip_the_on_time_chart_when_nothing_is_decided() -> None:
    record = build_record([], Clock(NOW, ZoneInfo("UTC")), CONFIG)
    drawn = charts(record)
    assert drawn.on_time is None and drawn.on_time_mermaid is None
    text = render_markdown(record, Renderer(), "acme/app", "Register")
    assert "No action is done or past its due date yet." in text


# --- the register issue ------------------------------------------------------------------------


def issue(number: int, body: str, author: str = BOT) -> IssueState:
    return IssueState(number, number, "Post-mortem register", body, "open", author)


def test_the_register_issue_is_created_when_there_is_none() -> None:
    body = f"{register_marker()}\nregister"
    (op,) = plan_register_issue([], BOT, "Post-mortem register", body, "postmortem-register")
    assert op == CreateIssue("register", "Post-mortem register", body, ("postmortem-register",))


def test_the_register_issue_is_edited_only_when_it_changed() -> None:
    body = f"{register_marker()}\nregister"
    existing = [issue(40, body)]
    assert plan_register_issue(existing, BOT, "t", body, "l") == []
    assert plan_register_issue([issue(40, body.replace("\n", "\r\n"))], BOT, "t", body, "l") == []
    (op,) = plan_register_issue(existing, BOT, "t", body + "\nmore", "l")
    assert op == EditIssueBody(40, "register", body + "\nmore")


def test_a_copied_marker_is_not_pmflow_s_register() -> None:
    body = f"{register_marker()}\nregister"
    (op,) = plan_register_issue([issue(3, body, author="mallory")], BOT, "t", body, "l")
    assert isinstance(op, CreateIssue)


def test_a_huge_register_is_cut_with_its_marker_kept() -> None:
    body = f"{register_marker()}\n" + "x" * (GITHUB_TEXT_LIMIT * 2)
    (op,) = plan_register_issue([], BOT, "t", body, "l")
    assert isinstance(op, CreateIssue)
    assert len(op.body) <= GITHUB_TEXT_LIMIT and op.body.startswith(register_marker())


def test_week_labels_stay_distinct_over_more_than_a_year() -> None:
    assert week_labels(["2025-W52", "2026-W01"]) == ["W52", "W01"]
    assert week_labels(["2025-W49", "2026-W49"]) == ["25-W49", "26-W49"]


def test_a_long_weekly_chart_is_drawn_wider_for_github() -> None:
    record = build_record(fixture(), Clock(NOW, ZoneInfo("UTC")), CONFIG)
    assert not charts(record).closed_per_week_mermaid.startswith("%%{init")  # 8 weeks fit
    later = Clock(dt.datetime(2027, 6, 1, tzinfo=UTC), ZoneInfo("UTC"))
    drawn = charts(build_record(fixture(), later, CONFIG))
    assert drawn.closed_per_week_mermaid.startswith('%%{init: {"xyChart": {"width": 1378')
    assert drawn.closed_per_week_mermaid.count('"W') == 53  # the last 53 weeks
    assert len(drawn.closed_per_week.bars) > 53  # the HTML page draws them all
