"""PMFLOW_HTTP_CACHE: GETs sent conditionally, 304s answered from the validators kept last run."""

from __future__ import annotations

from pathlib import Path

from pmflow.simulator import GitHubSimulator

from .conftest import REPO, add_postmortem, body_of, run, state

MIXED = body_of("postmortem_mixed.md")


def test_an_unchanged_repository_costs_no_rate_limit(sim: GitHubSimulator, tmp_path: Path) -> None:
    add_postmortem(sim, MIXED)
    env = {"PMFLOW_HTTP_CACHE": str(tmp_path / "http")}
    for _ in range(2):
        assert run(sim, "sync", env=env).exit_code == 0
    before = state(sim)
    remaining = sim.rate_remaining()
    sim.clear_log()
    assert run(sim, "sync", env=env).exit_code == 0
    assert sim.writes() == []
    statuses = {r.path: r.status for r in sim.requests if r.method == "GET"}
    # A 404 comes with no validator: @outsider, who cannot be assigned, is asked again.
    assert statuses.pop(f"/repos/{REPO}/assignees/outsider") == 404
    assert statuses and set(statuses.values()) == {304}
    assert sim.rate_remaining() == remaining - 1
    assert state(sim) == before


def test_a_changed_issue_is_read_again(sim: GitHubSimulator, tmp_path: Path) -> None:
    number = add_postmortem(sim, MIXED)
    env = {"PMFLOW_HTTP_CACHE": str(tmp_path / "http")}
    for _ in range(2):
        assert run(sim, "sync", env=env).exit_code == 0
    body = sim.issue(REPO, number).body or ""
    added = "- [ ] Page the search team on indexer lag @carol due:2026-12-20\r\n"
    sim.edit_issue(
        REPO, number, body=body.replace("### Report owner", added + "\r\n### Report owner")
    )
    assert run(sim, "sync", env=env).exit_code == 0
    titles = {i.title for i in sim.issues(REPO)}
    assert "Page the search team on indexer lag" in titles


def test_without_the_variable_nothing_is_kept(sim: GitHubSimulator, tmp_path: Path) -> None:
    add_postmortem(sim, MIXED)
    for _ in range(2):
        assert run(sim, "sync").exit_code == 0
    assert not any(r.headers.get("if-none-match") for r in sim.requests if r.path != "/user")
