"""GraphQL answers turned into the REST shapes the adapter reads (pure functions)."""

from __future__ import annotations

from pmflow import graphql
from pmflow.github import comment_from_json, issue_from_json

API = "https://api.github.com"


def test_a_created_issue_reads_like_a_rest_issue() -> None:
    answer = {
        "id": "I_kwDOAAABc84",
        "databaseId": 1001,
        "number": 42,
        "title": "Add alerting",
        "body": "<!-- pmflow:action pm=7 key=abc -->",
        "url": "https://github.com/acme/web/issues/42",
        "state": "OPEN",
        "createdAt": "2026-12-07T09:00:00Z",
        "updatedAt": "2026-12-07T09:00:00Z",
        "closedAt": None,
        "author": {"__typename": "Bot", "login": "github-actions"},
        "assignees": {"nodes": [{"login": "alice"}]},
        "labels": {"nodes": [{"name": "postmortem-action"}]},
        "milestone": {
            "id": "MI_kwDO1",
            "number": 3,
            "title": "Post-mortem #7",
            "state": "OPEN",
            "dueOn": "2027-01-15T00:00:00Z",
            "description": None,
        },
        "parent": {"number": 7},
    }
    issue = issue_from_json(graphql.rest_shape(answer, API, "acme/web"))
    assert (issue.number, issue.id, issue.node_id, issue.state) == (
        42,
        1001,
        "I_kwDOAAABc84",
        "open",
    )
    assert issue.parent_number == 7 and issue.parent_known
    assert issue.assignees == ("alice",) and issue.labels == ("postmortem-action",)
    assert issue.milestone is not None and issue.milestone.number == 3
    assert issue.milestone.node_id == "MI_kwDO1" and str(issue.milestone.due_on) == "2027-01-15"
    assert issue.comments == 0
    assert issue.author == "github-actions[bot]"  # as REST names it, so markers are trusted


def test_an_issue_without_a_parent_says_so() -> None:
    answer = {"number": 5, "databaseId": 9, "state": "OPEN", "parent": None, "milestone": None}
    issue = issue_from_json(graphql.rest_shape(answer, API, "acme/web"))
    assert issue.parent_number is None and issue.parent_known


def test_comments_keep_rests_bot_logins() -> None:
    node = {
        "number": 7,
        "comments": {
            "totalCount": 2,
            "nodes": [
                {
                    "databaseId": 11,
                    "body": "<!-- pmflow:problems pm=7 -->",
                    "createdAt": "2026-12-07T09:00:00Z",
                    "updatedAt": "2026-12-07T09:00:00Z",
                    "author": {"__typename": "Bot", "login": "github-actions"},
                },
                {
                    "databaseId": 12,
                    "body": "thanks",
                    "createdAt": "2026-12-07T10:00:00Z",
                    "updatedAt": "2026-12-07T10:00:00Z",
                    "author": {"__typename": "User", "login": "alice"},
                },
            ],
        },
    }
    comments = [comment_from_json(c, 7) for c in graphql.comments_shape(node) or ()]
    assert [(c.id, c.author) for c in comments] == [(11, "github-actions[bot]"), (12, "alice")]


def test_comments_beyond_one_page_are_left_to_rest() -> None:
    node = {"number": 7, "comments": {"totalCount": 101, "nodes": [{"databaseId": 1}] * 100}}
    assert graphql.comments_shape(node) is None


def test_error_types_and_text() -> None:
    data = {"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a node"}]}
    assert graphql.error_types(data) == ["NOT_FOUND"]
    assert "Could not resolve" in graphql.error_text(data)
    assert graphql.error_types("nonsense") == []
