"""Contract: every answer the simulator gives matches GitHub's OpenAPI description.

One module-scoped run drives every served endpoint with real PyGithub and raw `requests`
(successes and the errors GitHub documents); then each operation's logged answers are
validated against the response schema for their status, and each request body PyGithub or
`requests` sent against the operation's request schema.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from github import GithubException
from sim_support import TOKEN, OpenApi, make_github

from pmflow.simulator import GitHubSimulator, RequestRecord

RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
    "x-ratelimit-resource",
)

# operationId -> statuses this run must have produced (and validated).
EXPECTED: dict[str, set[int]] = {
    "users/get-authenticated": {200, 401},
    "users/get-by-username": {200, 404},
    "rate-limit/get": {200},
    "repos/get": {200, 404},
    "issues/list-for-repo": {200},
    "issues/create": {201, 422},
    "issues/get": {200, 304, 404},
    "issues/update": {200, 422},
    "issues/lock": {204},
    "issues/unlock": {204},
    "issues/list-comments": {200},
    "issues/create-comment": {201, 422},
    "issues/list-comments-for-repo": {200},
    "issues/get-comment": {200},
    "issues/update-comment": {200},
    "issues/delete-comment": {204},
    "issues/list-labels-for-repo": {200},
    "issues/create-label": {201, 422},
    "issues/get-label": {200, 404},
    "issues/update-label": {200},
    "issues/delete-label": {204},
    "issues/list-labels-on-issue": {200},
    "issues/add-labels": {200},
    "issues/set-labels": {200},
    "issues/remove-label": {200, 404},
    "issues/remove-all-labels": {204},
    "issues/list-milestones": {200},
    "issues/create-milestone": {201, 422},
    "issues/get-milestone": {200},
    "issues/update-milestone": {200},
    "issues/list-assignees": {200},
    "issues/check-user-can-be-assigned": {204, 404},
    "issues/add-assignees": {201},
    "issues/remove-assignees": {200},
    "issues/list-sub-issues": {200},
    "issues/add-sub-issue": {201, 422},
    "issues/remove-sub-issue": {200},
    "issues/get-parent": {200, 404},
    "search/issues-and-pull-requests": {200, 422},
}


def _drive(sim: GitHubSimulator) -> None:
    """Every endpoint, the way pmflow's code (PyGithub) and a raw client call them."""
    gh = make_github(sim)
    api = sim.api_url
    raw = requests.Session()
    raw.headers["Authorization"] = f"token {TOKEN}"

    assert gh.get_user().login == "bot"
    gh.get_user("alice").name  # noqa: B018 (reading the attribute makes the request)
    gh.get_rate_limit()
    repo = gh.get_repo("acme/web")
    gh.get_repo(repo.id)  # /repositories/{id}

    label = repo.create_label("pmflow:action", "d73a4a", "An action from a post-mortem")
    repo.get_label("pmflow:action")
    list(repo.get_labels())
    label.edit("pmflow:act", "0075ca", "renamed")
    repo.create_label("doomed", "ededed").delete()

    due = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
    milestone = repo.create_milestone("PM-7", description="Actions", due_on=due)
    repo.get_milestone(milestone.number)
    list(repo.get_milestones(state="all", sort="completeness", direction="desc"))
    milestone.edit("PM-7 actions", state="open", description="Actions of PM-7")

    parent = repo.create_issue(
        "Post-mortem: checkout latency",
        body="## Actions\n- [ ] Add alerting @alice due:2026-12-04",
        labels=["postmortem"],
        assignees=["alice"],
        milestone=milestone,
    )
    child = repo.create_issue("Add alerting", body="From the post-mortem", labels=["pmflow:act"])
    list(repo.get_issues(state="all", labels=["postmortem"], sort="updated", direction="asc"))
    list(repo.get_issues(assignee="alice", creator="bot", since=due - dt.timedelta(days=900)))
    child.edit(title="Add alerting on latency", body="Edited", milestone=milestone)
    child.edit(state="closed", state_reason="completed", milestone=None)
    child.edit(state="open")
    assert not repo.get_issue(parent.number).update()  # If-None-Match -> 304
    parent.lock("resolved")
    parent.unlock()

    comment = parent.create_comment("Status: 0 of 1 actions done.")
    list(parent.get_comments())
    list(repo.get_issues_comments(sort="created", direction="asc", since=due - dt.timedelta(900)))
    parent.get_comment(comment.id)
    comment.edit("Status: 1 of 1 actions done.")
    parent.create_comment("temporary").delete()

    parent.add_to_labels("tracked")
    list(parent.get_labels())
    parent.remove_from_labels("tracked")
    parent.set_labels("postmortem", "tracked")
    child.delete_labels()

    list(repo.get_assignees())
    assert repo.has_in_assignees("alice") and not repo.has_in_assignees("mallory")
    parent.add_to_assignees("bob")
    parent.remove_from_assignees("bob")

    parent.add_sub_issue(child.id)
    list(parent.get_sub_issues())
    raw.get(f"{api}/repos/acme/web/issues/{child.number}/parent")
    raw.get(f"{api}/repos/acme/web/issues/{parent.number}/parent")  # 404: not a sub-issue
    parent.remove_sub_issue(child.id)
    parent.add_sub_issue(child.id)

    list(gh.search_issues("checkout repo:acme/web is:issue label:postmortem"))

    # Errors, each a documented answer of its operation.
    other = repo.create_issue("Another parent")
    fails = [
        (lambda: raw.get(f"{api}/user", headers={"Authorization": "token nope"}), 401),
        (lambda: gh.get_user("nobody-here").name, 404),
        (lambda: gh.get_repo("acme/missing"), 404),
        (lambda: repo.get_issue(999), 404),
        (lambda: repo.get_label("missing"), 404),
        (lambda: repo.create_label("pmflow:act", "ffffff"), 422),
        (lambda: repo.create_milestone("PM-7 actions"), 422),
        (lambda: repo.create_issue("Too long", body="x" * 65537), 422),
        (lambda: raw.post(f"{api}/repos/acme/web/issues", json={"body": "no title"}), 422),
        (lambda: parent.edit(assignees=["mallory"]), 422),
        (lambda: parent.create_comment("y" * 65537), 422),
        (lambda: parent.remove_from_labels("never-there"), 404),
        (lambda: other.add_sub_issue(child.id), 422),  # already has a parent
        (lambda: raw.get(f"{api}/search/issues"), 422),  # no q
    ]
    for call, status in fails:
        try:
            result = call()
        except GithubException as e:
            assert e.status == status, (e.status, e.data)
        else:
            assert getattr(result, "status_code", None) == status, result


