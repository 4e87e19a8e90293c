"""The adapter's GraphQL createIssue and its REST fallback against `responses`: which answers end
GraphQL for the run, which are definitive refusals, and which are ambiguous."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import responses

from pmflow.github import GitHubError, GitHubRepo, RateLimited, issue_from_json

from .test_github_adapter import API, REPO, issue_json, url

GRAPHQL = re.compile(r"https://ghe\.example\.com(:443)?/api/graphql$")
PARENT = issue_from_json(issue_json(7, node_id="I_parent"))
UNKNOWN_ARGUMENT = {  # GitHub's answer where CreateIssueInput lacks parentIssueId: no `data`
    "errors": [
        {
            "path": ["mutation CreateActionIssue", "createIssue", "input", "parentIssueId"],
            "extensions": {"code": "argumentNotAccepted", "name": "CreateIssueInput"},
            "message": "InputObject 'CreateIssueInput' doesn't accept argument 'parentIssueId'",
        }
    ]
}


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            url(f"/repos/{REPO}"),
            json={"id": 9, "node_id": "R_repo", "full_name": REPO, "url": f"{API}/repos/{REPO}"},
        )
        rsps.post(url(f"/repos/{REPO}/issues"), status=201, json=issue_json(41))
        yield rsps


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch) -> GitHubRepo:
    monkeypatch.delenv("PMFLOW_GRAPHQL", raising=False)
    github = GitHubRepo(REPO, "t0ken", API, retries=2, sleep=lambda seconds: None)
    github._note_node("user", "alice", "U_alice")
    github._note_node("label", "postmortem-action", "LA_action")
    return github


def create(repo: GitHubRepo, title: str = "Add alerting", find_existing: Any = None) -> Any:
    return repo.create_issue(
        title,
        "<!-- pmflow:action pm=7 key=abc -->",
        assignees=["alice"],
        labels=["postmortem-action"],
        parent=PARENT,
        find_existing=find_existing or (lambda: None),
    )


def posts(mocked: responses.RequestsMock, pattern: re.Pattern[str]) -> int:
    return sum(
        1 for c in mocked.calls if c.request.method == "POST" and pattern.match(c.request.url)
    )


ISSUES = url(f"/repos/{REPO}/issues")


def created_answer(number: int) -> dict[str, Any]:
    issue = {
        "id": f"I_{number}",
        "databaseId": 1000 + number,
        "number": number,
        "title": "Add alerting",
        "body": "<!-- pmflow:action pm=7 key=abc -->",
        "state": "OPEN",
        "author": {"__typename": "User", "login": "pmflow-bot"},
        "assignees": {"nodes": [{"login": "alice"}]},
        "labels": {"nodes": [{"name": "postmortem-action"}]},
        "milestone": None,
        "parent": {"number": 7},
    }
    return {"data": {"createIssue": {"issue": issue}}}


def test_graphql_is_tried_by_default_on_any_server(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=created_answer(41))
    made = create(repo)
    assert made.number == 41 and made.parent_number == 7
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 0
    sent = json.loads(mocked.calls[-1].request.body)
    assert sent["variables"]["input"]["parentIssueId"] == "I_parent"
    assert sent["variables"]["input"]["repositoryId"] == "R_repo"


def test_pmflow_graphql_0_never_tries_it(mocked, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMFLOW_GRAPHQL", "0")
    repo = GitHubRepo(REPO, "t0ken", API, retries=2)
    assert create(repo).number == 41
    assert posts(mocked, GRAPHQL) == 0 and posts(mocked, ISSUES) == 1


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/graphql"}),
        (405, {"message": "Method Not Allowed"}),
        (501, {"message": "Not Implemented"}),
        (200, UNKNOWN_ARGUMENT),
        (400, UNKNOWN_ARGUMENT),
        (200, {"errors": [{"message": "Something this server says"}]}),  # errors, no data
        (200, {"data": None, "errors": [{"message": 'Parse error on "mutation"'}]}),
        (
            200,
            {
                "data": {"createIssue": None},
                "errors": [{"message": "Cannot query field 'parent' on type 'Issue'."}],
            },
        ),
    ],
    ids=[
        "404",
        "405",
        "501",
        "200-unknown-argument",
        "400-unknown-argument",
        "errors-no-data",
        "data-null",
        "unknown-field-with-data",
    ],
)
def test_a_server_that_cannot_costs_one_request_then_rest(mocked, repo, status, answer) -> None:
    mocked.post(GRAPHQL, status=status, json=answer)
    asked = []
    assert create(repo, find_existing=lambda: asked.append(True)).number == 41
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 1
    assert asked == []  # a refusal, not an ambiguity: nothing to look for
    assert repo._graphql is False
    assert create(repo, "Second action").number == 41
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 2  # not tried again


@pytest.mark.parametrize(
    "body",
    ["<!DOCTYPE html><html><body>Welcome</body></html>", "", "{not json", "OK"],
    ids=["html-page", "empty", "broken-json", "text"],
)
def test_an_answer_that_is_not_json_ends_graphql_for_the_run(mocked, repo, body) -> None:
    mocked.post(GRAPHQL, status=200, body=body, content_type="text/html")
    assert create(repo).number == 41
    assert create(repo, "Second action").number == 41
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 2


def test_an_issue_specific_refusal_after_graphql_worked_keeps_it(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=created_answer(40))
    refused = {
        "data": {"createIssue": None},
        "errors": [
            {
                "type": "UNPROCESSABLE",
                "path": ["createIssue"],
                "message": "Parent cannot have more than 100 sub-issues",
            }
        ],
    }
    mocked.post(GRAPHQL, json=refused)
    mocked.post(GRAPHQL, json=created_answer(42))
    assert create(repo).number == 40
    assert create(repo, "Second action").number == 41  # by REST; the caller links it
    assert repo._graphql is True
    assert create(repo, "Third action").number == 42
    assert posts(mocked, GRAPHQL) == 3 and posts(mocked, ISSUES) == 1


def test_a_first_refusal_ends_graphql_for_the_run(mocked, repo) -> None:
    refused = {
        "data": {"createIssue": None},
        "errors": [{"type": "FORBIDDEN", "message": "Resource not accessible by integration"}],
    }
    mocked.post(GRAPHQL, json=refused)
    assert create(repo).number == 41
    assert create(repo, "Second action").number == 41
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 2


def test_an_answer_without_issue_or_error_is_looked_for_before_rest(mocked, repo) -> None:
    mocked.post(GRAPHQL, json={"data": {"createIssue": {"issue": None}}})
    found = issue_from_json(issue_json(40))
    assert create(repo, find_existing=lambda: found) is found
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 0
    assert repo._graphql is False


def test_an_ambiguous_failure_is_looked_for_not_refused(mocked, repo) -> None:
    mocked.post(GRAPHQL, status=502, json={"message": "Server Error"})
    found = issue_from_json(issue_json(40, parent_issue_url=f"{API}/repos/{REPO}/issues/7"))
    asked = []

    def find_existing():
        asked.append(True)
        return found

    assert create(repo, find_existing=find_existing) is found
    assert asked == [True]
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 0


def test_a_first_ambiguous_failure_that_made_nothing_goes_to_rest(mocked, repo) -> None:
    """Until GraphQL has worked in the run, a 5xx is looked for once, then REST creates it: a
    server whose GraphQL fails costs one request, and nothing is made twice."""
    mocked.post(GRAPHQL, status=500, json={"message": "Server Error"})
    looked = []
    assert create(repo, find_existing=lambda: looked.append(True)).number == 41
    assert looked == [True]  # looked for before REST sends it
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 1
    assert repo._graphql is False
    assert create(repo, "Second action").number == 41
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 2


def test_a_lost_answer_after_graphql_worked_is_sent_again_by_graphql(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=created_answer(40))
    mocked.post(GRAPHQL, status=502, json={"message": "Server Error"})
    mocked.post(GRAPHQL, json=created_answer(42))
    looked = []
    assert create(repo).number == 40
    assert create(repo, "Second action", find_existing=lambda: looked.append(True)).number == 42
    assert looked == [True]
    assert posts(mocked, GRAPHQL) == 3 and posts(mocked, ISSUES) == 0


def test_graphqls_rate_limit_defers_the_run(mocked, repo) -> None:
    limited = {
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
    }
    reset = str(int(time.time()) + 3600)  # an hour away: longer than max_wait_seconds
    mocked.post(
        GRAPHQL,
        json=limited,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )
    with pytest.raises(RateLimited):
        create(repo)
    assert posts(mocked, GRAPHQL) == 1 and posts(mocked, ISSUES) == 0
    assert repo._graphql is None  # not a refusal: the next run tries again


def test_a_secondary_rate_limit_is_waited_out_and_sent_again(mocked, repo) -> None:
    waits: list[float] = []
    repo._sleep_with = waits.append
    mocked.post(
        GRAPHQL,
        status=403,
        json={"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
        headers={"retry-after": "3"},
    )
    mocked.post(GRAPHQL, json=created_answer(42))
    assert create(repo).number == 42
    assert waits == [3.0]
    assert posts(mocked, GRAPHQL) == 2 and posts(mocked, ISSUES) == 0


def test_persistent_server_errors_after_graphql_worked_end_in_an_error(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=created_answer(40))
    mocked.post(GRAPHQL, status=503, json={"message": "Service Unavailable"})
    assert create(repo).number == 40
    looked = []
    with pytest.raises(GitHubError, match="503"):
        create(repo, "Second action", find_existing=lambda: looked.append(True))
    assert posts(mocked, GRAPHQL) == 1 + 3 and len(looked) == 3  # looked for before each resend
    assert posts(mocked, ISSUES) == 0


def nodes_answer(*numbers: int) -> dict[str, Any]:
    return {
        "data": {
            "nodes": [
                {"number": n, "comments": {"totalCount": 0, "nodes": []}} if n else None
                for n in numbers
            ]
        }
    }


def pms(*numbers: int) -> list[Any]:
    return [issue_from_json(issue_json(n, node_id=f"I_{n}")) for n in numbers]


UNKNOWN_NODES = {"errors": [{"message": "Field 'nodes' doesn't exist on type 'Query'"}]}


@pytest.mark.parametrize(
    ("status", "answer", "creates"),
    [
        (404, {"message": "Not Found"}, False),  # no GraphQL here: creates are not tried either
        (200, UNKNOWN_NODES, None),  # only this query is unknown: createIssue may still work
        (502, {"message": "Server Error"}, None),
    ],
    ids=["404", "unknown-field", "502"],
)
def test_comments_read_falls_back_once(mocked, repo, status, answer, creates) -> None:
    mocked.post(GRAPHQL, status=status, json=answer)
    assert repo.comments_of_issues(pms(1, 2)) == {}
    assert repo.comments_of_issues(pms(3, 4)) == {}
    assert posts(mocked, GRAPHQL) == 1
    assert repo._graphql_comments is False
    assert repo._graphql is creates


def test_a_schema_without_the_comments_query_still_creates_linked(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=UNKNOWN_NODES)
    mocked.post(GRAPHQL, json=created_answer(41))
    assert repo.comments_of_issues(pms(1, 2)) == {}
    assert create(repo).parent_number == 7
    assert posts(mocked, GRAPHQL) == 2 and posts(mocked, ISSUES) == 0


def test_a_schema_without_parent_issue_id_still_reads_comments(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=UNKNOWN_ARGUMENT)
    mocked.post(GRAPHQL, json=nodes_answer(1, 2))
    assert create(repo).number == 41  # by REST
    assert repo.comments_of_issues(pms(1, 2)) == {1: [], 2: []}
    assert posts(mocked, GRAPHQL) == 2 and posts(mocked, ISSUES) == 1
    assert create(repo, "Second action").number == 41
    assert posts(mocked, GRAPHQL) == 2  # createIssue is not tried again in this run


def test_comments_of_the_issues_it_could_resolve_are_used(mocked, repo) -> None:
    partial = nodes_answer(1, 0)
    partial["errors"] = [
        {"type": "NOT_FOUND", "path": ["nodes", 1], "message": "Could not resolve to a node"}
    ]
    mocked.post(GRAPHQL, json=partial)
    assert repo.comments_of_issues(pms(1, 2)) == {1: []}
    assert repo._graphql is None  # GraphQL works here; only that issue was not found


def test_a_failed_comments_read_after_graphql_worked_keeps_it_for_creates(mocked, repo) -> None:
    mocked.post(GRAPHQL, json=created_answer(40))
    mocked.post(GRAPHQL, status=502, json={"message": "Server Error"})
    mocked.post(GRAPHQL, json=created_answer(42))
    assert create(repo).number == 40
    assert repo.comments_of_issues(pms(1, 2)) == {}  # REST reads them
    assert create(repo, "Second action").number == 42
    assert posts(mocked, GRAPHQL) == 3 and posts(mocked, ISSUES) == 0
