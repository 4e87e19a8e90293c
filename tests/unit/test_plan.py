"""The planner, tested as a function of data: lists of operations, no HTTP, no mocks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pmflow import markers
from pmflow.config import from_mapping
from pmflow.model import CommentState, IssueState, MilestoneState
from pmflow.ops import (
    AddLabel,
    CreateActionIssue,
    CreateComment,
    CreateLabel,
    CreateMilestone,
    EditComment,
    EditPostMortemBody,
    LinkSubIssue,
    RemoveLabel,
    UpdateActionIssue,
    UpdateMilestone,
)
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem, RepoFacts, plan_postmortem, trusted_actions
from pmflow.render import Renderer

ME = "pmflow-bot"
CONFIG = from_mapping({})
RENDERER = Renderer()
BODY = (
    "### Summary\r\n\r\nCheckout timed out.\r\n\r\n### Actions\r\n\r\n"
    "- [ ] Add alerting @alice due:2026-12-04\r\n"
    "- [ ] Canary config changes @bob due:2026-12-18\r\n"
)


def pm_issue(body: str = BODY, **changes: object) -> IssueState:
    issue = IssueState(7, 700, "Checkout outage", body, "open", "carol", labels=("postmortem",))
    return dataclasses.replace(issue, **changes)  # type: ignore[arg-type]


def facts(**changes: object) -> RepoFacts:
    base = RepoFacts(
        me=ME,
        labels=frozenset({"postmortem"}),
        milestones=(),
        assignable={"alice": True, "bob": True, "carol": True},
        sub_issues_supported=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def plan(
    issue: IssueState, actions=(), comments=None, repo_facts: RepoFacts | None = None, config=CONFIG
):
    pm = PostMortem(issue, parse_postmortem(issue.body), tuple(actions), comments)
    return plan_postmortem(pm, repo_facts or facts(), config, RENDERER)


def action_issue(number: int, key_of_line: int, body: str = BODY, **changes: object) -> IssueState:
    """The action issue pmflow would have created for the given action line."""
    line = parse_postmortem(body).actions[key_of_line]
    created = next(
        op
        for op in plan(pm_issue(body)).operations
        if isinstance(op, CreateActionIssue) and op.key == line.key
    )
    milestone = MilestoneState(3, "Post-mortem #7: Checkout outage", "open", dt.date(2026, 12, 18))
    issue = IssueState(
        number,
        number * 10,
        created.title,
        created.body,
        "open",
        ME,
        labels=created.labels,
        assignees=created.assignees,
        milestone=milestone,
        parent_number=7,
    )
    return dataclasses.replace(issue, **changes)  # type: ignore[arg-type]


def test_first_sync_creates_label_milestone_and_issues() -> None:
    result = plan(pm_issue())
    kinds = [type(op) for op in result.operations]
    assert kinds == [CreateMilestone, CreateLabel, CreateActionIssue, CreateActionIssue]
    milestone = result.operations[0]
    assert milestone.title == "Post-mortem #7: Checkout outage"
    assert milestone.due_on == dt.date(2026, 12, 18)
    first = result.operations[2]
    assert (first.title, first.assignees, first.labels) == (
        "Add alerting",
        ("alice",),
        ("postmortem-action",),
    )
    marker = markers.find_marker(first.body, "action")
    assert marker is not None and marker.fields == {
        "pm": "7",
        "key": first.key,
        "due": "2026-12-04",
        "owner": "alice",
    }
    assert "#7" in first.body and "@alice" in first.body
    assert result.problems == []


def test_needs_are_asked_before_deciding() -> None:
    result = plan(pm_issue(), repo_facts=facts(labels=None, milestones=None, assignable={}))
    assert result.operations == []
    assert result.needs == {"labels", "milestones", "owner:alice", "owner:bob"}


def test_second_round_links_and_rewrites_then_nothing() -> None:
    created = [action_issue(11, 0, parent_number=None), action_issue(12, 1, parent_number=None)]
    result = plan(pm_issue(), created)
    assert [type(op) for op in result.operations] == [
        LinkSubIssue,
        LinkSubIssue,
        EditPostMortemBody,
    ]
    edit = result.operations[-1]
    assert edit.body == BODY.replace("- [ ] Add", "- [ ] #11 Add").replace(
        "- [ ] Canary", "- [ ] #12 Canary"
    )
    linked = [dataclasses.replace(a, parent_number=7) for a in created]
    assert plan(pm_issue(edit.body), linked).operations == []


def test_interrupted_run_finds_issue_by_marker_instead_of_creating_again() -> None:
    only_first = [action_issue(11, 0, parent_number=None)]
    result = plan(pm_issue(), only_first)
    creates = [op for op in result.operations if isinstance(op, CreateActionIssue)]
    assert [op.title for op in creates] == ["Canary config changes"]
    (edit,) = [op for op in result.operations if isinstance(op, EditPostMortemBody)]
    assert edit.body == BODY.replace("- [ ] Add", "- [ ] #11 Add")


def test_box_follows_issue_state() -> None:
    body = BODY.replace("- [ ] Add", "- [ ] #11 Add").replace("- [ ] Canary", "- [x] #12 Canary")
    done = action_issue(11, 0, body, state="closed", state_reason="completed")
    reopened = action_issue(12, 1, body, state="open")
    result = plan(pm_issue(body), [done, reopened])
    (edit,) = result.operations
    assert isinstance(edit, EditPostMortemBody)
    assert edit.body == body.replace("- [ ] #11", "- [x] #11").replace("- [x] #12", "- [ ] #12")
    assert edit.changes == ("tick #11", "untick #12")


def test_not_planned_close_does_not_tick() -> None:
    body = BODY.replace("- [ ] Add", "- [ ] #11 Add").replace("- [ ] Canary", "- [ ] #12 Canary")
    dropped = action_issue(11, 0, body, state="closed", state_reason="not_planned")
    assert plan(pm_issue(body), [dropped, action_issue(12, 1, body)]).operations == []


def test_due_and_owner_edits_follow_to_the_issue() -> None:
    body = BODY.replace("- [ ] Add", "- [ ] #11 Add").replace("- [ ] Canary", "- [ ] #12 Canary")
    issues = [action_issue(11, 0, body), action_issue(12, 1, body)]
    edited = body.replace("@alice due:2026-12-04", "@carol due:2026-12-24")
    result = plan(pm_issue(edited), issues)
    update, milestone = (
        next(op for op in result.operations if isinstance(op, UpdateActionIssue)),
        next(op for op in result.operations if isinstance(op, UpdateMilestone)),
    )
    assert update.number == 11 and update.assignees == ("carol",)
    assert "due=2026-12-24" in update.body and "owner=carol" in update.body
    assert milestone.due_on == dt.date(2026, 12, 24)


def test_person_text_after_the_block_survives_a_due_change() -> None:
    body = BODY.replace("- [ ] Add", "- [ ] #11 Add")
    issue = action_issue(11, 0, body)
    issue = dataclasses.replace(
        issue, body=issue.body + "\nNotes from Alice: use the SLO dashboard.\n"
    )
    result = plan(pm_issue(body.replace("2026-12-04", "2026-12-06")), [issue, action_issue(12, 1)])
    update = next(op for op in result.operations if isinstance(op, UpdateActionIssue))
    assert update.body.endswith("\nNotes from Alice: use the SLO dashboard.\n")
    assert "due=2026-12-06" in update.body


def test_unassignable_owner_creates_unassigned_and_reports() -> None:
    result = plan(
        pm_issue(), comments=(), repo_facts=facts(assignable={"alice": True, "bob": False})
    )
    canary = next(
        op for op in result.operations if isinstance(op, CreateActionIssue) and "Canary" in op.title
    )
    assert canary.assignees == ()
    assert [p.code for p in result.problems] == ["unassignable-owner"]
    # The comment waits until the issues exist, so that it can name them.
    assert not any(isinstance(op, CreateComment) for op in result.operations)


def test_problems_comment_created_then_left_alone_then_resolved() -> None:
    body = BODY + "- [ ] Improve monitoring @bob by Friday\r\n"
    linked_body = body.replace("- [ ] Add", "- [ ] #11 Add").replace(
        "- [ ] Canary", "- [ ] #12 Canary"
    )
    issues = [action_issue(11, 0, linked_body), action_issue(12, 1, linked_body)]
    result = plan(pm_issue(linked_body), issues)
    assert result.needs == {"comments"}
    result = plan(pm_issue(linked_body), issues, comments=())
    comment, label = result.operations
    assert isinstance(comment, CreateComment) and isinstance(label, AddLabel)
    assert "`- [ ] Improve monitoring @bob by Friday`" in comment.body
    assert "Friday" in comment.body and "YYYY-MM-DD" in comment.body

    posted = CommentState(99, 7, comment.body, ME)
    labelled = pm_issue(linked_body, labels=("postmortem", "pmflow-problems"))
    assert plan(labelled, issues, comments=(posted,)).operations == []

    fixed_body = linked_body.replace("by Friday", "due:2026-12-10")
    fixed = plan(dataclasses.replace(labelled, body=fixed_body), issues, comments=(posted,))
    creates = [op for op in fixed.operations if isinstance(op, CreateActionIssue)]
    assert [op.title for op in creates] == ["Improve monitoring"]
    assert not any(isinstance(op, EditComment) for op in fixed.operations)
    third = action_issue(13, 2, fixed_body)
    final = plan(
        dataclasses.replace(
            labelled, body=fixed_body.replace("- [ ] Improve", "- [ ] #13 Improve")
        ),
        [*issues, third],
        comments=(posted,),
    )
    edit, unlabel = final.operations
    assert isinstance(edit, EditComment) and "All actions are tracked" in edit.body
    assert isinstance(unlabel, RemoveLabel)


def test_forged_marker_from_a_person_is_not_trusted() -> None:
    genuine = action_issue(11, 0)
    forged = dataclasses.replace(genuine, number=12, author="mallory")
    assert trusted_actions([genuine, forged], ME) == {7: [genuine]}


def test_mentions_in_action_text_do_not_ping_from_the_issue_body() -> None:
    body = "### Actions\n- [ ] @alice: pair with @bob and @acme/sre on the runbook due:2026-12-04\n"
    (create,) = [op for op in plan(pm_issue(body)).operations if isinstance(op, CreateActionIssue)]
    assert "`@bob`" in create.body and "`@acme/sre`" in create.body
    assert create.body.count("@alice") == 1 and "owner=alice" not in create.body.replace(
        "owner=alice", "", 1
    )


@pytest.mark.parametrize("strategy", ["none", "shared"])
def test_milestone_strategies(strategy: str) -> None:
    config = from_mapping({"milestones": {"strategy": strategy, "title": "Post-mortem actions"}})
    result = plan(pm_issue(), config=config)
    creates = [op for op in result.operations if isinstance(op, CreateActionIssue)]
    milestones = [op for op in result.operations if isinstance(op, CreateMilestone)]
    if strategy == "none":
        assert milestones == [] and {op.milestone_title for op in creates} == {None}
    else:
        assert [(m.title, m.due_on) for m in milestones] == [("Post-mortem actions", None)]
        assert {op.milestone_title for op in creates} == {"Post-mortem actions"}


def test_sub_issue_limit_and_unsupported_api() -> None:
    created = [action_issue(11, 0, parent_number=None), action_issue(12, 1, parent_number=None)]
    result = plan(pm_issue(), created, repo_facts=facts(sub_issues_supported=False))
    assert not any(isinstance(op, LinkSubIssue) for op in result.operations)
    others = [
        dataclasses.replace(action_issue(11, 0), number=100 + n, parent_number=7)
        for n in range(100)
    ]
    result = plan(pm_issue(), [*others[:0], *created], repo_facts=facts())
    assert sum(isinstance(op, LinkSubIssue) for op in result.operations) == 2
    full = plan(pm_issue(), [*created, *others[:99]])
    assert sum(isinstance(op, LinkSubIssue) for op in full.operations) == 1


def test_body_too_long_is_reported_not_truncated() -> None:
    body = BODY + "x" * (65_536 - len(BODY) - 2)
    created = [
        action_issue(11, 0, body, parent_number=7),
        action_issue(12, 1, body, parent_number=7),
    ]
    result = plan(pm_issue(body), created, comments=())
    assert not any(isinstance(op, EditPostMortemBody) for op in result.operations)
    assert "body-too-long" in [p.code for p in result.problems]


def test_parent_not_in_the_listing_is_asked_for_once() -> None:
    linked_body = BODY.replace("- [ ] Add", "- [ ] #11 Add").replace(
        "- [ ] Canary", "- [ ] #12 Canary"
    )
    silent = [
        action_issue(11, 0, linked_body, parent_number=None, parent_known=False),
        action_issue(12, 1, linked_body, parent_number=None, parent_known=False),
    ]
    assert plan(pm_issue(linked_body), silent).needs == {"children"}
    # The post-mortem's own summary says it has both as sub-issues: nothing to ask, nothing to do.
    counted = pm_issue(linked_body, sub_issue_total=2)
    assert plan(counted, silent).operations == []