@pytest.fixture(scope="module")
def exercised() -> Iterator[list[RequestRecord]]:
    with GitHubSimulator() as sim:
        sim.add_user("bot", token=TOKEN)
        sim.add_user("alice", name="Alice")
        sim.add_user("bob")
        sim.add_repo("acme/web", collaborators=["alice", "bob"])
        _drive(sim)
        yield sim.requests


@pytest.fixture(scope="module")
def by_operation(
    openapi: OpenApi, exercised: list[RequestRecord]
) -> dict[str, list[RequestRecord]]:
    ops: dict[str, list[RequestRecord]] = defaultdict(list)
    for record in exercised:
        ops[openapi.operation(record.method, record.path)["operationId"]].append(record)
    return ops


def test_every_served_operation_answered_every_expected_status(
    by_operation: dict[str, list[RequestRecord]],
) -> None:
    got = {op: {r.status for r in records} for op, records in by_operation.items()}
    missing = {op: sorted(s - got.get(op, set())) for op, s in EXPECTED.items()}
    assert not {op: s for op, s in missing.items() if s}
    assert set(got) <= set(EXPECTED), sorted(set(got) - set(EXPECTED))


def _schema_for(openapi: OpenApi, op: dict[str, Any], status: int) -> dict[str, Any] | None:
    """The documented schema; GitHub under-documents errors (README), so an undocumented
    4xx is checked against basic-error, or validation-error for 422."""
    if str(status) in op["responses"]:
        return openapi.response_schema(op, status)
    assert status >= 400, f"{op['operationId']} documents no {status}"
    return openapi.component("validation-error" if status == 422 else "basic-error")


@pytest.mark.parametrize("operation_id", sorted(EXPECTED))
def test_response_bodies_match_the_schema(
    operation_id: str, openapi: OpenApi, by_operation: dict[str, list[RequestRecord]]
) -> None:
    records = by_operation[operation_id]
    assert records
    for record in records:
        op = openapi.operation(record.method, record.path)
        schema = _schema_for(openapi, op, record.status)
        if schema is None or record.status == 304:
            assert record.response is None, f"{record.status} must have no body"
            continue
        errors = openapi.errors(schema, record.response)
        assert not errors, f"{record.method} {record.path} -> {record.status}: {errors[:5]}"


WRITES = sorted(
    op
    for op in EXPECTED
    if op.split("/")[1].startswith(("create", "update", "add", "set", "remove", "lock"))
    and op not in ("issues/remove-label", "issues/remove-all-labels")
)


BARE_LIST_LABELS = ("issues/add-labels", "issues/set-labels")


@pytest.mark.parametrize("operation_id", WRITES)
def test_request_bodies_sent_match_the_schema(
    operation_id: str, openapi: OpenApi, by_operation: dict[str, list[RequestRecord]]
) -> None:
    """What PyGithub sends must be what GitHub accepts (catches PyGithub quirks early)."""
    checked = 0
    for record in by_operation[operation_id]:
        if record.status >= 400 or record.json is None:
            continue  # the error cases send invalid bodies on purpose
        schema = openapi.request_schema(openapi.operation(record.method, record.path))
        assert schema is not None
        body = record.json
        if isinstance(body, list) and operation_id in BARE_LIST_LABELS:
            # PyGithub sends the labels as a bare list; the operation's description says
            # "You can also pass an array of labels directly", which its schema omits.
            body = {"labels": body}
        errors = openapi.errors(schema, body)
        assert not errors, f"{record.method} {record.path} sent {record.json}: {errors[:5]}"
        checked += 1
    assert checked or operation_id in ("issues/lock",)


def test_error_bodies_carry_github_fields(exercised: list[RequestRecord]) -> None:
    errors = [r for r in exercised if r.status >= 400]
    assert errors
    for record in errors:
        assert set(record.response) >= {"message", "documentation_url", "status"}
        assert record.response["status"] == str(record.status)
        assert record.response["documentation_url"].startswith("https://docs.github.com/rest")


def test_every_answer_carries_githubs_headers(
    openapi: OpenApi, exercised: list[RequestRecord]
) -> None:
    for record in exercised:
        op = openapi.operation(record.method, record.path)
        documented = op["responses"].get(str(record.status), {}).get("headers", {})
        headers = record.response_headers
        missing = [h for h in RATE_HEADERS if h not in headers]
        assert not missing, f"{record.method} {record.path}: {missing}"
        assert headers["x-github-api-version-selected"] == "2022-11-28"
        if record.method == "GET" and record.status in (200, 304):
            assert headers["etag"].startswith('"')
        if "Location" in documented:  # create operations (and sub-issue ones) say where
            assert headers["location"].startswith("http://127.0.0.1:"), record.path
        if record.status in (204, 304):
            assert record.response is None and "content-length" not in headers
