"""`pmflow demo`, the quick start's command: the whole job on the embedded simulator, no token."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from pmflow.cli import main


def demo(*args: str) -> str:
    result = CliRunner().invoke(main, ["demo", *args], env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_syncs_reruns_idle_and_runs_the_weekly_job() -> None:
    output = demo()
    # Four issues made and linked in their creates (GraphQL, as on github.com): 4 creates, the
    # milestone, the label, the checklist rewrite, the problems comment and its label.
    assert "1 post-mortem(s), 9 write(s), 3 problem(s)" in output
    assert output.count("sub-issue of #1") == 4
    assert "edit the checklist of #1: line 39 references #2;" in output
    assert "A second run changes nothing: 0 write(s)." in output
    assert "comment on #1 (status)" in output
    assert "| **1 done**, 0 open, **3 overdue** of 4 actions." in output
    assert "Running the weekly job again the same day: 0 write(s)." in output


def test_demo_json_is_the_sync_outcome() -> None:
    outcome = json.loads(demo("--json"))
    (postmortem,) = outcome["postmortems"]
    ops = Counter(op["op"] for op in postmortem["operations"])
    assert outcome["writes"] == 9
    assert ops["CreateActionIssue"] == 4
    assert "LinkSubIssue" not in ops
    assert len(postmortem["problems"]) == 3
