"""GitHub's limits: the wait decisions as functions of data, and the adapter keeping to them."""

from __future__ import annotations

import json
import re
import time

import pytest
import responses

from pmflow.config import ConfigError, from_mapping
from pmflow.github import GitHubError, GitHubRepo, RateLimited
from pmflow.limits import (
    SECONDARY_WAIT,
    Limits,
    PoliteRetry,
    backoff_seconds,
    rate_limit_wait,
    retry_after_seconds,
)

API = "https://ghe.example.com/api/v3"
REPO = "acme/checkout"
NOW = 1_800_000_000.0
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
PRIMARY = "API rate limit exceeded for user ID 1."


def url(path: str) -> re.Pattern[str]:
    return re.compile(rf"https://ghe\.example\.com(:443)?/api/v3{re.escape(path)}(\?.*)?$")


# --- decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (403, {"Retry-After": "30"}, SECONDARY, ("secondary", 30)),
        (429, {"retry-after": "7"}, "", ("secondary", 7)),
        (403, {}, SECONDARY, ("secondary", SECONDARY_WAIT)),
        (429, {}, "Too Many Requests", ("secondary", SECONDARY_WAIT)),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 40)},
            PRIMARY,
            ("primary", 41),
        ),
        (
            429,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 5)},
            "",
            ("primary", 1),
        ),
        (403, {"x-ratelimit-remaining": "12"}, "Resource not accessible by integration", None),
        (404, {"retry-after": "5"}, "Not Found", None),
        (502, {}, "Server Error", None),
    ],
)
def test_rate_limit_waits(status, headers, message, expected) -> None:
    wait = rate_limit_wait(status, headers, message, now=NOW)
    assert (wait and (wait.kind, wait.seconds)) == expected


def test_retry_after_as_an_http_date() -> None:
    assert retry_after_seconds("Wed, 15 Jan 2027 08:00:10 GMT", now=1_799_913_600.0) > 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_doubles_and_is_capped() -> None:
    limits = Limits(backoff_seconds=1, max_wait_seconds=5)
    assert [backoff_seconds(limits, n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]


def test_settings_come_from_the_config_and_the_environment_wins() -> None:
    config = from_mapping({})
    assert Limits.from_config(config, environ={}) == Limits()
    limits = Limits.from_config(
        config,
        environ={"PMFLOW_SECONDS_BETWEEN_WRITES": "0", "PMFLOW_SECONDS_BETWEEN_REQUESTS": "2.5"},
    )
    assert (limits.seconds_between_writes, limits.seconds_between_requests) == (0, 2.5)
    assert Limits().seconds_between_writes >= 1  # GitHub's advice for production


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_bad_pacing_in_the_environment_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="PMFLOW_SECONDS_BETWEEN_WRITES"):
        Limits.from_config(None, environ={"PMFLOW_SECONDS_BETWEEN_WRITES": value})


def test_polite_retry_never_repeats_a_post_or_a_rate_limit() -> None:
    retry = PoliteRetry.for_limits(Limits(retries=3))
    assert retry.is_retry("GET", 502) and retry.is_retry("PATCH", 503)
    assert not retry.is_retry("POST", 502)
    assert not retry.is_retry("GET", 403, True) and not retry.is_retry("GET", 429, True)
    assert not retry.is_retry("GET", 404)


def test_polite_retry_waits_are_bounded_and_injected() -> None:
    slept: list[float] = []
    retry = PoliteRetry.for_limits(Limits(retries=5, max_wait_seconds=3), slept.append)
    for _ in range(4):
        retry = retry.increment("GET", "/x", error=None, response=None)
        retry.sleep()
    assert slept == [1, 2, 3, 3]


# --- the adapter ---------------------------------------------------------------------------


def issue_json(number: int) -> dict:
    return {
        "id": 1000 + number,
        "number": number,
        "title": f"Issue {number}",
        "body": "",
        "state": "open",
        "user": {"login": "pmflow-bot"},
        "labels": [],
        "assignees": [],
        "url": f"{API}/repos/{REPO}/issues/{number}",
        "html_url": f"https://ghe.example.com/{REPO}/issues/{number}",
    }


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def repo(slept: list[float]) -> GitHubRepo:
    limits = Limits(
        seconds_between_requests=0, seconds_between_writes=0, retries=3, max_wait_seconds=120
    )
    return GitHubRepo(REPO, "t0ken", API, limits=limits, sleep=slept.append)


def test_secondary_limit_with_retry_after_is_waited_out_then_sent_again(
    mocked, repo, slept
) -> None:
    mocked.post(
        url(f"/repos/{REPO}/issues"),
        status=403,
        json={"message": SECONDARY},
        headers={"Retry-After": "17"},
    )
    mocked.post(url(f"/repos/{REPO}/issues"), status=201, json=issue_json(5))
    assert repo.create_issue("Add alerting", "body").number == 5
    assert slept == [17]
    assert [c.request.method for c in mocked.calls] == ["POST", "POST"]  # a refusal: safe


def test_secondary_limit_without_retry_after_waits_a_minute(mocked, repo, slept) -> None:
    mocked.post(url(f"/repos/{REPO}/issues/5/comments"), status=403, json={"message": SECONDARY})
    mocked.post(
        url(f"/repos/{REPO}/issues/5/comments"),
        status=201,
        json={"id": 9, "body": "hi", "user": {"login": "pmflow-bot"}},
    )
    assert repo.create_comment(5, "hi").id == 9
    assert slept == [60]


