"""Sub-issues: ids not numbers, summaries, one parent, 100 children, 8 levels, old GHES."""

from __future__ import annotations

import pytest
import requests
from github import Github, GithubException

from pmflow.simulator import GitHubSimulator


def test_add_list_summary_parent_and_remove(
    sim: GitHubSimulator, gh: Github, http: requests.Session
) -> None:
    repo = gh.get_repo("acme/web")
    parent = repo.create_issue("Post-mortem")
    children = [repo.create_issue(f"Action {n}") for n in range(3)]
    for child in children:
        parent.add_sub_issue(child.id)
    assert sim.sub_issues("acme/web", parent.number) == [2, 3, 4]
    assert [i.number for i in parent.get_sub_issues()] == [2, 3, 4]
    children[0].edit(state="closed")
    summary = repo.get_issue(parent.number).sub_issues_summary
    assert (summary.total, summary.completed, summary.percent_completed) == (3, 1, 33)

    child = repo.get_issue(2)
    assert child.raw_data["parent_issue_url"] == parent.url
    assert "parent_issue_url" not in parent.raw_data  # only sub-issues carry it
    got = http.get(f"{sim.api_url}/repos/acme/web/issues/2/parent")
    assert got.status_code == 200 and got.json()["number"] == parent.number
    assert http.get(f"{sim.api_url}/repos/acme/web/issues/1/parent").status_code == 404

    parent.remove_sub_issue(children[1].id)
    assert sim.sub_issues("acme/web", 1) == [2, 4] and sim.parent("acme/web", 3) is None


def test_the_argument_is_the_id_not_the_number(gh: Github) -> None:
    repo = gh.get_repo("acme/web")
    parent, child = repo.create_issue("p"), repo.create_issue("c")
    with pytest.raises(GithubException) as e:
        parent.add_sub_issue(child.number)
    assert e.value.status == 404


def test_one_parent_unless_replaced(
    sim: GitHubSimulator, gh: Github, http: requests.Session
) -> None:
    repo = gh.get_repo("acme/web")
    first, second, child = (repo.create_issue(t) for t in ("first", "second", "child"))
    first.add_sub_issue(child.id)
    with pytest.raises(GithubException) as e:
        second.add_sub_issue(child.id)
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "Sub issue may only have one parent"
    moved = http.post(
        f"{sim.api_url}/repos/acme/web/issues/2/sub_issues",
        json={"sub_issue_id": child.id, "replace_parent": True},
    )
    assert moved.status_code == 201 and moved.headers["location"].endswith("/issues/2/sub_issues")
    assert sim.parent("acme/web", 3) == 2 and sim.sub_issues("acme/web", 1) == []


def test_at_most_100_sub_issues(sim: GitHubSimulator, gh: Github) -> None:
    sim.add_issue("acme/web", "parent")
    for n in range(100):
        sim.add_issue("acme/web", f"child {n}", parent=1)
    extra = gh.get_repo("acme/web").create_issue("one too many")
    with pytest.raises(GithubException) as e:
        gh.get_repo("acme/web").get_issue(1).add_sub_issue(extra.id)
    assert e.value.status == 422
    assert "100" in e.value.data["errors"][0]["message"]
    assert len(list(gh.get_repo("acme/web").get_issue(1).get_sub_issues())) == 100


def test_no_cycles_no_self_and_at_most_8_levels(sim: GitHubSimulator, gh: Github) -> None:
    for n in range(8):
        sim.add_issue("acme/web", f"level {n}", parent=n or None)  # 1 <- 2 <- ... <- 8
    repo = gh.get_repo("acme/web")
    top, bottom = repo.get_issue(1), repo.get_issue(8)
    with pytest.raises(GithubException):
        bottom.add_sub_issue(top.id)  # a cycle
    with pytest.raises(GithubException):
        top.add_sub_issue(top.id)
    ninth = repo.create_issue("too deep")
    with pytest.raises(GithubException) as e:
        bottom.add_sub_issue(ninth.id)
    assert e.value.status == 422


def test_switched_off_like_an_old_enterprise_server(
    sim: GitHubSimulator, gh: Github, http: requests.Session
) -> None:
    sim.sub_issues_enabled = False
    repo = gh.get_repo("acme/web")
    parent, child = repo.create_issue("p"), repo.create_issue("c")
    assert "sub_issues_summary" not in parent.raw_data
    with pytest.raises(GithubException) as e:
        parent.add_sub_issue(child.id)
    assert e.value.status == 404
    assert http.get(f"{sim.api_url}/repos/acme/web/issues/1/sub_issues").status_code == 404
