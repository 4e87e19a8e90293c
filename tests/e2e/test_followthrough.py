"""Several weeks of a post-mortem's life, with the clock set by PMFLOW_NOW and the simulator."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, add_postmortem, run

BODY = """### Incident type

Operational incident

### Incident date

2026-11-16

### Actions

- [ ] Add alerting on the indexer lag @alice due:2026-11-25
- [ ] Quarantine malformed documents @bob due:2026-12-04

### Report owner

@carol

### Meeting date

2026-11-18
"""


@pytest.fixture(autouse=True)
def without_report_advice(isolated_cwd: Path) -> None:
    # These scenarios are about the follow-through; the report-quality advice is tested elsewhere.
    config = isolated_cwd / ".github" / "pmflow.yml"
    config.parent.mkdir()
    config.write_text("checks:\n  in_sync: false\n")


def at(sim: GitHubSimulator, when: str, *args: str) -> list[str]:
    """Run pmflow at `when` (UTC); return what it wrote, as `METHOD path` lines."""
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
    sim.set_now(moment)
    sim.clear_log()
    result = run(sim, *(args or ("run",)), env={"PMFLOW_NOW": moment.isoformat()})
    assert result.exit_code == 0, result.output
    return [f"{r.method} {r.path}" for r in sim.writes()]


def comments_with(sim: GitHubSimulator, number: int, kind: str) -> list[str]:
    return [
        c.body
        for c in sim.comments(REPO, number)
        if c.author == BOT and f"<!-- pmflow:{kind}" in c.body
    ]


def test_weeks_of_a_postmortem(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))
    pm = add_postmortem(sim, BODY)

    # Monday of week 48: actions become issues, and the first weekly status is posted.
    writes = at(sim, "2026-11-23T08:00:00")
    alert, quarantine = sorted(i.number for i in sim.issues(REPO) if i.number != pm)
    (status,) = comments_with(sim, pm, "status")
    assert "week=2026-W48" in status and "In the past week" in status
    assert f"| #{alert} | Add alerting on the indexer lag | `alice` | 2026-11-25 | open |" in status
    assert (
        "```mermaid\npie showData\n    title Actions by state\n" in status
        and '"Open" : 2' in status
    )
    assert "@alice" not in status.replace("`alice`", "")  # the weekly table pings nobody
    assert at(sim, "2026-11-23T09:00:00") == []
    assert at(sim, "2026-11-24T08:00:00") == []  # same ISO week: no second status

    # Thursday: the first action is one day past its date.
    writes = at(sim, "2026-11-26T08:00:00")
    assert sorted(writes) == sorted(
        [
            f"POST /repos/{REPO}/issues/{alert}/labels",
            f"POST /repos/{REPO}/issues/{alert}/comments",
        ]
    )
    (reminder,) = comments_with(sim, alert, "overdue")
    assert (
        reminder.startswith("<!-- pmflow:overdue")
        and "@alice" in reminder
        and "@carol" not in reminder
    )
    assert "was due on **2026-11-25**" in reminder
    assert "overdue" in sim.issue(REPO, alert).labels
    assert at(sim, "2026-11-26T15:00:00") == []

    # Next Monday: one new status, saying what changed; no repeat reminder within the week.
    writes = at(sim, "2026-11-30T08:00:00")
    assert writes == [f"POST /repos/{REPO}/issues/{pm}/comments"]
    status = comments_with(sim, pm, "status")[-1]
    assert "week=2026-W49" in status and f"now overdue: #{alert}" in status
    assert "| 5 |" in status and '"Overdue" : 1' in status

    # A week after the first reminder, the second; still no escalation.
    assert at(sim, "2026-12-03T08:00:00") == [f"POST /repos/{REPO}/issues/{alert}/comments"]
    assert "@carol" not in comments_with(sim, alert, "overdue")[-1]

    # Saturday: the second action is past its date; labelled, but reminders wait for a workday.
    assert at(sim, "2026-12-05T08:00:00") == [f"POST /repos/{REPO}/issues/{quarantine}/labels"]

    # Monday: status, and the reminder that waited for the weekend to end.
    writes = at(sim, "2026-12-07T08:00:00")
    assert sorted(writes) == sorted(
        [
            f"POST /repos/{REPO}/issues/{pm}/comments",
            f"POST /repos/{REPO}/issues/{quarantine}/comments",
        ]
    )

    # 21 days after the meeting: the follow-up check, once.
    writes = at(sim, "2026-12-09T08:00:00")
    assert sorted(writes) == sorted(
        [
            f"POST /repos/{REPO}/issues/{pm}/comments",
            f"POST /repos/{REPO}/issues/{pm}/labels",
        ]
    )
    (followup,) = comments_with(sim, pm, "followup")
    assert "Still open" in followup and f"#{alert}" in followup
    assert "followup-checked" in sim.issue(REPO, pm).labels
    assert at(sim, "2026-12-09T10:00:00") == []

    # Fifteen days overdue: the third reminder includes the report owner.
    at(sim, "2026-12-10T08:00:00")
    third = comments_with(sim, alert, "overdue")[-1]
    assert "@alice" in third and "@carol" in third
    assert len(comments_with(sim, alert, "overdue")) == 3

    # Both actions are closed: boxes ticked, labels off, completion with the impact checklist.
    sim.set_now(dt.datetime(2026, 12, 11, 9, tzinfo=dt.UTC))
    for number in (alert, quarantine):
        sim.edit_issue(REPO, number, state="closed", state_reason="completed", actor="alice")
    at(sim, "2026-12-11T10:00:00")
    body = sim.issue(REPO, pm).body or ""
    assert f"- [x] #{alert} Add alerting" in body and f"- [x] #{quarantine} Quarantine" in body
    assert all("overdue" not in sim.issue(REPO, n).labels for n in (alert, quarantine))
    (completion,) = comments_with(sim, pm, "completion")
    assert f"- [ ] #{alert} had the intended effect" in completion
    assert "actions-complete" in sim.issue(REPO, pm).labels
    assert at(sim, "2026-12-14T08:00:00") == []  # no weekly status once everything is closed

    # The report owner ticks the impact boxes: verified, thanked, closed.
    completion_comment = next(c for c in sim.comments(REPO, pm) if "pmflow:completion" in c.body)
    sim.edit_comment(REPO, completion_comment.id, completion_comment.body.replace("- [ ]", "- [x]"))
    at(sim, "2026-12-15T08:00:00")
    issue = sim.issue(REPO, pm)
    assert issue.state == "closed" and "impact-verified" in issue.labels
    assert len(comments_with(sim, pm, "verified")) == 1
    assert at(sim, "2026-12-15T09:00:00") == []
    assert at(sim, "2026-12-21T08:00:00") == []


def test_a_skipped_week_catches_up_once(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))
    pm = add_postmortem(sim, BODY)
    at(sim, "2026-11-23T08:00:00")
    # The schedule was dropped for a week and runs late, on a Wednesday.
    writes = at(sim, "2026-12-09T20:00:00")
    statuses = comments_with(sim, pm, "status")
    assert len(statuses) == 2 and "week=2026-W50" in statuses[-1]
    alert = min(i.number for i in sim.issues(REPO) if i.number != pm)
    assert len(comments_with(sim, alert, "overdue")) == 1  # one reminder, not one per missed slot
    assert f"POST /repos/{REPO}/issues/{pm}/comments" in writes


def test_each_part_has_its_own_command(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))
    pm = add_postmortem(sim, BODY)
    at(sim, "2026-11-20T08:00:00", "sync")
    assert at(sim, "2026-11-26T08:00:00", "status") == [f"POST /repos/{REPO}/issues/{pm}/comments"]
    writes = at(sim, "2026-11-26T08:00:00", "overdue")
    assert len(writes) == 2 and all("/issues/2/" in w for w in writes)
    assert at(sim, "2026-11-26T08:00:00", "followup") == []
    assert at(sim, "2026-11-26T08:00:00", "run") == []


def test_dry_run_shows_the_comments_and_writes_nothing(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))
    add_postmortem(sim, BODY)
    at(sim, "2026-11-23T08:00:00", "sync")
    sim.clear_log()
    result = run(sim, "run", "--dry-run", "--json", env={"PMFLOW_NOW": "2026-11-26T08:00:00Z"})
    assert sim.writes() == []
    assert '"purpose": "overdue"' in result.stdout and '"purpose": "status"' in result.stdout


def test_meeting_nudges_by_incident_type(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    operational = add_postmortem(
        sim,
        "### Incident type\n\nOperational incident\n\n### Incident date\n\n2026-11-20\n\n### Report owner\n\n@carol\n\n### Meeting date\n\n_No response_\n",
        "Queue outage",
    )
    project = add_postmortem(
        sim,
        "### Incident type\n\nProject or delivery failure\n\n### Incident date\n\n2026-11-20\n\n### Report owner\n\n@bob\n",
        "Late launch",
    )
    assert at(sim, "2026-11-22T23:00:00") == []  # 71 hours: not yet
    writes = at(sim, "2026-11-23T01:00:00")
    assert writes == [f"POST /repos/{REPO}/issues/{operational}/comments"]
    (nudge,) = comments_with(sim, operational, "nudge")
    assert nudge.count("@carol") == 1 and "72 hours" in nudge
    assert at(sim, "2026-11-24T08:00:00") == []
    writes = at(sim, "2026-11-27T08:00:00")
    assert writes == [f"POST /repos/{REPO}/issues/{project}/comments"]
    assert "@bob" in comments_with(sim, project, "nudge")[0]
    assert at(sim, "2026-11-30T08:00:00") == []


def test_no_actions_a_week_after_the_meeting(sim: GitHubSimulator) -> None:
    sim.set_now(dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC))
    pm = add_postmortem(
        sim,
        "### Incident type\n\nOther\n\n### Actions\n\n_No response_\n\n### Report owner\n\n@carol\n\n### Meeting date\n\n2026-11-18\n",
    )
    assert at(sim, "2026-11-24T08:00:00") == []
    assert at(sim, "2026-11-25T08:00:00") == [f"POST /repos/{REPO}/issues/{pm}/comments"]
    assert "no action is recorded" in comments_with(sim, pm, "nudge")[0]
    assert at(sim, "2026-11-26T08:00:00") == []


def test_deadline_policy_dates_undated_actions_in_the_line(sim: GitHubSimulator, tmp_path) -> None:
    config = tmp_path / "pmflow.yml"
    config.write_text("due_days_by_severity:\n  SEV1: 15\n  SEV2: 30\n")
    sim.set_now(dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC))
    pm = add_postmortem(
        sim,
        "### Severity\n\nSEV2\n\n### Incident date\n\n2026-11-16\n\n### Actions\n\n- [ ] Add alerting @alice\n",
    )
    sim.clear_log()
    result = run(sim, "sync", "--config", str(config), env={"PMFLOW_NOW": "2026-11-19T10:00:00Z"})
    assert result.exit_code == 0, result.output
    body = sim.issue(REPO, pm).body or ""
    assert re.search(r"- \[ \] #\d+ Add alerting @alice due:2026-12-16\n", body)
    sim.clear_log()
    run(sim, "sync", "--config", str(config))
    assert sim.writes() == []
