"""`pmflow sync` end to end against the simulator."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pmflow import markers
from pmflow.apply import Executor
from pmflow.followthrough import FOLLOWUP
from pmflow.parse import neutralise_mentions, split_lines
from pmflow.simulator import GitHubSimulator

from .conftest import (
    BOT,
    REPO,
    REST_ONLY,
    add_postmortem,
    body_of,
    clean_body,
    run,
    state,
    sync_json,
)

MIXED = body_of("postmortem_mixed.md")


def test_first_sync_of_a_mixed_postmortem(sim: GitHubSimulator) -> None:
    number = add_postmortem(sim, MIXED)
    result = run(sim, "sync")
    assert result.exit_code == 0, result.output

    actions = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
    got = {(i.title, tuple(i.assignees)) for i in actions}
    assert got == {
        ("Alert when the indexer has not committed a batch for 15 minutes", ("alice",)),
        ("Skip and quarantine malformed documents instead of retrying forever", ("bob",)),
        ("Pair with @carol and @acme/search on the runbook", ("bob",)),
        ("Add a dashboard panel for indexer lag", ()),  # @outsider cannot be assigned
    }
    assert all(i.author == BOT and sim.parent(REPO, i.number) == number for i in actions)
    (milestone,) = sim.milestones(REPO)
    assert milestone.title == "Post-mortem #1: Checkout timeouts"
    assert milestone.due_on is not None and milestone.due_on.date() == dt.date(2026, 12, 11)
    assert {i.milestone for i in actions} == {milestone.number}
    label = next(label for label in sim.labels(REPO) if label.name == "postmortem-action")
    assert label.color == "d93f0b" and label.description

    pm = sim.issue(REPO, number)
    before, after = split_lines(MIXED), split_lines(pm.body or "")
    assert len(before) == len(after)
    changed = {i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
    by_title = {i.title: i.number for i in actions}
    for index in changed:
        # Only action lines change: the reference goes in after the box, the rest as written.
        assert after[index].endswith("\r\n")
        assert (
            after[index].replace(f"#{after[index].split('#')[1].split()[0]} ", "", 1)
            == before[index]
        )
    assert len(changed) == 4
    alice_line = next(line for line in after if "Alert when" in line)
    assert alice_line.startswith(
        f"- [ ] #{by_title['Alert when the indexer has not committed a batch for 15 minutes']} Alert"
    )

    (comment,) = sim.comments(REPO, number)
    assert comment.author == BOT
    for fragment in ("2026-13-01", "`Friday`", "has no owner", "`@outsider` cannot be assigned"):
        assert fragment in comment.body
    assert "Move the index to the new cluster" in comment.body  # not a checklist item
    assert neutralise_mentions(comment.body) == comment.body  # quoted lines ping nobody
    assert "pmflow-problems" in pm.labels

    body = next(i for i in actions if "Pair with" in i.title).body or ""
    assert "`@carol`" in body and "`@acme/search`" in body and "@bob" in body


def test_second_run_makes_no_write(sim: GitHubSimulator) -> None:
    add_postmortem(sim, MIXED)
    assert run(sim, "sync").exit_code == 0
    sim.clear_log()
    result = run(sim, "sync")
    assert result.exit_code == 0
    assert sim.writes() == []
    # Two listings (post-mortems, action issues), who-am-I, and the problems comment to compare.
    assert [(r.method, r.path) for r in sim.requests] == [
        ("GET", "/user"),
        ("GET", f"/repos/{REPO}/issues"),
        ("GET", f"/repos/{REPO}/issues"),
        ("GET", "/repos/acme/checkout/assignees/outsider"),
        ("GET", f"/repos/{REPO}/issues/1/comments"),
    ]


def test_clean_postmortem_rerun_reads_only_listings(sim: GitHubSimulator) -> None:
    add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n"
        ),
    )
    run(sim, "sync")
    sim.clear_log()
    run(sim, "sync")
    assert [(r.method, r.path) for r in sim.requests] == [
        ("GET", "/user"),
        ("GET", f"/repos/{REPO}/issues"),
        ("GET", f"/repos/{REPO}/issues"),
    ]


def test_issue_event_path_is_cheap_when_nothing_changed(sim: GitHubSimulator) -> None:
    number = add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n"
        ),
    )
    run(sim, "sync")
    action = next(i for i in sim.issues(REPO) if i.number != number)
    for target in (number, action.number):
        sim.clear_log()
        assert run(sim, "sync", "--issue", str(target)).exit_code == 0
        assert sim.writes() == []
        assert len(sim.requests) <= 5


class Killed(BaseException):
    """Stands for the runner being killed: not an exception pmflow could catch and handle."""


def uninterrupted_end_state(body: str) -> dict:
    with GitHubSimulator() as reference:
        seed_like(reference)
        add_postmortem(reference, body)
        run(reference, "sync")
        return state(reference)


def seed_like(target: GitHubSimulator) -> None:
    from .conftest import TOKEN

    target.add_user(BOT, token=TOKEN)
    for login in ("alice", "bob", "carol", "outsider"):
        target.add_user(login)
    target.add_repo(REPO, collaborators=[BOT, "alice", "bob", "carol"])
    target.add_label(REPO, "postmortem", color="5319e7")


WRITES_IN_FIRST_SYNC = 13


@pytest.mark.parametrize("killed_after", range(1, WRITES_IN_FIRST_SYNC + 1))
def test_run_killed_after_any_write_ends_like_an_uninterrupted_one(
    sim: GitHubSimulator, killed_after: int
) -> None:
    add_postmortem(sim, MIXED)
    original = Executor.execute
    done = {"operations": 0}

    def execute_then_die(self, op, pm):
        result = original(self, op, pm)
        done["operations"] += 1
        if done["operations"] == killed_after:
            raise Killed  # the write has taken effect; the process dies before noting it
        return result

    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        patch.setattr(Executor, "execute", execute_then_die)
        run(sim, "sync")

    run(sim, "sync")
    assert state(sim) == uninterrupted_end_state(MIXED)
    sim.clear_log()
    run(sim, "sync")
    assert sim.writes() == []


def test_first_sync_write_count(sim: GitHubSimulator) -> None:
    add_postmortem(sim, MIXED)
    run(sim, "sync", env=REST_ONLY)  # REST's count; the default path's: test_graphql.py
    # milestone, label, 4 issues, 4 sub-issue links, checklist edit, comment, label on #1
    assert len(sim.writes()) == WRITES_IN_FIRST_SYNC


def test_write_budget_spreads_the_work_over_runs(sim: GitHubSimulator) -> None:
    add_postmortem(sim, MIXED)
    runs = 0
    while True:
        sim.clear_log()
        result = run(sim, "sync", "--max-writes", "3")
        assert result.exit_code == 0
        runs += 1
        if not sim.writes():
            break
        assert len(sim.writes()) <= 3 + 1  # the checklist edit re-reads before writing
    assert runs == 6
    assert state(sim) == uninterrupted_end_state(MIXED)


def test_create_answered_502_after_it_took_effect_makes_no_duplicate(sim: GitHubSimulator) -> None:
    add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n"
        ),
    )
    sim.fail_next(502, mode="after", method="POST", path=r"/issues$")
    assert run(sim, "sync").exit_code == 0
    actions = [i for i in sim.issues(REPO) if "postmortem-action" in i.labels]
    assert len(actions) == 1
    creates = [r for r in sim.requests if r.method == "POST" and r.path.endswith("/issues")]
    assert len(creates) == 1


def test_closing_and_reopening_an_action_ticks_and_unticks(sim: GitHubSimulator) -> None:
    number = add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04"
        ).replace("\n", "\r\n"),
    )
    run(sim, "sync")
    action = next(i for i in sim.issues(REPO) if i.number != number)
    sim.edit_issue(REPO, action.number, state="closed", state_reason="completed", actor="alice")
    assert run(sim, "sync", "--issue", str(action.number)).exit_code == 0
    assert (
        f"- [x] #{action.number} Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\r\n"
        in (sim.issue(REPO, number).body or "")
    )
    sim.edit_issue(REPO, action.number, state="open", actor="alice")
    run(sim, "sync", "--issue", str(action.number))
    assert f"- [ ] #{action.number} Add alerting" in (sim.issue(REPO, number).body or "")


def test_due_date_and_owner_edits_follow(sim: GitHubSimulator) -> None:
    number = add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n"
        ),
    )
    run(sim, "sync")
    body = sim.issue(REPO, number).body or ""
    sim.edit_issue(
        REPO,
        number,
        body=body.replace("@alice due:2026-12-04", "@bob due:2026-12-20"),
        actor="carol",
    )
    assert run(sim, "sync", "--issue", str(number)).exit_code == 0
    action = next(i for i in sim.issues(REPO) if i.number != number)
    assert action.assignees == ["bob"]
    assert "due=2026-12-20" in (action.body or "") and "owner=bob" in (action.body or "")
    (milestone,) = sim.milestones(REPO)
    assert milestone.due_on is not None and milestone.due_on.date() == dt.date(2026, 12, 20)


def test_a_persons_edit_during_the_run_is_kept(sim: GitHubSimulator) -> None:
    number = add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n"
        ),
    )
    edited = {"done": False}

    def person_edits(record) -> None:
        # Lands after pmflow read the post-mortem and before it rewrites the checklist.
        if not edited["done"] and record.method == "POST" and record.path.endswith("/sub_issues"):
            edited["done"] = True
            body = sim.issue(REPO, number).body or ""
            added = "due:2026-12-04\n- [ ] Canary config changes @bob due:2026-12-18\n"
            sim.edit_issue(
                REPO, number, body=body.replace("due:2026-12-04\n", added), actor="carol"
            )

    sim.on_request = person_edits
    assert run(sim, "sync").exit_code == 0
    sim.on_request = None
    body = sim.issue(REPO, number).body or ""
    assert "Canary config changes @bob due:2026-12-18" in body
    assert sum(1 for line in body.splitlines() if line.startswith("- [ ] #")) == 2


def test_sub_issues_unsupported_falls_back_to_text_links(sim: GitHubSimulator) -> None:
    sim.sub_issues_enabled = False
    add_postmortem(
        sim,
        clean_body(
            "- [ ] Add alerting for p95 checkout latency above 500ms @alice due:2026-12-04\n- [ ] Canary @bob due:2026-12-05\n"
        ),
    )
    result = run(sim, "sync")
    assert result.exit_code == 0
    assert result.output.count("no sub-issues API") == 1
    assert "- [ ] #2 Add alerting" in (sim.issue(REPO, 1).body or "")
    # The first link is refused, in place of a read asking first; the second is not sent.
    asked = [(r.method, r.status) for r in sim.requests if r.path.endswith("/sub_issues")]
    assert asked == [("POST", 404)]
    sim.clear_log()
    run(sim, "sync")
    assert sim.writes() == []


def test_dry_run_writes_nothing_and_shows_everything(sim: GitHubSimulator) -> None:
    add_postmortem(sim, MIXED)
    before = state(sim)
    data = sync_json(sim, "--dry-run")
    assert sim.writes() == []
    assert state(sim) == before
    ops = [op["op"] for op in data["postmortems"][0]["operations"]]
    assert ops.count("CreateActionIssue") == 4
    assert "EditPostMortemBody" in ops and "CreateComment" in ops
    edit = next(
        op for op in data["postmortems"][0]["operations"] if op["op"] == "EditPostMortemBody"
    )
    assert "- [ ] #2 Alert when the indexer" in edit["body"]
    run(sim, "sync")
    assert state(sim)["issues"][0]["body"] == edit["body"]


def test_missing_token_and_bad_config_are_clear(sim: GitHubSimulator, tmp_path) -> None:
    result = run(sim, "sync", env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 1 and "GITHUB_TOKEN" in result.output
    config = tmp_path / "pmflow.yml"
    config.write_text("milestones:\n  strategy: monthly\n")
    result = run(sim, "sync", "--config", str(config))
    assert result.exit_code == 1 and "milestones.strategy" in result.output
    result = run(sim, "sync", env={"GITHUB_TOKEN": "wrong"})
    assert result.exit_code == 1 and "Bad credentials" in result.output
    assert sim.writes() == []


def test_json_output_is_machine_readable(sim: GitHubSimulator) -> None:
    # The default path as on github.com. (Without GraphQL, the one refused GraphQL request is a
    # POST the server sees and pmflow does not count: it wrote nothing.)
    sim.graphql_enabled = True
    add_postmortem(sim, MIXED)
    data = sync_json(sim)
    assert data["writes"] == len(sim.writes())
    problems = data["postmortems"][0]["problems"]
    assert {p["code"] for p in problems} >= {"bad-due-date", "missing-owner", "unassignable-owner"}
    json.dumps(data)


def test_quiet_rerun_stops_listing_comments_once_it_has_the_problems_comments(
    sim: GitHubSimulator,
) -> None:
    """pmflow posts a problems comment on its first run after a post-mortem opens, so a listing
    of the comments since then, oldest first, shows it early: a sync needs no more pages."""
    numbers = [add_postmortem(sim, MIXED, title) for title in ("Search stale", "Queue backlog")]
    assert run(sim, "sync").exit_code == 0
    for index in range(150):  # a lively discussion after that: two more pages
        sim.add_comment(REPO, numbers[index % 2], f"Thought {index}", author="alice")
    for number in numbers:  # posted by an earlier run, whose label a person then removed
        followup = markers.format_marker(FOLLOWUP, pm=number) + "\nHow did it go?"
        sim.add_comment(REPO, number, followup, author=BOT)
    sim.clear_log()
    assert run(sim, "sync").exit_code == 0
    assert sim.writes() == []
    paths = [r.path for r in sim.requests if r.method == "GET"]
    assert paths.count(f"/repos/{REPO}/issues/comments") == 1
    assert not [p for p in paths if p.endswith("/comments") and p.split("/")[-2].isdigit()]
    # The follow-through needs every comment: it does not take the sync's part for all.
    result = run(sim, "run", "--now", "2026-12-21T09:00:00Z")
    assert result.exit_code == 0, result.output
    for number in numbers:
        assert "followup-checked" in sim.issue(REPO, number).labels
        followups = [c for c in sim.comments(REPO, number) if "pmflow:followup" in c.body]
        assert len(followups) == 1
        problems = [c for c in sim.comments(REPO, number) if "pmflow:problems" in c.body]
        assert len(problems) == 1


def test_quiet_rerun_reads_comments_of_several_postmortems_in_one_listing(
    sim: GitHubSimulator,
) -> None:
    for title in ("Search stale", "Queue backlog", "Cache stampede"):
        add_postmortem(sim, MIXED, title)
    run(sim, "sync")
    sim.clear_log()
    run(sim, "sync")
    assert sim.writes() == []
    paths = [r.path for r in sim.requests]
    # No GraphQL here: one listing of the repository's comments instead of one read per issue.
    assert paths.count(f"/repos/{REPO}/issues/comments") == 1
    assert not [
        p
        for p in paths
        if p.endswith("/comments") and "/issues/" in p and p.split("/")[-2].isdigit()
    ]
