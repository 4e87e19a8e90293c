"""How a run tells people what it did: terminal text, Actions annotations and job summary."""

from __future__ import annotations

import os

import click

from pmflow.model import Severity
from pmflow.sync import SyncOutcome


def _annotation_text(text: str) -> str:
    # Workflow commands end at a newline; % and newlines must be escaped.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotate(level: str, title: str, message: str) -> None:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(f"::{level} title={_annotation_text(title)}::{_annotation_text(message)}")


def print_sync_outcome(outcome: SyncOutcome, title: str) -> None:
    """`title` names the command and repository, e.g. "sync acme/app"."""
    mode = " (dry run: nothing was changed)" if outcome.dry_run else ""
    click.echo(f"pmflow {title}{mode}")
    verb = "would " if outcome.dry_run else ""
    for pm in outcome.postmortems:
        click.echo(f"\n#{pm.number} {pm.title}")
        for op in pm.operations:
            click.echo(f"  {verb}{op.describe()}")
        for problem in pm.problems:
            where = f"line {problem.line_number}: " if problem.line_number else ""
            click.echo(f"  ! {where}{problem.message} {problem.hint}")
            if problem.line:
                click.echo(f"      {problem.line}")
            level = (
                "warning" if problem.severity in (Severity.ERROR, Severity.WARNING) else "notice"
            )
            annotate(
                level,
                f"pmflow: post-mortem #{pm.number}",
                f"{where}{problem.message} {problem.hint}",
            )
        if pm.error:
            click.echo(f"  x {pm.error}", err=True)
            annotate("error", f"pmflow: post-mortem #{pm.number}", pm.error)
        if pm.number in outcome.deferred_postmortems:
            click.echo("  ... the rest waits for the next run (see below)")
        elif not pm.operations and not pm.problems and not pm.error:
            click.echo("  up to date")
    for notice in outcome.notices:
        click.echo(f"\nnote: {notice}")
        annotate("notice", "pmflow", notice)
    if outcome.deferred:
        click.echo(f"\nstopped early: {outcome.deferred}")
        annotate("warning", "pmflow: work deferred", outcome.deferred)
    problems = sum(len(pm.problems) for pm in outcome.postmortems)
    click.echo(
        f"\n{len(outcome.postmortems)} post-mortem(s), {outcome.writes} write(s)"
        f"{' planned' if outcome.dry_run else ''}, {problems} problem(s)"
    )
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(step_summary(outcome, title))


def step_summary(outcome: SyncOutcome, title: str) -> str:
    lines = [f"## pmflow {title}", ""]
    if outcome.dry_run:
        lines += ["_Dry run: nothing was changed._", ""]
    lines += ["| Post-mortem | Changes | Problems |", "|---|---|---|"]
    for pm in outcome.postmortems:
        changes = "<br>".join(op.describe().replace("|", "\\|") for op in pm.operations) or "none"
        problems = "<br>".join(p.message.replace("|", "\\|") for p in pm.problems) or "none"
        lines.append(f"| #{pm.number} | {changes} | {problems} |")
    if outcome.deferred:
        lines += ["", f"**Deferred:** {outcome.deferred}"]
    return "\n".join(lines) + "\n\n"
