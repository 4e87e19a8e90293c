"""Links to similar past post-mortems, end to end: the weekly `pmflow run` comments once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, run

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

POOL = "The orders service's connection pool exceeded the database proxy's connection limit, so the proxy refused new connections. Pool sizes are set per service with no total."
CERT = "The TLS certificate of the public API expired: renewal was manual and no alert watched the expiry date."
NEW_POOL = "After scaling out, the connection pools of all instances added up past the proxy's connection limit and the proxy refused connections."
VENDOR = "The vendor delivered its API six weeks late and the plan had no buffer for it."


@pytest.fixture(autouse=True)
def quiet(isolated_cwd: Path) -> None:
    config = isolated_cwd / ".github" / "pmflow.yml"
    config.parent.mkdir()
    config.write_text("checks:\n  in_sync: false\n")


def body(causes: str) -> str:
    return (
        "### Incident type\n\nOperational incident\n\n### Incident date\n\n2026-11-20\n\n"
        f"### Root causes\n\n{causes}\n\n### Actions\n\n_No response_\n\n"
        "### Report owner\n\n@carol\n\n### Meeting date\n\n2026-11-21\n"
    )


def opened(sim: GitHubSimulator, title: str, causes: str, when: dt.datetime, **kw: object) -> int:
    sim.set_now(when)
    return sim.add_issue(
        REPO, title, body=body(causes), author="carol", labels=["postmortem"], created_at=when, **kw
    ).number


def weekly(sim: GitHubSimulator, *args: str) -> dict:
    sim.set_now(NOW)
    result = run(sim, "run", "--json", *args, env={"PMFLOW_NOW": NOW.isoformat()})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def similar_comments(sim: GitHubSimulator, number: int) -> list[str]:
    return [
        c.body
        for c in sim.comments(REPO, number)
        if c.author == BOT and "<!-- pmflow:similar" in c.body
    ]


def test_a_new_post_mortem_is_linked_once_to_the_similar_past_one(sim: GitHubSimulator) -> None:
    pool = opened(sim, "Orders API 503s", POOL, NOW - dt.timedelta(days=200), state="closed")
    opened(sim, "Certificate expiry", CERT, NOW - dt.timedelta(days=100))
    new = opened(sim, "Profile errors after scaling out", NEW_POOL, NOW - dt.timedelta(hours=20))

    dry = weekly(sim, "--dry-run")
    planned = [
        op for pm in dry["postmortems"] for op in pm["operations"] if op.get("purpose") == "similar"
    ]
    assert [op["issue"] for op in planned] == [new]
    assert similar_comments(sim, new) == []

    weekly(sim)
    (comment,) = similar_comments(sim, new)
    assert f"- #{pool} Orders API 503s (closed): shares `connection" in comment
    assert "Certificate expiry" not in comment
    assert similar_comments(sim, pool) == []  # old post-mortems are never "new"

    sim.clear_log()
    weekly(sim)
    assert len(similar_comments(sim, new)) == 1
    # Known from the one listing of recent comments: no read of the post-mortem's own comments.
    assert not [r for r in sim.requests if r.path == f"/repos/{REPO}/issues/{new}/comments"]


def test_nothing_similar_means_no_comment_and_no_read(sim: GitHubSimulator) -> None:
    opened(sim, "Orders API 503s", POOL, NOW - dt.timedelta(days=200))
    new = opened(sim, "Warehouse integration late", VENDOR, NOW - dt.timedelta(hours=20))
    sim.clear_log()
    weekly(sim)
    assert similar_comments(sim, new) == []
    assert not [r for r in sim.requests if r.path == f"/repos/{REPO}/issues/{new}/comments"]


def test_switched_off_in_the_config(sim: GitHubSimulator, isolated_cwd: Path) -> None:
    (isolated_cwd / ".github" / "pmflow.yml").write_text(
        "checks:\n  in_sync: false\nsimilar:\n  enabled: false\n"
    )
    opened(sim, "Orders API 503s", POOL, NOW - dt.timedelta(days=200))
    new = opened(sim, "Profile errors after scaling out", NEW_POOL, NOW - dt.timedelta(hours=20))
    weekly(sim)
    assert similar_comments(sim, new) == []
