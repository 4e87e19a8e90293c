"""Behaviour of issues, comments, labels and milestones, through PyGithub and raw HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from github import Github, GithubException
from sim_support import make_github

from pmflow.simulator import GitHubSimulator

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_pagination_across_250_issues(sim: GitHubSimulator) -> None:
    for n in range(250):
        sim.add_issue("acme/web", f"Issue {n}", state="closed" if n % 5 == 0 else "open")
    gh = make_github(sim, per_page=100, lazy=True)
    sim.clear_log()
    issues = list(gh.get_repo("acme/web").get_issues(state="all"))
    assert [i.number for i in issues] == list(range(250, 0, -1))  # newest first
    pages = [r for r in sim.requests if r.path.endswith("/issues")]
    assert len(pages) == 3 and [r.query.get("page") for r in pages] == [None, "2", "3"]
    assert pages[1].path.startswith("/repositories/")  # followed the alias links
    assert gh.get_repo("acme/web").get_issues().totalCount == 200  # open only


def test_per_page_is_capped_at_100_and_defaults_to_30(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    for n in range(120):
        sim.add_issue("acme/web", f"Issue {n}")
    url = f"{sim.api_url}/repos/acme/web/issues"
    assert len(http.get(url).json()) == 30
    big = http.get(url, params={"per_page": 500})
    assert len(big.json()) == 100
    assert 'page=2>; rel="next"' in big.headers["link"]
    assert http.get(url, params={"page": 9}).json() == []


def test_list_filters(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.add_milestone("acme/web", "PM-1")
    sim.add_issue("acme/web", "a", labels=["postmortem", "P1"], assignees=["alice"], author="bot")
    sim.add_issue("acme/web", "b", labels=["postmortem"], author="alice", milestone=1)
    sim.add_issue("acme/web", "c", labels=["P1"], state="closed", assignees=["bob"])
    url = f"{sim.api_url}/repos/acme/web/issues"

    def titles(**params: Any) -> list[str]:
        return sorted(i["title"] for i in http.get(url, params=params).json())

    assert titles() == ["a", "b"]  # state defaults to open
    assert titles(state="all") == ["a", "b", "c"]
    assert titles(state="closed") == ["c"]
    assert titles(state="all", labels="postmortem,p1") == ["a"]  # AND, any case
    assert titles(creator="alice") == ["b"]
    assert titles(state="all", assignee="none") == ["b"]
    assert titles(state="all", assignee="*") == ["a", "c"]
    assert titles(assignee="alice") == ["a"]
    assert titles(milestone="1") == ["b"] and titles(milestone="none") == ["a"]
    assert http.get(url, params={"state": "bogus"}).status_code == 422


def test_since_sort_and_direction(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.set_now(T0)
    for n in range(3):
        sim.add_issue("acme/web", f"i{n}", created_at=T0 - dt.timedelta(days=10 - n))
    sim.edit_issue("acme/web", 1, body="touched")  # updated at T0
    url = f"{sim.api_url}/repos/acme/web/issues"
    got = http.get(url, params={"since": "2026-03-01T00:00:00Z"}).json()
    assert [i["number"] for i in got] == [1]
    by_update = http.get(url, params={"sort": "updated", "direction": "desc"}).json()
    assert [i["number"] for i in by_update] == [1, 3, 2]
    oldest = http.get(url, params={"direction": "asc"}).json()
    assert [i["number"] for i in oldest] == [1, 2, 3]
    assert got[0]["updated_at"] == "2026-03-02T09:00:00Z"


def test_numbers_are_per_repo_and_ids_are_global(sim: GitHubSimulator, gh: Github) -> None:
    sim.add_repo("acme/api", collaborators=["alice"])
    web, api = gh.get_repo("acme/web"), gh.get_repo("acme/api")
    a, b, c = web.create_issue("a"), api.create_issue("b"), web.create_issue("c")
    comment = a.create_comment("note")
    assert (a.number, b.number, c.number) == (1, 1, 2)
    ids = {a.id, b.id, c.id, comment.id, web.id, api.id}
    assert len(ids) == 6 and not ids & {1, 2}
    assert a.node_id != b.node_id and a.url.startswith(sim.api_url)


def test_create_issue_with_new_labels_creates_them(sim: GitHubSimulator, gh: Github) -> None:
    sim.add_label("acme/web", "Postmortem", "d73a4a")
    issue = gh.get_repo("acme/web").create_issue("x", labels=["postmortem", "pmflow:action"])
    assert [label.name for label in issue.labels] == ["Postmortem", "pmflow:action"]
    created = {label.name: label.color for label in sim.labels("acme/web")}
    assert created == {"Postmortem": "d73a4a", "pmflow:action": "ededed"}


def test_unassignable_login_is_refused_on_create_and_update(gh: Github) -> None:
    repo = gh.get_repo("acme/web")
    with pytest.raises(GithubException) as e:
        repo.create_issue("x", assignees=["alice", "mallory"])
    assert e.value.status == 422
    assert e.value.data["errors"] == [
        {"resource": "Issue", "code": "invalid", "field": "assignees", "value": "mallory"}
    ]
    issue = repo.create_issue("y", assignees=["ALICE"])
    assert [u.login for u in issue.assignees] == ["alice"]  # GitHub's spelling
    with pytest.raises(GithubException):
        issue.edit(assignees=["nobody"])


def test_add_assignees_ignores_logins_it_cannot_assign(sim: GitHubSimulator, gh: Github) -> None:
    issue = gh.get_repo("acme/web").create_issue("x")
    issue.add_to_assignees("bob", "mallory")
    assert sim.issue("acme/web", 1).assignees == ["bob"]
    issue.remove_from_assignees("bob")
    assert sim.issue("acme/web", 1)["assignees"] == []


def test_read_only_user_loses_labels_and_assignees_silently(sim: GitHubSimulator) -> None:
    sim.add_user("visitor", token="visitor-token")
    sim.add_repo("acme/docs", collaborators=["alice"], read_only=["visitor"])
    gh = make_github(sim, token="visitor-token")
    issue = gh.get_repo("acme/docs").create_issue("x", labels=["bug"], assignees=["alice"])
    assert issue.labels == [] and issue.assignees == []
    assert issue.user.login == "visitor" and issue.raw_data["author_association"] == "NONE"


def test_body_limit_is_65536_characters(gh: Github) -> None:
    repo = gh.get_repo("acme/web")
    issue = repo.create_issue("fits", body="é" * 65536)
    with pytest.raises(GithubException) as e:
        repo.create_issue("too long", body="x" * 65537)
    assert e.value.status == 422
    assert e.value.data["errors"] == [
        {
            "resource": "Issue",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        }
    ]
    with pytest.raises(GithubException) as e:
        issue.create_comment("x" * 65537)
    assert e.value.data["errors"][0]["resource"] == "IssueComment"


def test_missing_title_and_bad_json(sim: GitHubSimulator, http: requests.Session) -> None:
    url = f"{sim.api_url}/repos/acme/web/issues"
    missing = http.post(url, json={"body": "no title"})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"resource": "Issue", "code": "missing_field", "field": "title"}
    ]
    broken = http.post(url, data=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["message"] == "Problems parsing JSON"
    wrong = http.post(url, json={"title": ["a list"]})
    assert wrong.status_code == 422 and wrong.json()["message"].startswith("Invalid request.")


def test_close_reopen_and_timestamps(sim: GitHubSimulator, gh: Github) -> None:
    sim.set_now(T0)
    issue = gh.get_repo("acme/web").create_issue("x")
    assert issue.created_at == issue.updated_at == T0
    sim.advance(hours=1)
    issue.edit(state="closed", state_reason="not_planned")
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert issue.closed_at == T0 + dt.timedelta(hours=1) and issue.closed_by.login == "bot"
    sim.advance(hours=1)
    issue.edit(state="open")
    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)
    sim.advance(hours=1)
    before = issue.updated_at
    issue.edit(title="x")  # no change: GitHub keeps updated_at
    assert issue.updated_at == before
    issue.create_comment("ping")
    assert gh.get_repo("acme/web").get_issue(1).updated_at == T0 + dt.timedelta(hours=3)


def test_milestones(sim: GitHubSimulator, gh: Github, http: requests.Session) -> None:
    repo = gh.get_repo("acme/web")
    late = repo.create_milestone("late", due_on=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    soon = repo.create_milestone("soon", due_on=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    undated = repo.create_milestone("undated")
    issue = repo.create_issue("x", milestone=soon)
    repo.create_issue("y", milestone=soon).edit(state="closed")
    assert [m.title for m in repo.get_milestones()] == ["soon", "late", "undated"]
    assert (repo.get_milestone(soon.number).open_issues, soon.number) == (1, 2)
    assert repo.get_milestone(soon.number).closed_issues == 1
    issue.edit(milestone=None)  # PyGithub sends "", which clears it
    assert sim.issue("acme/web", issue.number).milestone is None
    with pytest.raises(GithubException) as e:
        repo.create_milestone("soon")
    assert e.value.data["errors"] == [
        {"resource": "Milestone", "code": "already_exists", "field": "title"}
    ]
    bare_date = http.patch(
        f"{sim.api_url}/repos/acme/web/milestones/{late.number}", json={"due_on": "2026-12-04"}
    )
    assert bare_date.status_code == 422  # date-time wanted, as GitHub's description says
    undated.edit("undated", state="closed")
    assert [m.title for m in repo.get_milestones(state="closed")] == ["undated"]
    unknown = http.post(
        f"{sim.api_url}/repos/acme/web/issues", json={"title": "v", "milestone": 99}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"resource": "Issue", "code": "invalid", "field": "milestone", "value": 99}
    ]


def test_labels_on_an_issue(sim: GitHubSimulator, gh: Github) -> None:
    sim.add_label("acme/web", "bug", "d73a4a")
    issue = gh.get_repo("acme/web").create_issue("x", labels=["bug"])
    issue.add_to_labels("P1", "BUG")
    assert [label.name for label in issue.get_labels()] == ["bug", "P1"]
    issue.remove_from_labels("p1")
    issue.set_labels("a", "b")
    assert sim.issue("acme/web", 1).labels == ["a", "b"]
    with pytest.raises(GithubException) as e:
        issue.remove_from_labels("zzz")
    assert (e.value.status, e.value.data["message"]) == (404, "Label does not exist")
    issue.delete_labels()
    assert sim.issue("acme/web", 1).labels == []
    with pytest.raises(GithubException) as e:
        gh.get_repo("acme/web").create_label("BUG", "ffffff")
    assert e.value.data["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]


def test_comments_per_issue_and_repository_wide(sim: GitHubSimulator, gh: Github) -> None:
    sim.set_now(T0)
    sim.add_issue("acme/web", "one")
    sim.add_issue("acme/web", "two")
    sim.add_comment("acme/web", 1, "old", author="alice", created_at=T0 - dt.timedelta(days=30))
    sim.advance(minutes=5)
    repo = gh.get_repo("acme/web")
    repo.get_issue(2).create_comment("new")
    since = T0 - dt.timedelta(days=1)
    assert [c.body for c in repo.get_issues_comments(since=since)] == ["new"]
    assert [c.body for c in repo.get_issues_comments()] == ["old", "new"]
    latest = repo.get_issues_comments(sort="created", direction="desc")
    assert [c.body for c in latest] == ["new", "old"]
    comment = repo.get_issue(1).get_comments()[0]
    assert (comment.user.login, comment.raw_data["author_association"]) == ("alice", "COLLABORATOR")
    comment.edit("edited")
    assert [c.body for c in sim.comments("acme/web", 1)] == ["edited"]
    assert repo.get_issue(1).comments == 1
    comment.delete()
    assert sim.comments("acme/web") != [] and repo.get_issue(1).comments == 0


def test_users_and_assignees(sim: GitHubSimulator, gh: Github) -> None:
    assert gh.get_user().login == "bot"
    assert gh.get_user("alice").name == "Alice"
    repo = gh.get_repo("acme/web")
    assert sorted(u.login for u in repo.get_assignees()) == ["alice", "bob"]
    assert repo.has_in_assignees("alice") and not repo.has_in_assignees("bot")
    sim.add_user("carol")
    sim.add_repo("carol/notes")
    assert gh.get_repo("carol/notes").has_in_assignees("carol")  # a user owner is assignable


def test_snapshots_are_copies(sim: GitHubSimulator) -> None:
    issue = sim.add_issue("acme/web", "x", labels=["a"])
    issue.labels.append("tampered")
    assert sim.issue("acme/web", 1).labels == ["a"] and sim.issue("acme/web", 1)["title"] == "x"
    with pytest.raises(KeyError):
        sim.issue("acme/web", 2)
