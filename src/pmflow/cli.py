"""pmflow's command line: thin commands over the library."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
import yaml

from pmflow import __version__
from pmflow.check_cli import check_command
from pmflow.cli_shared import (
    F,
    _fail_cleanly,
    config_option,
    open_repository,
    renderer_for,
    repository_options,
    write_budget,
)
from pmflow.clock import now as clock_now
from pmflow.config import load
from pmflow.followthrough import PARTS, Clock
from pmflow.init import init_command
from pmflow.record_cli import report_command
from pmflow.report import print_sync_outcome
from pmflow.sync import SyncOutcome, run, sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmflow")
@click.option("-v", "--verbose", count=True, help="Log more (-vv for HTTP requests).")
def main(verbose: int) -> None:
    """pmflow: the follow-through of blameless post-mortems on GitHub.

    Each action agreed in a post-mortem issue becomes an assigned, linked issue with a due
    date, and pmflow keeps the post-mortem's checklist in step with those issues.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def run_options(command: F) -> F:
    """Options every command that writes to GitHub shares."""
    for option in reversed(
        [
            click.option("--dry-run", is_flag=True, help="Show what would change; change nothing."),
            click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON."),
            click.option(
                "--max-writes",
                type=click.IntRange(min=0),
                default=None,
                help="Stop after this many writes; the next run continues "
                "[default: max_writes in the config, 200].",
            ),
            click.option(
                "--now",
                envvar="PMFLOW_NOW",
                help="Pretend it is this ISO 8601 time. Env: PMFLOW_NOW.",
            ),
        ]
    ):
        command = option(command)
    return command


def _finish(outcome: SyncOutcome, as_json: bool, title: str) -> None:
    if as_json:
        click.echo(json.dumps(outcome.as_json(), indent=2))
    else:
        print_sync_outcome(outcome, title)
    if outcome.failed:
        sys.exit(1)


@main.command("sync")
@repository_options
@click.option(
    "--issue",
    "issue_number",
    type=click.IntRange(min=1),
    help="Sync only the post-mortem this issue is (or belongs to).",
)
@run_options
@_fail_cleanly
def sync_command(
    repository: str | None,
    api_url: str,
    config_path: Path | None,
    issue_number: int | None,
    dry_run: bool,
    as_json: bool,
    max_writes: int | None,
    now: str | None,
) -> None:
    """Turn each post-mortem's actions checklist into linked, assigned issues.

    Reads post-mortem issues (label `postmortem`), creates an issue per valid action line,
    links it as a sub-issue, references it from the line (`- [ ] #123 ...`) and ticks the box
    when the issue is closed. Problems are reported in one comment on the post-mortem.
    """
    clock_now(now)  # validate early: a bad --now is a usage error, not a late surprise
    config = load(config_path)
    repo = open_repository(repository, api_url, config)
    outcome = sync(
        repo,
        config,
        renderer_for(config.templates_dir),
        issue_number=issue_number,
        dry_run=dry_run,
        max_writes=write_budget(max_writes, config),
    )
    _finish(outcome, as_json, f"sync {repository}")


def _follow_command(
    parts: tuple[str, ...], with_sync: bool, name: str, help_text: str
) -> click.Command:
    @main.command(name, help=help_text)
    @repository_options
    @run_options
    @_fail_cleanly
    def command(
        repository: str | None,
        api_url: str,
        config_path: Path | None,
        dry_run: bool,
        as_json: bool,
        max_writes: int | None,
        now: str | None,
    ) -> None:
        config = load(config_path)
        clock = Clock(clock_now(now), config.zone)
        repo = open_repository(repository, api_url, config)
        outcome = run(
            repo,
            config,
            renderer_for(config.templates_dir),
            clock,
            parts=parts,
            with_sync=with_sync,
            dry_run=dry_run,
            max_writes=write_budget(max_writes, config),
        )
        _finish(outcome, as_json, f"{name} {repository}")

    return command


_follow_command(
    PARTS,
    True,
    "run",
    """The weekly job: sync, then status comments, overdue reminders and the follow-up.

    Creating action issues comes first, so a run that reaches its write budget spends it on
    what matters most; the next run continues.""",
)
_follow_command(
    ("status",),
    False,
    "status",
    "Post the weekly status comment on each open post-mortem (once per ISO week).",
)
_follow_command(
    ("overdue",),
    False,
    "overdue",
    "Remind owners of overdue action issues, label them `overdue`, escalate when long overdue.",
)
_follow_command(
    ("followup",),
    False,
    "followup",
    """The follow-up check, completion and impact verification, and timeliness nudges.""",
)


@main.command("config")
@config_option
@_fail_cleanly
def config_command(config_path: Path | None) -> None:
    """Print the effective configuration (the file merged over the defaults) as YAML."""
    config = load(config_path)
    click.echo(f"# effective pmflow configuration (from {config.source})")
    click.echo(yaml.safe_dump(config.values, sort_keys=False, allow_unicode=True), nl=False)


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the sync outcome as JSON.")
@_fail_cleanly
def demo_command(as_json: bool) -> None:
    """Run `pmflow sync` on a built-in GitHub simulator: no token, no network."""
    from pmflow.demo import run_demo

    run_demo(as_json=as_json)


main.add_command(init_command)
main.add_command(check_command)
main.add_command(report_command)
