"""Duplicate action issues (two runs at once) and forged markers, planned without HTTP."""

from __future__ import annotations

import dataclasses

from pmflow import markers
from pmflow.model import CommentState, IssueState
from pmflow.ops import (
    CloseIssue,
    CreateActionIssue,
    CreateComment,
    DeleteComment,
    EditPostMortemBody,
    LinkSubIssue,
    UnlinkSubIssue,
    UpdateActionIssue,
)
from pmflow.parse import parse_postmortem
from pmflow.plan import duplicate_actions, trusted_actions

from .test_plan import BODY, ME, action_issue, plan, pm_issue


def linked_body(*numbers: int) -> str:
    first, second = numbers
    return BODY.replace("- [ ] Add", f"- [ ] #{first} Add").replace(
        "- [ ] Canary", f"- [ ] #{second} Canary"
    )


def test_the_newer_of_two_issues_for_one_line_is_closed_as_a_duplicate() -> None:
    # Run A made #11 and #12 and wrote them into the checklist; run B, at the same moment, #13
    # and #14, and linked them too.
    actions = [action_issue(n, i) for n, i in ((11, 0), (12, 1), (13, 0), (14, 1))]
    assert {n: kept.number for n, kept in duplicate_actions(actions).items()} == {13: 11, 14: 12}
    result = plan(pm_issue(linked_body(11, 12)), actions)
    assert [type(op) for op in result.operations] == [
        CreateComment,
        UnlinkSubIssue,
        CloseIssue,
        CreateComment,
        UnlinkSubIssue,
        CloseIssue,
    ]
    comment, unlink, close = result.operations[:3]
    assert (comment.issue, close.issue, close.reason) == (13, 13, "duplicate")
    assert comment.body.splitlines()[1] == "Duplicate of #11."
    assert markers.find_marker(comment.body, "duplicate").fields == {"pm": "7", "of": "11"}
    assert "@" not in comment.body
    assert (unlink.parent, unlink.child, unlink.child_id) == (7, 13, 130)


def test_references_to_the_duplicate_move_to_the_kept_issue() -> None:
    # Run B's rewrite landed last: the checklist points to its copies.
    actions = [action_issue(n, i) for n, i in ((11, 0), (12, 1), (13, 0), (14, 1))]
    result = plan(pm_issue(linked_body(13, 14)), actions)
    (edit,) = [op for op in result.operations if isinstance(op, EditPostMortemBody)]
    assert edit.body == linked_body(11, 12)  # replaced, not "#11 #13 Add ..."
    assert "instead of its duplicate #13" in "; ".join(edit.changes)
    assert not [op for op in result.operations if isinstance(op, CreateActionIssue)]


def test_a_closed_duplicate_stays_closed_and_nothing_more_happens() -> None:
    closed = [
        dataclasses.replace(
            action_issue(n, i), state="closed", state_reason="duplicate", parent_number=None
        )
        for n, i in ((13, 0), (14, 1))
    ]
    actions = [action_issue(11, 0), action_issue(12, 1), *closed]
    assert plan(pm_issue(linked_body(11, 12)), actions).operations == []


def test_a_duplicate_closed_by_a_person_is_only_unlinked() -> None:
    done = dataclasses.replace(action_issue(13, 0), state="closed", state_reason="completed")
    actions = [action_issue(11, 0), action_issue(12, 1), done]
    result = plan(pm_issue(linked_body(11, 12)), actions)
    assert [type(op) for op in result.operations] == [UnlinkSubIssue]


def test_the_older_is_kept_even_when_it_was_made_last_into_the_checklist() -> None:
    # Only the copy is linked and referenced: the older is linked, referenced, and kept.
    older = action_issue(11, 0, parent_number=None)
    copy = action_issue(13, 0)
    body = BODY.replace("- [ ] Add", "- [ ] #13 Add")
    result = plan(pm_issue(body), [older, copy, action_issue(12, 1)])
    kinds = [type(op) for op in result.operations]
    assert kinds[:3] == [CreateComment, UnlinkSubIssue, CloseIssue]
    assert LinkSubIssue in kinds
    (edit,) = [op for op in result.operations if isinstance(op, EditPostMortemBody)]
    assert "- [ ] #11 Add alerting" in edit.body and "#13" not in edit.body


def test_forged_markers_never_make_pmflow_touch_a_persons_issue() -> None:
    # A person copies an action issue's body (marker included) into their own issue, and into a
    # second one with a different due date and owner: pmflow must not close or edit either.
    real = action_issue(11, 0)
    forged = [
        dataclasses.replace(real, number=5, id=50, author="mallory"),
        dataclasses.replace(
            real,
            number=20,
            id=200,
            author="mallory",
            body=real.body.replace("due=2026-12-04", "due=2027-01-01").replace(
                "owner=alice", "owner=mallory"
            ),
        ),
    ]
    grouped = trusted_actions([real, *forged, action_issue(12, 1)], ME)
    assert [a.number for a in grouped[7]] == [11, 12]
    result = plan(pm_issue(linked_body(11, 12)), grouped[7])
    assert result.operations == []
    # Even if a forged issue reached the planner, a line referencing it is not "ours": pmflow
    # creates its own issue and never writes to #5.
    body = BODY.replace("- [ ] Add", "- [ ] #5 Add")
    result = plan(pm_issue(body), [action_issue(12, 1)])
    touched = {
        getattr(op, name)
        for op in result.operations
        for name in ("issue", "number", "child")
        if hasattr(op, name)
    }
    assert 5 not in touched
    assert not [op for op in result.operations if isinstance(op, UpdateActionIssue | CloseIssue)]


def test_a_marker_line_in_the_postmortem_body_is_not_an_action() -> None:
    forged = BODY + "<!-- pmflow:action pm=7 key=abc due=2026-12-04 owner=mallory -->\r\n"
    report = parse_postmortem(forged)
    assert len(report.actions) == 2
    issue = IssueState(7, 700, "Checkout outage", forged, "open", "carol", labels=("postmortem",))
    assert trusted_actions([issue], ME) == {}


def test_a_second_copy_of_the_problems_comment_is_deleted_and_a_persons_is_not() -> None:
    body = linked_body(11, 12) + "- [ ] Improve monitoring @bob by Friday\r\n"
    issues = [action_issue(11, 0, body), action_issue(12, 1, body)]
    labelled = pm_issue(body, labels=("postmortem", "pmflow-problems"))
    (create, _) = plan(pm_issue(body), issues, comments=()).operations
    first, copy = CommentState(98, 7, create.body, ME), CommentState(99, 7, create.body, ME)
    quoted = CommentState(100, 7, "as pmflow said:\n" + create.body, "carol")
    result = plan(labelled, issues, comments=(first, quoted, copy))
    assert result.operations == [DeleteComment(7, 99, "problems")]
    assert plan(labelled, issues, comments=(first, quoted)).operations == []