def test_429_is_a_rate_limit_too(mocked, repo, slept) -> None:
    mocked.get(url(f"/repos/{REPO}/issues/5"), status=429, json={"message": "Too Many Requests"})
    mocked.get(url(f"/repos/{REPO}/issues/5"), json=issue_json(5))
    assert repo.get_issue(5).number == 5
    assert slept == [60]


def test_primary_limit_waits_until_its_reset(mocked, repo, slept) -> None:
    reset = int(time.time()) + 30
    mocked.get(
        url(f"/repos/{REPO}/issues/5"),
        status=403,
        json={"message": PRIMARY},
        headers={
            "x-ratelimit-remaining": "0",
            "x-ratelimit-limit": "5000",
            "x-ratelimit-reset": str(reset),
        },
    )
    mocked.get(url(f"/repos/{REPO}/issues/5"), json=issue_json(5))
    assert repo.get_issue(5).number == 5
    assert len(slept) == 1 and 29 <= slept[0] <= 32


def test_a_wait_longer_than_the_maximum_defers_instead(mocked, repo, slept) -> None:
    reset = int(time.time()) + 3600
    mocked.get(
        url(f"/repos/{REPO}/issues/5"),
        status=403,
        json={"message": PRIMARY},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    with pytest.raises(RateLimited, match=r"primary rate limit.*max_wait_seconds.*next run"):
        repo.get_issue(5)
    assert slept == []
    mocked.post(
        url(f"/repos/{REPO}/issues"),
        status=429,
        json={"message": "x"},
        headers={"retry-after": "600"},
    )
    with pytest.raises(RateLimited, match="600 s"):
        repo.create_issue("Add alerting", "body")
    assert slept == []


def test_limits_that_keep_coming_defer_after_a_few_waits(mocked, repo, slept) -> None:
    mocked.get(
        url(f"/repos/{REPO}/issues/5"),
        status=403,
        json={"message": SECONDARY},
        headers={"Retry-After": "1"},
    )
    with pytest.raises(RateLimited, match="4 times"):
        repo.get_issue(5)
    assert slept == [1, 1, 1]
    assert len(mocked.calls) == 4


def test_a_403_that_is_not_a_limit_is_reported_not_waited(mocked, repo, slept) -> None:
    mocked.post(
        url(f"/repos/{REPO}/issues"),
        status=403,
        json={"message": "Resource not accessible by integration"},
    )
    with pytest.raises(GitHubError, match="403") as raised:
        repo.create_issue("Add alerting", "body")
    assert not isinstance(raised.value, RateLimited)
    assert slept == [] and len(mocked.calls) == 1


def test_server_errors_on_a_patch_are_retried_a_bounded_number_of_times(mocked, repo) -> None:
    mocked.patch(url(f"/repos/{REPO}/issues/5"), status=502, json={"message": "Server Error"})
    with pytest.raises(GitHubError, match="502"):
        repo.edit_issue(5, body="x")
    assert len(mocked.calls) == 4  # the first try and 3 retries


def test_an_ambiguous_create_is_sent_again_at_most_retries_times(mocked, repo, slept) -> None:
    mocked.post(url(f"/repos/{REPO}/issues"), status=502, json={"message": "Server Error"})
    checks = []
    with pytest.raises(GitHubError, match="502"):
        repo.create_issue("Add alerting", "body", find_existing=lambda: checks.append(1))
    posts = [c for c in mocked.calls if c.request.method == "POST"]
    assert len(posts) == 4 and len(checks) == 4  # every send is checked for before the next
    assert slept == [1, 2, 4]


def test_repeatable_writes_are_sent_again_after_a_lost_answer(mocked, repo, slept) -> None:
    mocked.post(url(f"/repos/{REPO}/issues/5/labels"), status=502, json={"message": "Bad Gateway"})
    mocked.post(url(f"/repos/{REPO}/issues/5/labels"), json=[{"name": "overdue"}])
    repo.add_label(5, "overdue")
    assert json.loads(mocked.calls[1].request.body) == ["overdue"]
    assert slept == [1]


def test_the_remaining_requests_come_from_the_last_answer(mocked, repo) -> None:
    assert repo.rate_remaining() is None
    mocked.get(
        url(f"/repos/{REPO}/issues/5"),
        json=issue_json(5),
        headers={"x-ratelimit-remaining": "321", "x-ratelimit-limit": "1000"},
    )
    repo.get_issue(5)
    assert repo.rate_remaining() == (321, 1000)
    assert len(mocked.calls) == 1  # no extra GET /rate_limit


def test_the_pause_between_writes_is_taken_before_the_reread(mocked, slept) -> None:
    limits = Limits(seconds_between_requests=0, seconds_between_writes=1)
    repo = GitHubRepo(REPO, "t0ken", API, limits=limits, sleep=slept.append)
    repo.wait_for_write_slot()
    assert slept == []  # no write yet
    mocked.patch(url(f"/repos/{REPO}/issues/5"), json=issue_json(5))
    repo.edit_issue(5, body="x")
    repo.wait_for_write_slot()
    assert len(slept) == 1 and 0.9 < slept[0] <= 1
