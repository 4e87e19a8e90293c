"""The similar-post-mortems comment: planned once, for a new post-mortem, with nothing read."""

from __future__ import annotations

import dataclasses
import datetime as dt

from pmflow import markers
from pmflow.config import from_mapping
from pmflow.model import CommentState, IssueState
from pmflow.ops import CreateComment
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem
from pmflow.render import Renderer
from pmflow.similar_plan import own_labels, plan_similar

BOT = "pmflow-bot"
CONFIG = from_mapping({})
SINCE = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)  # the recent-comments window starts here


def pm(
    number: int,
    causes: str,
    opened: str,
    labels: tuple[str, ...] = ("postmortem",),
    state: str = "open",
    title: str = "",
) -> PostMortem:
    body = f"### Root causes\n\n{causes}\n\n### Actions\n\n"
    issue = IssueState(
        number,
        number,
        title or f"Post-mortem {number}",
        body,
        state,
        "carol",
        labels=labels,
        created_at=dt.datetime.fromisoformat(opened).replace(tzinfo=dt.UTC),
    )
    return PostMortem(issue=issue, report=parse_postmortem(body))


POOL_OLD = pm(
    3,
    "The client's connection pool exceeded the database proxy's connection limit and the proxy "
    "refused new connections.",
    "2026-04-14T10:00",
    state="closed",
    title="Orders API 503s",
)
CERT_OLD = pm(7, "The TLS certificate expired: renewal was manual, no alert.", "2026-06-01T10:00")
NEW = pm(
    20,
    "After scaling out, the connection pools added up past the proxy's connection limit, so the "
    "proxy refused connections.",
    "2026-11-24T09:00",
)


def plan(new: PostMortem, past: list[PostMortem], **settings: object) -> list:
    config = from_mapping({"similar": settings}) if settings else CONFIG
    return plan_similar(new, past, BOT, Renderer(), config=config, since=SINCE)


def test_a_new_post_mortem_gets_one_comment_linking_the_similar_past_one() -> None:
    (op,) = plan(NEW, [POOL_OLD, CERT_OLD, NEW])
    assert isinstance(op, CreateComment)
    assert op.issue == 20 and op.purpose == "similar"
    assert op.body.startswith("<!-- pmflow:similar pm=20 -->\n")
    (line,) = [x for x in op.body.splitlines() if x.startswith("- #")]
    assert (
        line == "- #3 Orders API 503s (closed): shares `connection limit`, `proxy refused`, `pools`"
    )
    assert "#7" not in op.body


def test_nothing_similar_enough_plans_nothing() -> None:
    assert plan(pm(21, "A vendor delivered late.", "2026-11-24T09:00"), [POOL_OLD, CERT_OLD]) == []
    assert plan(NEW, []) == []


def test_posted_once_found_in_the_recent_comments_with_no_read() -> None:
    (op,) = plan(NEW, [POOL_OLD])
    posted = CommentState(99, 20, op.body, BOT)
    assert plan(dataclasses.replace(NEW, recent_comments=(posted,)), [POOL_OLD]) == []
    assert plan(dataclasses.replace(NEW, comments=(posted,)), [POOL_OLD]) == []


def test_a_copied_marker_by_someone_else_does_not_count() -> None:
    copied = CommentState(98, 20, markers.format_marker("similar", pm=20), "mallory")
    assert len(plan(dataclasses.replace(NEW, recent_comments=(copied,)), [POOL_OLD])) == 1


def test_only_new_open_post_mortems_are_linked() -> None:
    old = dataclasses.replace(
        NEW, issue=dataclasses.replace(NEW.issue, created_at=SINCE - dt.timedelta(minutes=1))
    )
    assert plan(old, [POOL_OLD]) == []  # opened before the window: not new
    closed = dataclasses.replace(NEW, issue=dataclasses.replace(NEW.issue, state="closed"))
    assert plan(closed, [POOL_OLD]) == []
    assert plan(NEW, [POOL_OLD], enabled=False) == []


def test_only_post_mortems_opened_before_it_are_its_past() -> None:
    later = pm(25, POOL_OLD.report.sections[0].content or "", "2026-11-25T09:00")
    assert plan(NEW, [later]) == []
    assert len(plan(later, [NEW])) == 1


def test_pmflow_s_own_labels_make_nothing_similar() -> None:
    labels = ("postmortem", "actions-complete", "impact-verified", "followup-checked")
    a = pm(30, "A vendor delivered late.", "2026-11-24T09:00", labels=labels)
    b = pm(4, "The disk filled with logs.", "2026-05-01T09:00", labels=labels)
    assert plan(a, [b]) == []
    assert "postmortem" in own_labels(CONFIG) and "postmortem-register" in own_labels(CONFIG)


def test_the_limit_and_threshold_come_from_the_config() -> None:
    past = [
        pm(n, POOL_OLD.report.sections[0].content or "", f"2026-0{n}-01T09:00")
        for n in (1, 2, 3, 4)
    ]
    (op,) = plan(NEW, past, limit=2)
    assert op.body.count("\n- #") == 2
    assert plan(NEW, past, threshold=0.99) == []


def test_the_default_threshold_is_the_measured_one() -> None:
    from pmflow.similar import DEFAULT_LIMIT, DEFAULT_THRESHOLD

    assert CONFIG.section("similar")["threshold"] == DEFAULT_THRESHOLD
    assert CONFIG.section("similar")["limit"] == DEFAULT_LIMIT
