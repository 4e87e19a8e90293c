"""The README documents every configuration key and every command (the way sqlite-utils does)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest

from pmflow.cli import main
from pmflow.config import schema

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


def leaf_keys(node: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, child in node.get("properties", {}).items():
        if "properties" in child:
            keys += leaf_keys(child, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


@pytest.mark.parametrize("key", leaf_keys(schema()))
def test_every_config_key_has_a_row_in_the_readme_table(key: str) -> None:
    assert re.search(rf"^\| `{re.escape(key)}` \|", README, re.MULTILINE), (
        f"add a row for `{key}` to the configuration table in README.md"
    )


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"pmflow {name}" in README


@pytest.mark.parametrize(
    "option",
    sorted(
        {
            opt
            for command in main.commands.values()
            for param in command.params
            if isinstance(param, click.Option)
            for opt in param.opts
            if opt.startswith("--") and opt not in ("--help", "--force", "--format")
        }
    ),
)
def test_every_long_option_is_in_the_readme(option: str) -> None:
    assert f"`{option}" in README or f"{option} " in README, f"document {option} in README.md"
