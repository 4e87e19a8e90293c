"""Jinja2 templates: pmflow's own (package files) or a team's overrides, all in the sandbox.

Templates from a repository are untrusted input, so every template renders in Jinja2's
`SandboxedEnvironment`: it cannot reach Python internals (`__class__`, `__globals__`, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from pmflow.parse import neutralise_mentions

GITHUB_TEXT_LIMIT = 65_536
TRUNCATION_NOTE = (
    "\n\n_(pmflow shortened this text to stay within GitHub's 65,536-character limit.)_\n"
)


class TemplateError(RuntimeError):
    """A template that cannot be rendered; the message names the template."""


def truncate(text: str, limit: int = GITHUB_TEXT_LIMIT, keep_tail: str = "") -> str:
    """Keep `text` within GitHub's limit, saying so; `keep_tail` (a marker) always survives."""
    if len(text) <= limit:
        return text
    room = limit - len(TRUNCATION_NOTE) - len(keep_tail)
    return text[:room] + TRUNCATION_NOTE + keep_tail


def code_span(text: object) -> str:
    """Inline code that survives backticks inside the text."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    longest = 0
    run = 0
    for char in value:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def table_cell(text: object) -> str:
    """Text safe inside a Markdown table cell, pinging nobody."""
    value = " ".join(str(text).split())
    return neutralise_mentions(value).replace("|", "\\|")


class Renderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None and override_dir.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.PackageLoader("pmflow", "templates"))
        self.environment = SandboxedEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.filters["no_mentions"] = neutralise_mentions
        self.environment.filters["code"] = code_span
        self.environment.filters["cell"] = table_cell

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.environment.get_template(name).render(**context)
        except jinja2.TemplateError as error:
            where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
            raise TemplateError(f"template {name}{where}: {error}") from error
