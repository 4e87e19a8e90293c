"""Contract: the simulator answers the recorded scenarios of `@octokit/fixtures` as GitHub did.

Each test replays a scenario's requests and compares what is comparable: statuses, headers
that matter to clients (`Link` rels and URL shapes, `Location`, `ETag`, rate-limit headers),
error bodies word for word, and the shape of every answer (each recorded field present, with
the same JSON type). Ids, timestamps and names differ by nature and are not compared.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sim_support import TOKEN, Recorded

from pmflow.simulator import GitHubSimulator

RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
)


def shape_gaps(ours: Any, theirs: Any, path: str = "$") -> list[str]:
    """Where `ours` lacks a field of `theirs` or holds another JSON type (null matches any)."""
    if theirs is None or ours is None:
        return []
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{path}: {type(ours).__name__}, recorded an object"]
        gaps = [f"{path}.{k}: missing" for k in theirs if k not in ours]
        for key in theirs.keys() & ours.keys():
            gaps += shape_gaps(ours[key], theirs[key], f"{path}.{key}")
        return gaps
    if isinstance(theirs, list):
        if not isinstance(ours, list):
            return [f"{path}: {type(ours).__name__}, recorded an array"]
        return shape_gaps(ours[0], theirs[0], f"{path}[0]") if ours and theirs else []
    numbers = (int, float)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        same = isinstance(theirs, bool) and isinstance(ours, bool)
    elif isinstance(theirs, numbers):
        same = isinstance(ours, numbers)
    else:
        same = type(ours) is type(theirs)
    return [] if same else [f"{path}: {type(ours).__name__}, recorded {type(theirs).__name__}"]


def link_rels(header: str | None) -> list[tuple[str, str]]:
    """[(rel, url)] in header order."""
    return [(rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header or "")]


@pytest.fixture
def world(sim: GitHubSimulator, http: requests.Session) -> tuple[GitHubSimulator, Any]:
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.request(method, sim.api_url + path, **kwargs)

    return sim, call


def test_paginate_issues(world: Any, recorded: Recorded) -> None:
    sim, call = world
    exchanges = recorded.raw("paginate-issues")
    bodies = recorded.normalized("paginate-issues")
    for n in range(13):  # the recording's repository held 13 issues (5 pages of 3)
        sim.add_issue("acme/web", f"Test issue {n}", body=None, author="bot")
    repo_id = call("GET", "/repos/acme/web").json()["id"]

    response = call("GET", "/repos/acme/web/issues", params={"per_page": 3})
    remaining = []
    for page, (exchange, normalized) in enumerate(zip(exchanges, bodies, strict=True), start=1):
        assert response.status_code == exchange["status"] == 200
        ours = response.json()
        assert len(ours) == len(exchange["response"])
        assert not shape_gaps(ours, normalized["response"])
        assert "etag" in response.headers and all(h in response.headers for h in RATE_HEADERS)
        remaining.append(int(response.headers["x-ratelimit-remaining"]))

        our_links = link_rels(response.headers.get("link"))
        their_links = link_rels(exchange["headers"].get("link"))
        assert [rel for rel, _ in our_links] == [rel for rel, _ in their_links], page
        for (_, ours_url), (_, theirs_url) in zip(our_links, their_links, strict=True):
            mine, theirs = urlsplit(ours_url), urlsplit(theirs_url)
            # Same alias path shape and the same query, parameter order included.
            assert mine.path == f"/api/v3/repositories/{repo_id}/issues"
            assert re.sub(r"\d+", "N", theirs.path) == "/repositories/N/issues"
            assert mine.query == theirs.query
            assert mine.netloc == urlsplit(sim.api_url).netloc

        next_url = dict(our_links).get("next")
        if next_url is None:
            break
        response = requests.get(next_url, headers={"Authorization": f"token {TOKEN}"})
    assert page == len(exchanges)
    assert remaining == sorted(remaining, reverse=True)  # each page costs one request


def test_add_labels_to_issue(world: Any, recorded: Recorded) -> None:
    _, call = world
    create, add = recorded.raw("add-labels-to-issue")
    normalized = recorded.normalized("add-labels-to-issue")

    response = call("POST", "/repos/acme/web/issues", json=create["body"])
    assert response.status_code == create["status"] == 201
    body = response.json()
    assert response.headers["location"] == body["url"]
    assert create["headers"]["location"] == create["response"]["url"]
    assert not shape_gaps(body, normalized[0]["response"])
    assert body["body"] is None and body["labels"] == [] and body["closed_by"] is None

    response = call("POST", f"/repos/acme/web/issues/{body['number']}/labels", json=add["body"])
    assert response.status_code == add["status"] == 200
    assert not shape_gaps(response.json(), normalized[1]["response"])

    def comparable(labels: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(x["name"], x["color"], x["default"], x["description"]) for x in labels]

    assert comparable(response.json()) == comparable(add["response"])


def test_errors_invalid_label_color(world: Any, recorded: Recorded) -> None:
    _, call = world
    (exchange,) = recorded.raw("errors")
    response = call("POST", "/repos/acme/web/labels", json=exchange["body"])
    assert response.status_code == exchange["status"] == 422
    ours, theirs = response.json(), exchange["response"]
    assert ours["message"] == theirs["message"] == "Validation Failed"
    assert ours["errors"] == theirs["errors"]
    assert ours["documentation_url"].startswith("https://docs.github.com/rest")
    assert "etag" not in response.headers and all(h in response.headers for h in RATE_HEADERS)


def test_labels_lifecycle(world: Any, recorded: Recorded) -> None:
    sim, call = world
    for name, color, description in [
        ("bug", "d73a4a", "Something isn't working"),
        ("good first issue", "7057ff", "Good for newcomers"),
    ]:
        sim.add_label("acme/web", name, color, description)
    normalized = recorded.normalized("labels")
    for exchange, shaped in zip(recorded.raw("labels"), normalized, strict=True):
        path = re.sub(r"^/repos/[^/]+/[^/]+", "/repos/acme/web", exchange["path"])
        body = exchange["body"] or None
        response = call(exchange["method"].upper(), path, json=body)
        assert response.status_code == exchange["status"], exchange["path"]
        if exchange["status"] == 204:
            assert response.content == b"" and "etag" not in response.headers
            continue
        assert not shape_gaps(response.json(), shaped["response"])
        if exchange["status"] == 201:
            assert response.headers["location"] == response.json()["url"]
    listed = call("GET", "/repos/acme/web/labels").json()
    assert [x["url"].rsplit("/", 1)[1] for x in listed] == ["bug", "good%20first%20issue"]


def test_get_repository(world: Any, recorded: Recorded) -> None:
    sim, call = world
    (exchange,) = recorded.raw("get-repository")
    response = call("GET", "/repos/acme/web")
    assert response.status_code == exchange["status"] == 200
    ours = response.json()
    assert not shape_gaps(ours, recorded.normalized("get-repository")[0]["response"])
    assert ours["owner"]["type"] == exchange["response"]["owner"]["type"] == "Organization"
    assert ours["url"] == f"{sim.api_url}/repos/acme/web"
    assert set(exchange["response"]) <= set(ours)


def test_search_issues_uses_the_search_budget(world: Any, recorded: Recorded) -> None:
    sim, call = world
    (exchange,) = recorded.raw("search-issues")
    sim.add_issue("acme/web", "Sesame seeds split without a pop!", body="no pop", author="bob")
    sim.add_issue("acme/web", "Sesame street", body="sesame")
    sim.add_issue("acme/web", "Nothing to see")
    response = call("GET", "/search/issues", params={"q": "sesame repo:acme/web"})
    assert response.status_code == exchange["status"] == 200
    ours = response.json()
    assert ours["total_count"] == exchange["response"]["total_count"] == 2
    assert not shape_gaps(ours, recorded.normalized("search-issues")[0]["response"])
    for header in ("x-ratelimit-limit", "x-ratelimit-resource"):
        assert response.headers[header] == exchange["headers"][header]  # 30, search


def test_lock_issue(world: Any, recorded: Recorded) -> None:
    sim, call = world
    sim.add_issue("acme/web", "Heated")
    for exchange in recorded.raw("lock-issue"):
        response = call(exchange["method"].upper(), "/repos/acme/web/issues/1/lock")
        assert response.status_code == exchange["status"] == 204
        assert response.content == b""
