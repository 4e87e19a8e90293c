"""GraphQL's createIssue: each action issue created already linked, one write instead of two.

It is the default on every server. The same post-mortem synced through GraphQL and through REST
must end in the same state; a server without GraphQL, or without `parentIssueId`, costs one
GraphQL request per run and gets REST; an ambiguous create is not duplicated.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from pmflow import github
from pmflow.simulator import GitHubSimulator

from .conftest import REPO, REST_ONLY, add_postmortem, body_of, run, state
from .test_faults import FAULTS, SAMPLED, assert_no_duplicates, full_state, run_scenario, seed
from .test_sync import WRITES_IN_FIRST_SYNC, Killed, seed_like

MIXED = body_of("postmortem_mixed.md")
VALID_ACTIONS = 4  # of MIXED's action lines, those that become issues
DEFAULT = {}  # PMFLOW_GRAPHQL unset
ON = {"PMFLOW_GRAPHQL": "1"}


@functools.cache
def rest_end_state() -> dict:
    with GitHubSimulator() as reference:
        seed_like(reference)
        add_postmortem(reference, MIXED)
        assert run(reference, "sync", env=REST_ONLY).exit_code == 0
        return state(reference)


def paths(sim: GitHubSimulator, method: str) -> list[str]:
    return [r.path for r in sim.requests if r.method == method]


def graphql_requests(sim: GitHubSimulator) -> list[Any]:
    return [r for r in sim.requests if r.path == "/graphql"]


def rest_writes(sim: GitHubSimulator) -> list[str]:
    return [r.path for r in sim.writes() if r.path != "/graphql"]


@pytest.mark.parametrize("env", [DEFAULT, ON], ids=["unset", "PMFLOW_GRAPHQL=1"])
def test_actions_are_created_linked_in_one_write_each(sim: GitHubSimulator, env) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    result = run(sim, "sync", env=env)
    assert result.exit_code == 0, result.output
    assert state(sim) == rest_end_state()
    posts = paths(sim, "POST")
    assert posts.count("/graphql") == VALID_ACTIONS
    assert not any(p.endswith("/sub_issues") for p in posts)
    assert f"/repos/{REPO}/issues" not in posts
    assert all(r.status == 200 for r in graphql_requests(sim))
    # REST's first sync writes 13 (test_sync): the four sub-issue links are not needed here.
    assert len(sim.writes()) == WRITES_IN_FIRST_SYNC - VALID_ACTIONS == 9
    sim.clear_log()
    assert run(sim, "sync", env=env).exit_code == 0
    assert sim.writes() == []


def test_pmflow_graphql_0_never_tries_it(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    assert run(sim, "sync", env=REST_ONLY).exit_code == 0
    assert state(sim) == rest_end_state()
    assert graphql_requests(sim) == []
    assert paths(sim, "POST").count(f"/repos/{REPO}/issues/1/sub_issues") == VALID_ACTIONS
    assert f"/repos/{REPO}/issues/1/sub_issues" not in paths(sim, "GET")  # no asking first


def assert_one_graphql_request_then_rest(sim: GitHubSimulator, env: dict[str, str]) -> None:
    """The first sync of several actions: one GraphQL request, every issue created by REST and
    linked by REST, exit 0, the end state of REST; and a rerun writes nothing."""
    result = run(sim, "sync", env=env)
    assert result.exit_code == 0, result.output
    assert len(graphql_requests(sim)) == 1
    posts = rest_writes(sim)
    assert posts.count(f"/repos/{REPO}/issues") == VALID_ACTIONS
    assert posts.count(f"/repos/{REPO}/issues/1/sub_issues") == VALID_ACTIONS
    assert len(posts) == WRITES_IN_FIRST_SYNC  # REST's writes, no more
    assert state(sim) == rest_end_state()
    actions = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
    assert len(actions) == VALID_ACTIONS and all(sim.parent(REPO, i.number) == 1 for i in actions)
    sim.clear_log()
    again = run(sim, "sync", env=env)
    assert again.exit_code == 0, again.output
    assert sim.writes() == []


@pytest.mark.parametrize("answer", ["404", "405", "501", "html"])
@pytest.mark.parametrize("env", [DEFAULT, ON], ids=["unset", "PMFLOW_GRAPHQL=1"])
def test_a_server_without_graphql_gets_rest(sim: GitHubSimulator, answer: str, env) -> None:
    sim.graphql_off_answer = answer
    add_postmortem(sim, MIXED)
    assert_one_graphql_request_then_rest(sim, env)


def test_a_server_without_parent_issue_id_gets_rest(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    sim.graphql_parent_issue_field = False  # an older GitHub Enterprise Server
    add_postmortem(sim, MIXED)
    assert_one_graphql_request_then_rest(sim, DEFAULT)


def test_a_server_whose_graphql_always_fails_gets_rest(sim: GitHubSimulator, monkeypatch) -> None:
    """A 500 may hide a create, so pmflow looks for the issue by its marker first; until GraphQL
    has worked in the run, REST then creates it, and GraphQL is not asked again."""
    monkeypatch.setattr("pmflow.github.time.sleep", lambda seconds: None)
    sim.fail_next(500, mode="refuse", path="^/graphql$", times=100)
    add_postmortem(sim, MIXED)
    assert_one_graphql_request_then_rest(sim, DEFAULT)


def test_the_unknown_argument_is_refused_with_errors_and_no_data(sim: GitHubSimulator) -> None:
    """What the server of the test above answers: a definitive refusal, nothing executed."""
    sim.graphql_enabled = True
    sim.graphql_parent_issue_field = False
    add_postmortem(sim, MIXED)
    assert run(sim, "sync").exit_code == 0
    (answer,) = [r.response for r in graphql_requests(sim)]
    assert "data" not in answer and "parentIssueId" in answer["errors"][0]["message"]


def weekly_run_after_a_rest_sync(sim: GitHubSimulator, env: dict[str, str]) -> Any:
    for title in ("Search stale", "Queue backlog", "Cache stampede"):
        add_postmortem(sim, MIXED, title)
    assert run(sim, "sync", env=REST_ONLY).exit_code == 0
    sim.clear_log()
    return run(sim, "run", "--now", "2026-12-07T09:00:00Z", env=env)


def test_comments_are_read_by_rest_where_graphql_is_missing(sim: GitHubSimulator) -> None:
    """The comments of several post-mortems are read in one request: on a server on this
    machine, a page of REST's listing, before any GraphQL request (which this one would refuse:
    the test below; that it is not asked again in the run: tests/unit/test_github_graphql.py)."""
    result = weekly_run_after_a_rest_sync(sim, DEFAULT)
    assert result.exit_code == 0, result.output
    assert graphql_requests(sim) == []
    # One listing for the sync's problems comments, one of the follow-through's recent window.
    assert paths(sim, "GET").count(f"/repos/{REPO}/issues/comments") == 2
    assert not [p for p in paths(sim, "GET") if p.split("/")[-2].isdigit()]  # none one by one
    with GitHubSimulator() as reference:
        seed_like(reference)
        assert weekly_run_after_a_rest_sync(reference, REST_ONLY).exit_code == 0
        assert state(sim) == state(reference)
        assert len(sim.writes()) == len(reference.writes()) > 0


def test_an_ambiguous_create_is_not_sent_twice(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    fault = sim.fail_next(502, mode="after", method="POST", path="^/graphql$", nth=2)
    result = run(sim, "sync")
    assert result.exit_code == 0, result.output
    assert fault.fired == 1
    assert state(sim) == rest_end_state()


@pytest.mark.parametrize("killed_after", range(1, WRITES_IN_FIRST_SYNC - VALID_ACTIONS + 1))
def test_a_default_run_killed_after_any_write_ends_like_an_uninterrupted_one(
    sim: GitHubSimulator, killed_after: int
) -> None:
    from pmflow.apply import Executor

    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    original = Executor.execute
    done = {"operations": 0}

    def execute_then_die(self, op, pm):  # type: ignore[no-untyped-def]
        result = original(self, op, pm)
        done["operations"] += 1
        if done["operations"] == killed_after:
            raise Killed
        return result

    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        patch.setattr(Executor, "execute", execute_then_die)
        run(sim, "sync")
    assert run(sim, "sync").exit_code == 0
    assert state(sim) == rest_end_state()
    sim.clear_log()
    assert run(sim, "sync").exit_code == 0
    assert sim.writes() == []


@functools.cache
def default_scenario() -> tuple[dict[str, Any], int]:
    """test_faults.py's scenario on the default path of a server with GraphQL: its end state
    and how many createIssue mutations it sends."""
    with GitHubSimulator() as reference:
        reference.graphql_enabled = True
        seed(reference, "acme/reference")
        result = run_scenario(reference, "acme/reference", env=DEFAULT)
        assert result.exit_code == 0, result.output
        mutations = [r for r in reference.writes() if r.path == "/graphql"]
        return full_state(reference, "acme/reference"), len(mutations)


def test_the_default_scenario_ends_as_rests(sim: GitHubSimulator) -> None:
    from .test_faults import reference

    end_state, mutations = default_scenario()
    assert mutations == 5  # one per action issue
    assert end_state == reference()[0]


MUTATIONS = 5
CASES = [(fault, k) for fault in {**FAULTS, **SAMPLED} for k in range(1, MUTATIONS + 1)]


@pytest.mark.parametrize(("fault", "k"), CASES, ids=[f"{f}-{k}" for f, k in CASES])
def test_a_failed_create_through_graphql_is_survived(
    sim: GitHubSimulator, monkeypatch: pytest.MonkeyPatch, fault: str, k: int
) -> None:
    """Each way GitHub's writes fail, at each createIssue mutation: no duplicate, and the next
    run ends where an uninterrupted one does."""
    waits: list[float] = []
    monkeypatch.setattr("pmflow.github.time.sleep", waits.append)
    end_state, _ = default_scenario()
    status, mode, retry_after = {**FAULTS, **SAMPLED}[fault]
    sim.graphql_enabled = True
    seed(sim)
    armed = sim.fail_next(
        status, mode=mode, path="^/graphql$", writes_only=True, nth=k, retry_after=retry_after
    )
    first = run_scenario(sim, env=DEFAULT)
    assert armed.fired == 1
    assert first.exit_code == 0, first.output
    if status in (403, 429):
        assert waits == [retry_after or 60]
    again = run_scenario(sim, env=DEFAULT)
    assert again.exit_code == 0, again.output
    assert full_state(sim) == end_state
    assert_no_duplicates(sim)


def test_the_issue_event_path_finds_an_unlinked_issue_of_a_killed_run(
    sim: GitHubSimulator,
) -> None:
    """`sync --issue N` skips the recent-issues listing only when every line references one of
    pmflow's sub-issues: a line that still names a person's sub-issue must not hide the issue a
    killed run made for it (REST: created, then killed before the link and the rewrite)."""
    import pytest

    from pmflow.apply import Executor
    from pmflow.ops import CreateActionIssue

    theirs = sim.add_issue(REPO, "Flaky index", body="", author="alice").number
    number = add_postmortem(
        sim, f"### Actions\n\n- [ ] #{theirs} Fix the flaky index job @alice due:2026-12-04\n"
    )
    sim.add_sub_issue(REPO, number, theirs)
    original = Executor.execute

    class Killed(BaseException):
        pass

    def execute_then_die(self, op, pm):  # type: ignore[no-untyped-def]
        result = original(self, op, pm)
        if isinstance(op, CreateActionIssue):
            raise Killed
        return result

    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        patch.setattr(Executor, "execute", execute_then_die)
        run(sim, "sync")
    assert run(sim, "sync", "--issue", str(number)).exit_code == 0
    made = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
    assert len(made) == 1  # found again by its marker, not made twice


def test_an_app_token_trusts_the_issues_it_made_through_graphql() -> None:
    """GraphQL names an app `github-actions`, REST `github-actions[bot]`: pmflow must know the
    issues it has just made as its own, or it would make them again."""
    token = "ghs_appInstallationTokenForTests"
    with GitHubSimulator() as sim:
        sim.graphql_enabled = True
        sim.add_user("github-actions[bot]", token=token, type="Bot")
        sim.add_user("alice")
        sim.add_repo(REPO, collaborators=["github-actions[bot]", "alice"])
        sim.add_label(REPO, "postmortem")
        add_postmortem(sim, "### Actions\n\n- [ ] Add alerting @alice due:2026-12-04\n")
        env = {"GITHUB_TOKEN": token}
        for _ in range(2):
            assert run(sim, "sync", env=env).exit_code == 0
        made = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
        assert len(made) == 1 and made[0].author == "github-actions[bot]"
        sim.clear_log()
        assert run(sim, "sync", env=env).exit_code == 0
        assert sim.writes() == []


def quiet_rerun_after(sim: GitHubSimulator, discussion: int) -> int:
    """Two post-mortems with problems, `discussion` comments apart; then a quiet sync.
    Returns the second post-mortem's number."""
    first = add_postmortem(sim, MIXED, "Search stale")
    assert run(sim, "sync").exit_code == 0
    for index in range(discussion):
        sim.add_comment(REPO, first, f"Thought {index}", author="alice")
    second = add_postmortem(sim, MIXED, "Queue backlog")
    assert run(sim, "sync").exit_code == 0
    sim.clear_log()
    assert run(sim, "sync").exit_code == 0
    assert sim.writes() == []
    return second


