"""Fault injection, the on_request hook, and how PyGithub reacts to each kind of failure."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException, GithubRetry, RateLimitExceededException
from sim_support import make_github

from pmflow.simulator import GitHubSimulator, RequestRecord


def _titles(sim: GitHubSimulator) -> list[str]:
    return [i.title for i in sim.issues("acme/web")]


def test_refused_502_is_retried_by_pygithub_and_creates_once(sim: GitHubSimulator) -> None:
    fault = sim.fail_next(502, method="POST", path=r"/issues$")
    gh = make_github(sim, retry=GithubRetry(total=3))  # PyGithub retries 5xx, POST included
    gh.get_repo("acme/web").create_issue("Add alerting")
    assert fault.fired == 1 and _titles(sim) == ["Add alerting"]
    posts = [r for r in sim.requests if r.method == "POST"]
    assert [(r.status, r.fault, r.applied) for r in posts] == [
        (502, "refuse", False),
        (201, None, True),
    ]


def test_502_after_taking_effect_makes_a_retrying_client_create_twice(
    sim: GitHubSimulator,
) -> None:
    sim.fail_next(502, mode="after", writes_only=True)
    gh = make_github(sim, retry=GithubRetry(total=3))
    gh.get_repo("acme/web").create_issue("Add alerting")
    assert _titles(sim) == ["Add alerting", "Add alerting"]  # GitHub's duplicate hazard


def test_502_after_taking_effect_without_retries(sim: GitHubSimulator) -> None:
    sim.fail_next(502, mode="after", method="POST")
    with pytest.raises(GithubException) as e:
        make_github(sim).get_repo("acme/web").create_issue("Add alerting")
    assert e.value.status == 502 and _titles(sim) == ["Add alerting"]


def test_dropped_connection_after_effect(sim: GitHubSimulator) -> None:
    sim.fail_next(mode="drop", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        make_github(sim).get_repo("acme/web").create_issue("Add alerting")
    assert _titles(sim) == ["Add alerting"]
    assert sim.requests[-1].status == 0 and sim.requests[-1].fault == "drop"


def test_dropped_connection_before_effect(sim: GitHubSimulator) -> None:
    sim.fail_next(mode="drop_before", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        make_github(sim).get_repo("acme/web").create_issue("Add alerting")
    assert _titles(sim) == []


def test_secondary_limit_403_with_retry_after_is_waited_out(sim: GitHubSimulator) -> None:
    sim.fail_next(403, writes_only=True, retry_after=1)
    gh = make_github(sim, retry=GithubRetry(total=3))
    started = time.monotonic()
    gh.get_repo("acme/web").create_issue("Add alerting")
    assert time.monotonic() - started >= 1.0
    refused = [r for r in sim.requests if r.fault]
    assert refused[0].response["message"].startswith("You have exceeded a secondary rate limit")


def test_secondary_limit_403_without_retry_after(sim: GitHubSimulator) -> None:
    sim.fail_next(403, method="POST")
    with pytest.raises(RateLimitExceededException):
        make_github(sim).get_repo("acme/web").create_issue("Add alerting")
    assert _titles(sim) == []


def test_429_carries_retry_after(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.fail_next(429, retry_after=30)
    response = http.get(f"{sim.api_url}/repos/acme/web")
    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    assert "x-ratelimit-remaining" in response.headers
    assert http.get(f"{sim.api_url}/repos/acme/web").status_code == 200  # only once


def test_the_kth_write_and_repeated_failures(sim: GitHubSimulator) -> None:
    fault = sim.fail_next(500, writes_only=True, nth=2, times=2)
    repo = make_github(sim).get_repo("acme/web")
    outcomes = []
    for n in range(4):
        try:
            repo.create_issue(f"issue {n}")
            outcomes.append("ok")
        except GithubException as e:
            outcomes.append(e.status)
    assert outcomes == ["ok", 500, 500, "ok"] and fault.fired == 2 and fault.exhausted
    assert _titles(sim) == ["issue 0", "issue 3"]


def test_method_and_path_filters(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.add_issue("acme/web", "x")
    sim.fail_next(503, method="PATCH", path=r"/issues/\d+$")
    assert http.get(f"{sim.api_url}/repos/acme/web/issues/1").status_code == 200
    assert http.post(f"{sim.api_url}/repos/acme/web/issues/1/comments", json={"body": "b"}).ok
    assert http.patch(f"{sim.api_url}/repos/acme/web/issues/1", json={}).status_code == 503
    sim.fail_next(502)
    sim.clear_faults()
    assert http.get(f"{sim.api_url}/repos/acme/web").ok


def test_fault_arguments_are_checked(sim: GitHubSimulator) -> None:
    with pytest.raises(ValueError):
        sim.fail_next(mode="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sim.fail_next(nth=0)


def test_on_request_hook_lets_a_person_edit_between_read_and_write(
    sim: GitHubSimulator,
) -> None:
    sim.add_issue("acme/web", "Post-mortem", body="- [ ] Add alerting @alice due:2026-12-04")

    def person_edits(record: RequestRecord) -> None:
        if record.method == "GET" and record.path == "/repos/acme/web/issues/1":
            sim.on_request = None
            sim.edit_issue("acme/web", 1, body="- [ ] Add alerting @alice due:2026-12-11")

    sim.on_request = person_edits
    issue = make_github(sim).get_repo("acme/web").get_issue(1)
    assert issue.body.endswith("2026-12-04")  # the client read the old text ...
    assert sim.issue("acme/web", 1).body.endswith("2026-12-11")  # ... a person changed it
    assert issue.update()  # a conditional GET sees the change (200, not 304)


def test_latency_is_slept_per_request(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.latency = 0.05
    started = time.monotonic()
    for _ in range(3):
        http.get(f"{sim.api_url}/repos/acme/web")
    assert time.monotonic() - started >= 0.15
