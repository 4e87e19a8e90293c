"""GitHub's limits end to end: waits honoured within bounds, the reserve, the write budget."""

from __future__ import annotations

import json
import re

import pytest

from pmflow.simulator import GitHubSimulator

from .conftest import REPO, add_postmortem, run

TWO_ACTIONS = "### Actions\n\n- [ ] Add alerting @alice due:2026-12-04\n- [ ] Canary config @bob due:2026-12-18\n"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait pmflow decides on, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr("pmflow.github.time.sleep", asked.append)
    return asked


def action_issues(sim: GitHubSimulator) -> list:
    return [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]


def test_secondary_limit_is_waited_out_and_the_run_finishes(sim, waits) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    sim.fail_next(403, mode="refuse", method="POST", path=r"/issues$", retry_after=7)
    sim.fail_next(429, mode="refuse", method="POST", path=r"/sub_issues$")
    result = run(sim, "sync")
    assert result.exit_code == 0, result.output
    assert waits == [7, 60]  # as GitHub asked; a minute when it did not say
    assert len(action_issues(sim)) == 2


def test_a_wait_beyond_the_maximum_stops_cleanly_and_the_next_run_continues(sim, waits) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    sim.fail_next(403, mode="refuse", method="POST", path=r"/issues$", nth=2, retry_after=3600)
    result = run(sim, "sync", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "3600 s" in data["deferred"] and "max_wait_seconds" in data["deferred"]
    assert "Deferred: the rest of #1" in data["deferred"]
    assert data["deferred_postmortems"] == [1]
    assert waits == []
    assert len(action_issues(sim)) == 1
    assert run(sim, "sync").exit_code == 0
    assert len(action_issues(sim)) == 2


def test_primary_limit_exhausted_waits_for_the_reset_when_it_is_near(sim, waits) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    sim.rate_limit(limit=5000, remaining=0, reset_in=20)
    # Time passes while pmflow waits: the budget refills.
    monkeypatch = pytest.MonkeyPatch()

    def wait(seconds: float) -> None:
        waits.append(seconds)
        sim.rate_limit(limit=5000)

    monkeypatch.setattr("pmflow.github.time.sleep", wait)
    try:
        result = run(sim, "sync")
    finally:
        monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert len(waits) == 1 and 19 <= waits[0] <= 22
    assert len(action_issues(sim)) == 2


def test_primary_limit_exhausted_for_long_defers_everything_exit_0(sim, waits) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    sim.rate_limit(limit=5000, remaining=0, reset_in=3000)
    result = run(sim, "sync")
    assert result.exit_code == 0, result.output
    assert "stopped early" in result.output and "primary rate limit" in result.output
    assert "Deferred: everything" in result.output
    assert waits == [] and sim.writes() == []


def test_the_reserve_of_the_primary_limit_stops_writes(sim, waits) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    add_postmortem(sim, "### Actions\n\n- [ ] Rotate keys @carol due:2026-12-20\n")
    sim.rate_limit(limit=5000, remaining=104)  # the reserve is 100
    result = run(sim, "sync")
    assert result.exit_code == 0, result.output
    assert re.search(r"only 9\d of GitHub's 5000 requests an hour", result.output)
    assert "100 in reserve" in result.output
    assert "the rest waits for the next run" in result.output and "up to date" not in result.output
    assert "Deferred: the rest of #1 and 1 more post-mortem(s) (#2)" in result.output
    assert sim.writes() == []
    sim.rate_limit(limit=5000)  # the hour has passed
    assert run(sim, "sync").exit_code == 0
    assert len(action_issues(sim)) == 3


def test_default_write_budget_is_explicit(sim) -> None:
    result = run(sim, "sync", "--help")
    assert "max_writes" in result.output and "200" in result.output


def test_the_write_budget_comes_from_the_config_and_the_option_wins(sim, tmp_path) -> None:
    add_postmortem(sim, TWO_ACTIONS)
    config = tmp_path / "pmflow.yml"
    config.write_text("max_writes: 2\nseconds_between_writes: 0\n")
    result = run(sim, "sync", "--config", str(config))
    assert result.exit_code == 0 and "write budget of 2 spent" in result.output
    assert len(sim.writes()) == 2
    sim.clear_log()
    assert run(sim, "sync", "--config", str(config), "--max-writes", "50").exit_code == 0
    assert len(action_issues(sim)) == 2
