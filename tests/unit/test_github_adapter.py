"""The GitHub adapter against `responses`: the exact requests it sends and how it reads answers."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import responses

from pmflow.github import GitHubError, GitHubRepo, SubIssuesUnsupported, issue_from_json

API = "https://ghe.example.com/api/v3"
REPO = "acme/checkout"


def url(path: str) -> re.Pattern[str]:
    # PyGithub spells the default port out (https://host:443/...); accept both spellings.
    return re.compile(rf"https://ghe\.example\.com(:443)?/api/v3{re.escape(path)}(\?.*)?$")


def issue_json(number: int, body: str = "", **extra: Any) -> dict[str, Any]:
    base = f"{API}/repos/{REPO}/issues/{number}"
    data = {
        "id": 1000 + number,
        "node_id": f"I_{number}",
        "number": number,
        "title": f"Issue {number}",
        "body": body,
        "state": "open",
        "state_reason": None,
        "user": {"login": "pmflow-bot", "id": 1},
        "labels": [{"name": "postmortem-action"}],
        "assignees": [{"login": "alice", "id": 2}],
        "milestone": None,
        "url": base,
        "html_url": f"https://ghe.example.com/{REPO}/issues/{number}",
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-21T10:00:00Z",
        "closed_at": None,
    }
    data.update(extra)
    return data


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def repo() -> GitHubRepo:
    return GitHubRepo(REPO, "t0ken", API, retries=2)


def test_lists_issues_in_pages_of_100_without_completing_each(mocked, repo) -> None:
    next_page = f'<{API}/repositories/9/issues?labels=postmortem-action&state=all&per_page=100&page=2>; rel="next"'
    mocked.get(
        url(f"/repos/{REPO}/issues"),
        json=[issue_json(1), issue_json(2)],
        headers={"Link": next_page},
    )
    mocked.get(
        url("/repositories/9/issues"),
        json=[issue_json(3, parent_issue_url=f"{API}/repos/{REPO}/issues/7")],
    )
    issues = repo.list_issues(["postmortem-action"])
    assert [i.number for i in issues] == [1, 2, 3]
    assert issues[2].parent_number == 7
    assert issues[0].assignees == ("alice",) and issues[0].author == "pmflow-bot"
    assert len(mocked.calls) == 2  # two pages, no GET per issue
    first = mocked.calls[0].request
    assert "per_page=100" in first.url and "state=all" in first.url
    assert "labels=postmortem-action" in first.url


def test_bad_credentials_are_explained(mocked, repo) -> None:
    mocked.get(
        url(f"/repos/{REPO}/issues"),
        status=401,
        json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
    )
    with pytest.raises(GitHubError, match="GITHUB_TOKEN"):
        repo.list_issues(["postmortem"])


def test_missing_repository_is_explained(mocked, repo) -> None:
    mocked.get(url(f"/repos/{REPO}/issues/5"), status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError, match="acme/checkout exists"):
        repo.get_issue(5)


def test_validation_error_is_explained(mocked, repo) -> None:
    mocked.post(
        url(f"/repos/{REPO}/issues"),
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
        },
    )
    with pytest.raises(GitHubError, match=r"422.*title missing_field"):
        repo.create_issue("", "body")
    assert len(mocked.calls) == 1  # a refusal is not retried


def test_ambiguous_create_is_checked_before_it_is_sent_again(mocked, repo) -> None:
    mocked.post(url(f"/repos/{REPO}/issues"), status=502, json={"message": "Server Error"})
    made = issue_from_json(issue_json(41, body="<!-- pmflow:action pm=7 key=abc -->"))
    asked = []

    def find_existing():
        asked.append(True)
        return made

    assert repo.create_issue("Add alerting", "body", find_existing=find_existing) is made
    posts = [c for c in mocked.calls if c.request.method == "POST"]
    assert len(posts) == 1 and asked == [True]


def test_ambiguous_create_that_did_not_happen_is_sent_once_more(mocked, repo, monkeypatch) -> None:
    monkeypatch.setattr("pmflow.github.time.sleep", lambda seconds: None)
    mocked.post(url(f"/repos/{REPO}/issues"), status=502, json={"message": "Server Error"})
    mocked.post(url(f"/repos/{REPO}/issues"), status=201, json=issue_json(42))
    created = repo.create_issue(
        "Add alerting",
        "body",
        assignees=["alice"],
        labels=["postmortem-action"],
        find_existing=lambda: None,
    )
    assert created.number == 42
    posts = [c for c in mocked.calls if c.request.method == "POST"]
    assert len(posts) == 2
    assert json.loads(posts[1].request.body) == {
        "title": "Add alerting",
        "body": "body",
        "assignees": ["alice"],
        "labels": ["postmortem-action"],
    }


def test_server_errors_on_reads_are_retried(mocked, repo) -> None:
    mocked.get(url(f"/repos/{REPO}/issues/5"), status=502, json={"message": "Server Error"})
    mocked.get(url(f"/repos/{REPO}/issues/5"), json=issue_json(5))
    assert repo.get_issue(5).number == 5


def test_sub_issues_missing_on_old_enterprise(mocked, repo) -> None:
    mocked.post(
        url(f"/repos/{REPO}/issues/7/sub_issues"), status=404, json={"message": "Not Found"}
    )
    with pytest.raises(SubIssuesUnsupported):
        repo.add_sub_issue(7, 1041)


def test_sub_issue_link_sends_the_issue_id(mocked, repo) -> None:
    mocked.post(url(f"/repos/{REPO}/issues/7/sub_issues"), status=201, json=issue_json(41))
    repo.add_sub_issue(7, 1041)
    assert json.loads(mocked.calls[0].request.body) == {"sub_issue_id": 1041}


def test_milestone_due_date_is_sent_as_a_timestamp(mocked, repo) -> None:
    milestone = {
        "number": 3,
        "title": "PM",
        "state": "open",
        "due_on": "2026-12-18T00:00:00Z",
        "url": f"{API}/repos/{REPO}/milestones/3",
    }
    mocked.patch(url(f"/repos/{REPO}/milestones/3"), json=milestone)
    updated = repo.update_milestone(3, dt.date(2026, 12, 18))
    assert json.loads(mocked.calls[0].request.body) == {"due_on": "2026-12-18T00:00:00Z"}
    assert updated.due_on == dt.date(2026, 12, 18)


def test_existing_label_is_fine(mocked, repo) -> None:
    mocked.post(
        url(f"/repos/{REPO}/labels"),
        status=422,
        json={
            "message": "Validation Failed",
            "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}],
        },
    )
    repo.create_label("postmortem-action", "d93f0b", "An action")


def test_assignability_check(mocked, repo) -> None:
    mocked.get(url(f"/repos/{REPO}/assignees/alice"), status=204)
    mocked.get(url(f"/repos/{REPO}/assignees/mallory"), status=404, json={"message": "Not Found"})
    assert repo.is_assignable("alice") is True
    assert repo.is_assignable("mallory") is False


def test_actions_token_cannot_read_user(mocked, repo) -> None:
    mocked.get(url("/user"), status=403, json={"message": "Resource not accessible by integration"})
    assert repo.whoami() == "[bot]"  # any bot: a person cannot write as one


def comment_json(id_: int, number: int) -> dict[str, Any]:
    return {
        "id": id_,
        "issue_url": f"{API}/repos/{REPO}/issues/{number}",
        "body": f"comment {id_}",
        "user": {"login": "alice", "id": 2},
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
    }


@pytest.mark.parametrize(("enough_after", "pages_read"), [(1, 1), (2, 2), (None, 3)])
def test_comments_since_stops_where_the_caller_has_enough(
    mocked, repo, enough_after, pages_read
) -> None:
    for page in (1, 2, 3):
        size = 100 if page < 3 else 7
        comments = [comment_json(page * 1000 + i, page) for i in range(size)]
        mocked.get(url(f"/repos/{REPO}/issues/comments"), json=comments)
    seen: list[int] = []

    def enough(listed) -> bool:
        seen.append(len(listed))
        return enough_after is not None and len(listed) >= enough_after * 100

    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    listed = repo.comments_since(since, max_pages=5, enough=enough)
    assert len(listed) == min(pages_read * 100, 207)
    assert len(mocked.calls) == pages_read
    assert seen == [100, 200][: min(pages_read, 2)]  # asked after each full page
    first = mocked.calls[0].request.url
    assert "sort=created" in first and "direction=asc" in first and "since=2026-11-01" in first
    assert [c.issue_number for c in listed[:1]] == [1]


def test_comments_since_reads_no_more_than_its_pages(mocked, repo) -> None:
    for page in (1, 2):
        mocked.get(
            url(f"/repos/{REPO}/issues/comments"),
            json=[comment_json(page * 1000 + i, 1) for i in range(100)],
        )
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    listed = repo.comments_since(since, max_pages=2, enough=lambda listed: False)
    assert len(listed) == 200
    assert len(mocked.calls) == 2


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.github.com", True),
        ("https://api.octo-corp.ghe.com", True),
        ("https://ghe.example.com/api/v3", True),
        ("http://127.0.0.1:8123/api/v3", False),
        ("http://127.5.0.1:8123", False),
        ("http://localhost:8123", False),
        ("http://[::1]:8123/api/v3", False),
    ],
)
def test_graphql_is_expected_except_on_this_machine(api_url, expected, monkeypatch) -> None:
    monkeypatch.delenv("PMFLOW_GRAPHQL", raising=False)
    assert GitHubRepo(REPO, "t0ken", api_url).graphql_expected is expected
    monkeypatch.setenv("PMFLOW_GRAPHQL", "0")
    assert GitHubRepo(REPO, "t0ken", api_url).graphql_expected is False


LISTED_AT = "Thu, 26 Nov 2026 10:00:05 GMT"  # the listing page's Date header


def listed_once(mocked, repo, body: str = "the checklist") -> None:
    mocked.get(
        url(f"/repos/{REPO}/issues"),
        json=[issue_json(1, body)],
        headers={"Date": LISTED_AT},
    )
    repo.list_issues(["postmortem"])


def test_a_reread_asks_whether_the_issue_changed_since_the_listing(mocked, repo) -> None:
    listed_once(mocked, repo)
    mocked.get(url(f"/repos/{REPO}/issues/1"), status=304)
    assert repo.reread_issue(1, "the checklist") is None
    sent = mocked.calls[-1].request.headers
    # Two seconds before the listing was sent: an edit after it is later than that.
    assert sent["If-Modified-Since"] == "Thu, 26 Nov 2026 10:00:03 GMT"


def test_a_reread_of_a_changed_issue_returns_it(mocked, repo) -> None:
    listed_once(mocked, repo)
    mocked.get(
        url(f"/repos/{REPO}/issues/1"),
        json=issue_json(1, "the checklist, edited"),
        headers={"Date": "Thu, 26 Nov 2026 10:00:09 GMT"},
    )
    current = repo.reread_issue(1, "the checklist")
    assert current is not None and current.body == "the checklist, edited"
    # What was read last is what the next re-read asks about.
    mocked.get(url(f"/repos/{REPO}/issues/1"), status=304)
    assert repo.reread_issue(1, "the checklist, edited") is None
    assert mocked.calls[-1].request.headers["If-Modified-Since"] == (
        "Thu, 26 Nov 2026 10:00:07 GMT"
    )


@pytest.mark.parametrize("why", ["another body", "edited since", "never read"])
def test_a_reread_is_unconditional_when_the_body_is_not_the_one_read(mocked, repo, why) -> None:
    if why != "never read":
        listed_once(mocked, repo)
    if why == "edited since":
        mocked.patch(url(f"/repos/{REPO}/issues/1"), json=issue_json(1, "new"))
        repo.edit_issue(1, body="new")
    expected = "another body" if why == "another body" else "the checklist"
    mocked.get(url(f"/repos/{REPO}/issues/1"), json=issue_json(1, "the checklist"))
    current = repo.reread_issue(1, "new" if why == "edited since" else expected)
    assert current is not None and current.body == "the checklist"
    assert "If-Modified-Since" not in mocked.calls[-1].request.headers
