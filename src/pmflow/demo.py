"""`pmflow demo`: pmflow's main jobs on the built-in GitHub simulator, no token, no network.

The simulated clock starts the day after the post-mortem meeting: `pmflow sync` turns its actions
into issues; then the clock moves on three weeks and the weekly `pmflow run` posts the status,
reminds the owners of overdue actions and asks the follow-up question.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import click

from pmflow.config import from_mapping
from pmflow.followthrough import Clock
from pmflow.github import GitHubRepo
from pmflow.render import Renderer
from pmflow.report import print_sync_outcome
from pmflow.simulator import GitHubSimulator
from pmflow.sync import run, sync

REPOSITORY = "acme/checkout"
BOT = "pmflow-bot"
DEMO_TOKEN = "demo-token-not-secret"
TEAM = ("alice", "bob", "carol")
OPENED = dt.datetime(2026, 11, 19, 9, 0, tzinfo=dt.UTC)
WEEKLY_RUN = dt.datetime(2026, 12, 14, 7, 0, tzinfo=dt.UTC)  # a Monday, three weeks on


@contextmanager
def _no_pacing() -> Iterator[None]:
    # The simulator has no rate limits to respect; GitHub itself keeps pmflow's default pacing.
    saved = {
        k: os.environ.get(k)
        for k in ("PMFLOW_SECONDS_BETWEEN_REQUESTS", "PMFLOW_SECONDS_BETWEEN_WRITES")
    }
    os.environ.update({k: "0" for k in saved})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def seed(sim: GitHubSimulator) -> int:
    """A repository with one realistic post-mortem; returns its issue number."""
    sim.set_now(OPENED)
    sim.add_user(BOT, token=DEMO_TOKEN)
    for login in (*TEAM, "dave-contractor"):
        sim.add_user(login)
    sim.add_repo(REPOSITORY, collaborators=[BOT, *TEAM])
    sim.add_label(REPOSITORY, "postmortem", color="5319e7", description="A blameless post-mortem")
    body = resources.files("pmflow").joinpath("data/demo/postmortem.md").read_bytes().decode()
    issue = sim.add_issue(
        REPOSITORY,
        "Post-mortem: checkout timeouts after connection pool change",
        body=body,
        author="carol",
        labels=["postmortem"],
    )
    return issue.number


def run_demo(as_json: bool = False) -> None:
    with GitHubSimulator() as sim, _no_pacing():
        sim.graphql_enabled = True  # as on github.com: each action issue is linked as it is made
        number = seed(sim)
        repo = GitHubRepo(REPOSITORY, DEMO_TOKEN, sim.api_url)
        config = from_mapping({})
        if not as_json:
            click.echo(
                f"Simulated GitHub at {sim.api_url}; post-mortem #{number} in {REPOSITORY}.\n"
            )
        outcome = sync(repo, config, Renderer())
        if as_json:
            click.echo(json.dumps(outcome.as_json(), indent=2))
            return
        print_sync_outcome(outcome, f"sync {REPOSITORY}")

        click.echo("\nAction issues now on the simulated GitHub:")
        actions = repo.list_issues([config.action_label["name"]])
        for issue in sorted(actions, key=lambda i: i.number):
            owner = ", ".join(f"@{a}" for a in issue.assignees) or "unassigned"
            milestone = issue.milestone.title if issue.milestone else "none"
            due = issue.milestone.due_on if issue.milestone else None
            click.echo(f"  #{issue.number} {issue.title}")
            click.echo(f"      owner {owner}; milestone {milestone!r}, due {due}")
            click.echo(f"      sub-issue of #{issue.parent_number}")

        click.echo(f"\nThe checklist of #{number}, as pmflow left it:")
        for line in outcome.postmortems[0].checklist:
            click.echo(f"  {line}")

        for comment in sim.comments(REPOSITORY, number):
            click.echo(f"\nThe comment pmflow keeps on #{number}:\n")
            click.echo("\n".join(f"  | {line}" for line in comment.body.splitlines()))

        second = sync(repo, config, Renderer())
        click.echo(f"\nA second run changes nothing: {second.writes} write(s).")

        # Three weeks later, #3 was done on time; the weekly job comes round.
        sim.set_now(dt.datetime(2026, 12, 10, 16, 0, tzinfo=dt.UTC))
        sim.edit_issue(REPOSITORY, 3, state="closed", state_reason="completed", actor="bob")
        sim.set_now(WEEKLY_RUN)
        weekly = run(repo, config, Renderer(), Clock(WEEKLY_RUN, config.zone))
        click.echo(f"\n{WEEKLY_RUN:%A %d %B %Y}: the weekly `pmflow run`")
        for pm in weekly.postmortems:
            for op in pm.operations:
                click.echo(f"  {op.describe()}")
        status = next(c for c in sim.comments(REPOSITORY, number) if "pmflow:status" in c.body)
        click.echo(f"\nThe weekly status on #{number}:\n")
        click.echo("\n".join(f"  | {line}" for line in status.body.splitlines()))
        again = run(repo, config, Renderer(), Clock(WEEKLY_RUN, config.zone))
        click.echo(f"\nRunning the weekly job again the same day: {again.writes} write(s).")
