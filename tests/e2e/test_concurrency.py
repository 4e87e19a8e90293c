"""Two `pmflow sync` processes at the same moment on one repository, and the run after them.

The workflow's concurrency group prevents this on Actions, but people also run pmflow by hand.
The simulator holds each process's listing of action issues until the other has read it too,
so both find none and both create: the race happens every time, not one run in a hundred.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from pmflow import markers
from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, TOKEN, add_postmortem, run

BODY = """### Actions

- [ ] Add alerting on checkout latency above 500ms @alice due:2026-12-04
- [ ] Canary config changes to 5% of traffic first @bob due:2026-12-18
- [ ] Write the runbook for pool exhaustion @carol due:2026-12-11
- [ ] Review the retry policy due:2026-12-15
"""


def start_sync(sim: GitHubSimulator, cwd: Path) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))},
        "GITHUB_API_URL": sim.api_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "PMFLOW_SECONDS_BETWEEN_REQUESTS": "0",
        "PMFLOW_SECONDS_BETWEEN_WRITES": "0",
    }
    code = "from pmflow.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "sync"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def open_copies(sim: GitHubSimulator) -> Counter[tuple[str | None, str | None]]:
    keys: Counter[tuple[str | None, str | None]] = Counter()
    for issue in sim.issues(REPO):
        marker = markers.find_marker(issue.body or "", "action")
        if marker is not None and issue.author == BOT and issue.state == "open":
            keys[(marker.get("pm"), marker.get("key"))] += 1
    return keys


@pytest.mark.parametrize("also_reread", [False, True], ids=["race", "race-and-rewrite-race"])
def test_two_syncs_at_once_leave_no_duplicate_open(
    sim: GitHubSimulator, tmp_path: Path, also_reread: bool
) -> None:
    """`race-and-rewrite-race` also holds both re-reads of the post-mortem before either
    rewrites it: neither run sees the other's rewrite (the window GitHub cannot close, as it has
    no conditional update of an issue), so the duplicates stay open until the next run."""
    number = add_postmortem(sim, BODY)
    barriers = {
        "listing": threading.Barrier(2, timeout=30),
        "reread": threading.Barrier(2, timeout=30),
    }
    held: Counter[str] = Counter()

    def hold(record) -> None:
        # Each process lists the action issues once before it writes, and reads the post-mortem
        # again right before rewriting it: the first of each waits for the second.
        if record.method != "GET":
            return
        if record.query.get("labels") == "postmortem-action":
            step = "listing"
        elif record.path == f"/repos/{REPO}/issues/{number}" and also_reread:
            step = "reread"
        else:
            return
        if held[step] < 2:
            held[step] += 1
            barriers[step].wait()

    sim.on_request = hold
    first, second = start_sync(sim, tmp_path), start_sync(sim, tmp_path)
    outputs = [p.communicate(timeout=120)[0] for p in (first, second)]
    sim.on_request = None
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert TOKEN not in "".join(outputs)

    made = [i for i in sim.issues(REPO) if i.author == BOT and "postmortem-action" in i.labels]
    created_twice = len(made) - 3  # three lines have an owner and a date
    assert created_twice > 0, "the race did not happen"
    left_open_by_the_race = sum(n - 1 for n in open_copies(sim).values())

    if also_reread:
        assert left_open_by_the_race == created_twice > 0
    assert run(sim, "sync").exit_code == 0
    assert max(open_copies(sim).values()) == 1
    closed = [i for i in sim.issues(REPO) if i.state_reason == "duplicate"]
    assert len(closed) == created_twice
    kept = sorted(i.number for i in sim.issues(REPO) if i.number != number and i.state == "open")
    body = sim.issue(REPO, number).body or ""
    assert (
        sorted(
            int(line.split("#")[1].split()[0]) for line in body.splitlines() if "- [ ] #" in line
        )
        == kept
    )
    assert all(sim.parent(REPO, n) is None for n in (i.number for i in closed))
    assert all(sim.parent(REPO, n) == number for n in kept)
    for duplicate in closed:
        (comment,) = sim.comments(REPO, duplicate.number)
        assert comment.body.splitlines()[1].startswith("Duplicate of #")
    kinds = Counter(
        m.kind
        for c in sim.comments(REPO, number)
        if c.author == BOT
        for m in markers.find_markers(c.body)
    )
    problems_comments = kinds["problems"]
    assert problems_comments == 1
    sim.clear_log()
    assert run(sim, "sync").exit_code == 0
    assert sim.writes() == []
    print(
        f"{'rewrite race' if also_reread else 'race'}: {created_twice} duplicate(s) created, "
        f"{left_open_by_the_race} left open by the racing runs, 0 after the next run; "
        f"{problems_comments} problems comment(s)"
    )
