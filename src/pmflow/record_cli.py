"""`pmflow report`: the register of every post-mortem and the figures of their follow-through.

Reads the post-mortems and their action issues in pages (the same reads as a sync), computes the
record (`record.build_record`), and writes it as Markdown, HTML or JSON: to standard output, to a
file, to the Actions job summary, and with `--to-issue` into the register issue.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from pmflow.apply import BudgetExhausted
from pmflow.cli_shared import _fail_cleanly, open_repository, renderer_for, repository_options
from pmflow.clock import now as clock_now
from pmflow.config import load
from pmflow.followthrough import Clock
from pmflow.github import RateLimited
from pmflow.ops import CreateIssue, EditIssueBody
from pmflow.record import build_record
from pmflow.record_issue import plan_register_issue, register_marker
from pmflow.record_render import FORMATS, render_html, render_json, render_markdown
from pmflow.sync import open_session


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from error


@click.command("report")
@repository_options
@click.option(
    "--since",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Only post-mortems whose incident date (else the day they were opened) is on or after "
    "this date [default: all].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="md: GitHub Markdown with Mermaid charts (the default); html: a self-contained page "
    "with inline SVG charts; json: the figures as data.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--to-issue",
    is_flag=True,
    help="Also keep the register issue up to date (label report.register_label): created "
    "once, then edited in place.",
)
@click.option("--json", "as_json", is_flag=True, help="The figures as JSON (--format json).")
@click.option(
    "--dry-run", is_flag=True, help="With --to-issue: show what would be written; write nothing."
)
@click.option(
    "--now", envvar="PMFLOW_NOW", help="Pretend it is this ISO 8601 time. Env: PMFLOW_NOW."
)
@_fail_cleanly
def report_command(
    repository: str | None,
    api_url: str,
    config_path: Path | None,
    since: dt.date | None,
    output_format: str | None,
    output: Path | None,
    to_issue: bool,
    as_json: bool,
    dry_run: bool,
    now: str | None,
) -> None:
    """The register of every post-mortem (open and closed) and the figures of their actions.

    One row per post-mortem; actions done on time, days to close, open overdue actions by
    owner, hours from incident to meeting; charts of actions closed per week and of the on-time
    share per month. Every figure is defined in one sentence beside it.
    """
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for two formats; pick one")
    chosen = "json" if as_json else output_format or "md"
    if to_issue and chosen == "html" and output is None:
        raise click.UsageError(
            "--to-issue writes the Markdown register into the issue; give --output FILE for the "
            "HTML page too"
        )
    config = load(config_path)
    clock = Clock(clock_now(now), config.zone)
    repo = open_repository(repository, api_url, config)
    renderer = renderer_for(config.templates_dir)
    session = open_session(repo, config, renderer, dry_run=dry_run, max_writes=config.max_writes)
    record = build_record(session.postmortems, clock, config, since)
    name = repository or ""
    settings = config.section("report")
    title = settings["register_title"]

    operations: list[CreateIssue | EditIssueBody] = []
    if to_issue:
        label = settings["register_label"]
        body = render_markdown(record, renderer, name, title, marker=register_marker())
        found = repo.list_issues([label])
        operations = plan_register_issue(found, session.executor.facts.me, title, body, label)

    # Everything is rendered before anything is written: a template that fails writes nothing.
    markdown = render_markdown(record, renderer, name, title)
    if chosen == "json":
        text = render_json(record, name, clock.now, [op.as_json() for op in operations])
    elif chosen == "html":
        text = render_html(record, renderer, name, title)
    else:
        text = markdown

    deferred = None
    try:
        for op in operations:
            session.executor.write(op)
    except (BudgetExhausted, RateLimited) as stop:
        deferred = f"{stop} The register issue waits for the next run."

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"pmflow report {name}: wrote {output}", err=True)
    elif chosen == "json" or not to_issue:
        click.echo(text, nl=False)
    if to_issue and chosen != "json":
        _print_issue_outcome(name, operations, dry_run)
    if deferred:
        click.echo(f"pmflow report {name}: stopped early: {deferred}", err=True)


def _print_issue_outcome(
    name: str, operations: list[CreateIssue | EditIssueBody], dry_run: bool
) -> None:
    """What --to-issue did; in a dry run, also the body it would write (the finished text)."""
    if not operations:
        click.echo(f"pmflow report {name}: the register issue is up to date")
    for op in operations:
        click.echo(f"pmflow report {name}: {'would ' if dry_run else ''}{op.describe()}")
        if dry_run:
            click.echo(f"\n{op.body}", nl=False)
