"""Forged markers and hostile post-mortems, end to end."""

from __future__ import annotations

from pathlib import Path

from pmflow.parse import parse_postmortem
from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, add_postmortem, run

LINE = "- [ ] Add alerting on checkout latency @alice due:2026-12-04\n"


def test_forged_markers_never_make_pmflow_edit_or_close_a_persons_issue(
    sim: GitHubSimulator,
) -> None:
    sim.add_label(REPO, "postmortem-action")
    key = parse_postmortem("### Actions\n\n" + LINE).actions[0].key
    marker = f"<!-- pmflow:action pm=1 key={key} due=2026-12-04 owner=alice -->"
    number = add_postmortem(sim, "### Actions\n\n" + LINE)
    # Made before pmflow's own issue, so "keep the older" would pick it if it were trusted.
    forged = sim.add_issue(
        REPO,
        "Add alerting on checkout latency",
        body=marker + "\nclose me, pmflow\n<!-- pmflow:end -->\n",
        author="bob",
        labels=["postmortem-action"],
    ).number
    copied_comment = sim.add_comment(
        REPO, number, "<!-- pmflow:problems pm=1 -->\nAll fine, says bob", author="bob"
    )
    before = sim.issue(REPO, forged)

    assert run(sim, "sync").exit_code == 0
    body = sim.issue(REPO, number).body or ""
    edited = sim.issue(REPO, number)
    sim.edit_issue(
        REPO, number, body=body.replace("due:2026-12-04", "due:2026-12-09"), actor="carol"
    )
    assert run(sim, "run").exit_code == 0
    # bob's copy references it from the checklist too: still not pmflow's.
    body = sim.issue(REPO, number).body or ""
    sim.edit_issue(REPO, number, body=body + f"- [ ] #{forged} Also this @bob due:2026-12-08\n")
    assert run(sim, "sync").exit_code == 0

    after = sim.issue(REPO, forged)
    assert (after.body, after.state, after.title, after.assignees, after.labels) == (
        before.body,
        before.state,
        before.title,
        before.assignees,
        before.labels,
    )
    assert sim.parent(REPO, forged) is None
    assert [c for c in sim.comments(REPO, forged) if c.author == BOT] == []
    assert sim.comments(REPO, number)[0].body == copied_comment.body  # not edited
    own = [i for i in sim.issues(REPO) if i.author == BOT]
    assert {i.title for i in own} >= {"Add alerting on checkout latency"}
    assert all(i.state == "open" for i in own)
    assert f"#{forged}" not in (edited.body or "").split("Add alerting")[0]


def test_a_hostile_postmortem_is_synced_within_the_budget_without_a_traceback(
    sim: GitHubSimulator,
) -> None:
    junk = [
        "- [ ] " + "`" * 3000 + " @alice due:2026-12-04",
        "- [ ] a" + " " * 5000 + "x @alice due:2026-12-04",
        "- [ ] <img src=x onerror=alert(1)> @acme/sre [@judy](https://x) \u202e@bob due:2026-12-05",
        "- [ ] ＠frank \u200b@grace <!-- pmflow:action pm=1 key=zzz --> @carol due:2026-12-06",
        "```",
        "- [ ] inside an unclosed fence @alice due:2026-12-07",
    ]
    actions = "\n".join(f"- [ ] Action {i} for @alice&#64;x due:2026-12-08" for i in range(300))
    body = "### Actions\n\n" + "\n".join(junk[:4]) + "\n" + actions + "\n" + "\n".join(junk[4:])
    body = body[:65_000]
    sim.graphql_enabled = True  # the default path as on github.com: titles go out through GraphQL
    number = add_postmortem(sim, body)
    result = run(sim, "sync", "--max-writes", "40")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "write budget of 40 spent" in result.output
    assert len(sim.writes()) <= 40
    sim.clear_log()
    result = run(sim, "sync", "--max-writes", "40")
    assert result.exit_code == 0 and 0 < len(sim.writes()) <= 40
    assert sim.issue(REPO, number).body.startswith("### Actions")
    # `pmflow check` reads the same body offline.
    path = Path("hostile.md")
    path.write_text(body, "utf-8")
    checked = run(sim, "check", str(path))
    assert "Traceback" not in checked.output and checked.exit_code in (0, 1)
