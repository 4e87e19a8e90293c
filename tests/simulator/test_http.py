"""The HTTP surface: prefix and absolute URLs, auth, rate limits, conditional requests, log."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from github import BadCredentialsException, GithubException, RateLimitExceededException
from sim_support import TOKEN, make_github

from pmflow.simulator import GitHubSimulator


def test_urls_use_the_simulators_own_host_port_and_prefix(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    assert sim.api_url.startswith("http://127.0.0.1:") and sim.api_url.endswith("/api/v3")
    sim.add_issue("acme/web", "x", labels=["bug"], assignees=["alice"])
    issue = http.get(f"{sim.api_url}/repos/acme/web/issues/1").json()
    urls = [issue["url"], issue["repository_url"], issue["user"]["url"], issue["labels"][0]["url"]]
    assert all(u.startswith(sim.api_url + "/") for u in urls)
    assert issue["html_url"] == f"{sim.web_url}/acme/web/issues/1"
    assert http.get(sim.web_url + "/repos/acme/web").status_code == 404  # outside the prefix


def test_alias_routes(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.add_issue("acme/web", "x")
    repo_id = http.get(f"{sim.api_url}/repos/acme/web").json()["id"]
    base = f"{sim.api_url}/repositories/{repo_id}"
    assert http.get(base).json()["full_name"] == "acme/web"
    assert http.get(f"{base}/issues/1").json()["title"] == "x"
    assert http.patch(f"{base}/issues/1", json={"title": "y"}).json()["title"] == "y"
    assert http.get(f"{sim.api_url}/repositories/999/issues").status_code == 404
    assert make_github(sim).get_repo(repo_id).full_name == "acme/web"


def test_authentication(sim: GitHubSimulator) -> None:
    url = f"{sim.api_url}/user"
    assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).json()["login"] == "bot"
    bad = requests.get(url, headers={"Authorization": "token wrong"})
    assert bad.status_code == 401
    assert bad.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert bad.headers["x-ratelimit-limit"] == "60"  # the anonymous budget
    missing = requests.get(f"{sim.api_url}/repos/acme/web")
    assert (missing.status_code, missing.json()["message"]) == (401, "Requires authentication")
    with pytest.raises(BadCredentialsException):
        make_github(sim, token="wrong").get_user().login  # noqa: B018


def test_not_found_is_githubs(sim: GitHubSimulator, http: requests.Session) -> None:
    for path in ("/repos/acme/nope", "/repos/acme/web/issues/7", "/no/such/endpoint"):
        response = http.get(sim.api_url + path)
        assert response.status_code == 404 and response.json()["message"] == "Not Found"
        assert response.json()["status"] == "404"


def test_rate_limit_headers_budget_and_exhaustion(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    sim.rate_limit(limit=100, remaining=3)
    first = http.get(f"{sim.api_url}/repos/acme/web")
    assert first.headers["x-ratelimit-remaining"] == "2"
    assert first.headers["x-ratelimit-used"] == "98"
    assert first.headers["x-ratelimit-resource"] == "core"
    assert int(first.headers["x-ratelimit-reset"]) > 1_700_000_000  # epoch seconds
    assert first.headers["x-github-api-version-selected"] == "2022-11-28"
    overview = http.get(f"{sim.api_url}/rate_limit").json()  # free, as on GitHub
    assert overview["rate"]["remaining"] == overview["resources"]["core"]["remaining"] == 2
    http.get(f"{sim.api_url}/repos/acme/nope")  # errors count too
    http.get(f"{sim.api_url}/repos/acme/web")
    blocked = http.get(f"{sim.api_url}/repos/acme/web")
    assert blocked.status_code == 403 and blocked.headers["x-ratelimit-remaining"] == "0"
    assert blocked.json()["message"].startswith("API rate limit exceeded for user ID")
    with pytest.raises(RateLimitExceededException):
        make_github(sim).get_repo("acme/web")
    sim.rate_limit(limit=5000)
    assert sim.rate_remaining() == 5000 and http.get(f"{sim.api_url}/repos/acme/web").ok


def test_conditional_requests_answer_304_for_free(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    sim.add_issue("acme/web", "x")
    url = f"{sim.api_url}/repos/acme/web/issues/1"
    first = http.get(url)
    etag = first.headers["etag"]
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    assert again.headers["etag"] == etag
    assert http.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    sim.edit_issue("acme/web", 1, title="changed")
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert sum(r.not_modified for r in sim.requests) == 2
    gh_issue = make_github(sim).get_repo("acme/web").get_issue(1)
    assert gh_issue.update() is False  # PyGithub's own conditional request


def test_if_modified_since_and_date_are_on_the_simulators_clock(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    sim.set_now(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
    sim.add_issue("acme/web", "x")
    sim.set_now(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC))
    url = f"{sim.api_url}/repos/acme/web/issues/1"
    first = http.get(url)
    assert first.headers["date"] == "Thu, 26 Nov 2026 10:00:00 GMT"
    assert first.headers["last-modified"] == "Thu, 26 Nov 2026 09:00:00 GMT"
    since = {"If-Modified-Since": "Thu, 26 Nov 2026 09:59:58 GMT"}
    assert http.get(url, headers=since).status_code == 304
    sim.edit_issue("acme/web", 1, body="edited at 10:00:00")
    assert http.get(url, headers=since).status_code == 200


def test_the_request_log(sim: GitHubSimulator, http: requests.Session) -> None:
    http.post(f"{sim.api_url}/repos/acme/web/issues", json={"title": "x", "labels": ["a"]})
    http.get(f"{sim.api_url}/repos/acme/web/issues", params={"state": "all", "per_page": "5"})
    post, get = sim.requests
    assert (post.method, post.path, post.status, post.is_write) == (
        "POST",
        "/repos/acme/web/issues",
        201,
        True,
    )
    assert post.json == {"title": "x", "labels": ["a"]} and post.user == "bot"
    assert post.response["title"] == "x" and "authorization" not in post.headers
    assert get.query == {"state": "all", "per_page": "5"} and not get.is_write
    assert sim.writes() == [post] and sim.reads() == [get]
    sim.clear_log()
    assert sim.requests == []


def test_api_version_2026_drops_the_singular_assignee(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    sim.add_issue("acme/web", "x", assignees=["alice"])
    url = f"{sim.api_url}/repos/acme/web/issues/1"
    assert "assignee" in http.get(url).json()
    newer = http.get(url, headers={"X-GitHub-Api-Version": "2026-03-10"})
    assert "assignee" not in newer.json()
    assert newer.headers["x-github-api-version-selected"] == "2026-03-10"


def test_search(sim: GitHubSimulator, http: requests.Session) -> None:
    sim.add_repo("acme/api")
    sim.add_issue("acme/web", "Checkout latency", body="p99 above 500ms", labels=["postmortem"])
    sim.add_issue("acme/web", "Checkout errors", labels=["postmortem"], state="closed")
    sim.add_issue("acme/api", "Checkout api latency", labels=["postmortem"])
    found = make_github(sim).search_issues("latency repo:acme/web label:postmortem is:open")
    assert [i.title for i in found] == ["Checkout latency"]
    response = http.get(f"{sim.api_url}/search/issues", params={"q": "checkout label:postmortem"})
    assert response.json()["total_count"] == 3
    assert response.headers["x-ratelimit-resource"] == "search"
    assert response.headers["x-ratelimit-limit"] == "30"
    assert (
        http.get(f"{sim.api_url}/search/issues", params={"q": '"500ms" in:body'}).json()[
            "total_count"
        ]
        == 1
    )


def test_lifecycle() -> None:
    sim = GitHubSimulator()
    with pytest.raises(RuntimeError):
        sim.api_url  # noqa: B018
    kept_alive = requests.Session()
    kept_alive.headers["Authorization"] = "token t"
    with sim:
        sim.add_user("u", token="t")
        assert kept_alive.get(sim.api_url + "/user").ok
        url = sim.api_url
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/user", headers={"Authorization": "token t"}, timeout=2)
    with pytest.raises(requests.exceptions.ConnectionError):
        kept_alive.get(url + "/user", timeout=2)  # its open connection was closed too
    kept_alive.close()


def test_a_failing_hook_fails_the_request_loudly(
    sim: GitHubSimulator, http: requests.Session
) -> None:
    def broken(record: object) -> None:
        raise RuntimeError("bug in the test")

    sim.on_request = broken
    response = http.get(f"{sim.api_url}/repos/acme/web")
    assert response.status_code == 500 and "bug in the test" in response.json()["message"]


def test_unknown_method_or_route_is_404(sim: GitHubSimulator, http: requests.Session) -> None:
    response = http.put(f"{sim.api_url}/repos/acme/web")
    assert response.status_code == 404
    with pytest.raises(GithubException):
        make_github(sim).get_repo("acme/web").get_issue(1)


def test_concurrent_writers_get_distinct_numbers(sim: GitHubSimulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(n: int) -> int:
        with requests.Session() as s:
            s.headers["Authorization"] = f"token {TOKEN}"
            url = f"{sim.api_url}/repos/acme/web/issues"
            return s.post(url, json={"title": f"t{n}"}).json()["number"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(create, range(40)))
    assert sorted(numbers) == list(range(1, 41))
    assert len({i.id for i in sim.issues("acme/web")}) == 40
