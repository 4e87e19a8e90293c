"""`pmflow check`: the report quality checks on a post-mortem body, offline.

Exit status: 0 when there is nothing to say, 1 when there are findings, 2 on a usage error (a
missing file, an unknown option, a configuration that cannot be used).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import click

from pmflow.cli_shared import config_option
from pmflow.clock import ClockError
from pmflow.clock import now as clock_now
from pmflow.config import Config, ConfigError, load
from pmflow.quality import CHECK_IDS, Finding, check_postmortem

FORMATS = ("text", "json", "github")


def _read(source: IO[str]) -> str:
    try:
        return source.read()
    except UnicodeDecodeError as error:
        raise click.UsageError(f"{source.name}: not UTF-8 text ({error.reason})") from error


def _config(path: Path | None, disabled: Sequence[str]) -> Config:
    try:
        config = load(path)
    except ConfigError as error:
        # A configuration that cannot be used is a usage error: exit 1 means "findings".
        raise click.UsageError(str(error)) from error
    if not disabled:
        return config
    values = dict(config.values)
    checks = dict(values.get("checks", {}))
    checks["disabled"] = sorted(set(checks.get("disabled", ())) | set(disabled))
    values["checks"] = checks
    return Config(values, config.source)


def _today(value: str | None) -> dt.date:
    try:
        return clock_now(value).date()
    except ClockError as error:
        raise click.BadParameter(str(error), param_hint="--today") from error


def _display_name(source: IO[str]) -> str:
    return "<stdin>" if source.name in ("<stdin>", "-") else source.name


def render_text(findings: Sequence[Finding], name: str) -> str:
    if not findings:
        return f"{name}: no findings"
    blocks = []
    for finding in findings:
        where = f"{name}:{finding.line_number}" if finding.line_number else name
        lines = [f"{where}: {finding.check}"]
        if finding.line:
            lines.append(f"  line: {finding.line}")
        lines += [
            f"  what: {finding.message}",
            f"  why:  {finding.why}",
            f"  fix:  {finding.suggestion}",
        ]
        blocks.append("\n".join(lines))
    counts = Counter(finding.check for finding in findings)
    total = len(findings)
    summary = ", ".join(f"{count} {check}" for check, count in sorted(counts.items()))
    blocks.append(f"{total} finding{'s' if total != 1 else ''}: {summary}")
    return "\n\n".join(blocks)


def render_json(findings: Sequence[Finding], name: str) -> str:
    counts = Counter(finding.check for finding in findings)
    document = {
        "source": name,
        "clean": not findings,
        "counts": dict(sorted(counts.items())),
        "findings": [finding.as_json() for finding in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], file: str | None) -> str:
    """Workflow commands GitHub Actions turns into warning annotations on the file and line."""
    lines = []
    for finding in findings:
        properties = []
        if file:
            properties.append(f"file={_escape_property(file)}")
            if finding.line_number:
                properties.append(f"line={finding.line_number}")
        properties.append(f"title={_escape_property(f'pmflow {finding.check}')}")
        message = f"{finding.message} {finding.why} Suggestion: {finding.suggestion}"
        lines.append(f"::warning {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines)


@click.command("check")
@click.argument(
    "source",
    type=click.File("r", encoding="utf-8"),
    default="-",
    required=False,
    metavar="[FILE|-]",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for ::warning annotations in Actions.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@config_option
@click.option(
    "--disable",
    "disabled",
    multiple=True,
    type=click.Choice(CHECK_IDS),
    help="Switch a check off for this run (repeatable); adds to `checks.disabled` in config.",
)
@click.option(
    "--today",
    metavar="DATE",
    envvar="PMFLOW_NOW",
    help="Judge due dates as if written on this date (YYYY-MM-DD) when the report has no "
    "meeting or incident date [default: today]. Env: PMFLOW_NOW.",
)
def check_command(
    source: IO[str],
    output_format: str,
    as_json: bool,
    config_path: Path | None,
    disabled: tuple[str, ...],
    today: str | None,
) -> None:
    """Check a post-mortem body for vague actions, blame framing and empty sections.

    Reads FILE (Markdown, as an issue form renders it), or standard input when FILE is `-` or
    missing. Needs no token and makes no request. A body without headings is read as a list of
    actions, so single lines can be checked too. Exit status: 0 clean, 1 findings, 2 usage error.
    """
    if as_json and output_format not in ("text", "json"):
        raise click.UsageError("--json and --format github cannot be used together")
    fmt = "json" if as_json else output_format
    body = _read(source)
    config = _config(config_path, disabled)
    findings = check_postmortem(body, config, _today(today))
    name = _display_name(source)
    if fmt == "json":
        click.echo(render_json(findings, name))
    elif fmt == "github":
        output = render_github(findings, None if name == "<stdin>" else name)
        if output:
            click.echo(output)
    else:
        click.echo(render_text(findings, name))
    if findings:
        sys.exit(1)
