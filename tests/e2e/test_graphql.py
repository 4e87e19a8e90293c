"""GraphQL's createIssue: each action issue created already linked, one write instead of two.

The same post-mortem synced through GraphQL and through REST must end in the same state; servers
without GraphQL, or without `parentIssueId`, get REST; an ambiguous create is not duplicated.
"""

from __future__ import annotations

from pmflow.simulator import GitHubSimulator

from .conftest import REPO, add_postmortem, body_of, run, state
from .test_sync import seed_like

MIXED = body_of("postmortem_mixed.md")
GRAPHQL = {"PMFLOW_GRAPHQL": "1"}


def rest_end_state() -> dict:
    with GitHubSimulator() as reference:
        seed_like(reference)
        add_postmortem(reference, MIXED)
        assert run(reference, "sync").exit_code == 0
        return state(reference)


def paths(sim: GitHubSimulator, method: str) -> list[str]:
    return [r.path for r in sim.requests if r.method == method]


def test_actions_are_created_linked_in_one_write_each(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    result = run(sim, "sync", env=GRAPHQL)
    assert result.exit_code == 0, result.output
    assert state(sim) == rest_end_state()
    posts = paths(sim, "POST")
    assert posts.count("/graphql") == 4  # the four valid actions
    assert not any(p.endswith("/sub_issues") for p in posts)
    assert f"/repos/{REPO}/issues" not in posts
    assert all(r.status == 200 for r in sim.requests if r.path == "/graphql")
    sim.clear_log()
    assert run(sim, "sync", env=GRAPHQL).exit_code == 0
    assert sim.writes() == []


def test_a_server_without_parent_issue_id_gets_rest(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    sim.graphql_parent_issue_field = False  # an older GitHub Enterprise Server
    add_postmortem(sim, MIXED)
    assert run(sim, "sync", env=GRAPHQL).exit_code == 0
    assert state(sim) == rest_end_state()
    assert paths(sim, "POST").count("/graphql") == 1  # tried once, then REST for the run


def test_a_server_without_graphql_gets_rest(sim: GitHubSimulator) -> None:
    add_postmortem(sim, MIXED)
    assert run(sim, "sync", env=GRAPHQL).exit_code == 0
    assert state(sim) == rest_end_state()
    graphql = [r for r in sim.requests if r.path == "/graphql"]
    assert [r.status for r in graphql] == [404]


def test_graphql_is_not_tried_on_other_servers_unless_asked(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    assert run(sim, "sync").exit_code == 0
    assert "/graphql" not in paths(sim, "POST")


def test_an_ambiguous_create_is_not_sent_twice(sim: GitHubSimulator) -> None:
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    fault = sim.fail_next(502, mode="after", method="POST", path="^/graphql$", nth=2)
    result = run(sim, "sync", env=GRAPHQL)
    assert result.exit_code == 0, result.output
    assert fault.fired == 1
    assert state(sim) == rest_end_state()


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
        env = {**GRAPHQL, "GITHUB_TOKEN": token}
        for _ in range(2):
            assert run(sim, "sync", env=env).exit_code == 0
        made = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
        assert len(made) == 1 and made[0].author == "github-actions[bot]"
        sim.clear_log()
        assert run(sim, "sync", env=env).exit_code == 0
        assert sim.writes() == []