def test_a_server_not_known_for_graphql_gets_a_rest_page_first(sim: GitHubSimulator) -> None:
    """127.0.0.1 is not github.com: one page of the repository's comments holds both problems
    comments, so no GraphQL request is made, though this server would answer it."""
    sim.graphql_enabled = True
    quiet_rerun_after(sim, discussion=0)
    assert paths(sim, "GET").count(f"/repos/{REPO}/issues/comments") == 1
    assert graphql_requests(sim) == []


@pytest.mark.parametrize("graphql", [True, False], ids=["graphql", "no-graphql"])
def test_what_the_rest_page_does_not_settle_is_read_another_way(
    sim: GitHubSimulator, graphql: bool
) -> None:
    sim.graphql_enabled = graphql
    second = quiet_rerun_after(sim, discussion=120)  # its problems comment is on page 2
    gets = paths(sim, "GET")
    assert gets.count(f"/repos/{REPO}/issues/comments") == 1
    (asked,) = graphql_requests(sim)
    assert asked.status == (200 if graphql else 404)
    # Where GraphQL answered, it read the second post-mortem's comments; elsewhere, REST did.
    one_by_one = [p for p in gets if p.endswith("/comments") and p.split("/")[-2].isdigit()]
    assert one_by_one == ([] if graphql else [f"/repos/{REPO}/issues/{second}/comments"])


def test_where_graphql_is_expected_it_reads_the_problems_comments(
    sim: GitHubSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on github.com: the comments of several post-mortems come from one GraphQL request,
    with no REST listing first."""
    monkeypatch.setattr(github, "_is_loopback", lambda host: False)
    sim.graphql_enabled = True
    quiet_rerun_after(sim, discussion=0)
    (asked,) = graphql_requests(sim)
    assert asked.status == 200 and asked.json["query"].startswith("query IssueComments")
    assert paths(sim, "GET").count(f"/repos/{REPO}/issues/comments") == 0
