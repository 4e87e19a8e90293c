"""`.github/pmflow.yml`: one JSON Schema (data/config.schema.json) gives validation and defaults."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

DEFAULT_PATH = Path(".github/pmflow.yml")
# Writes one run may make: well under GitHub's 500 content-creating requests an hour.
DEFAULT_MAX_WRITES = 200


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@cache
def schema() -> dict[str, Any]:
    text = resources.files("pmflow").joinpath("data/config.schema.json").read_text("utf-8")
    return json.loads(text)


def _with_defaults(node: dict[str, Any], value: Any) -> Any:
    if node.get("type") == "object" or "properties" in node:
        result = dict(value) if isinstance(value, dict) else {}
        for name, child in node.get("properties", {}).items():
            if name in result:
                result[name] = _with_defaults(child, result[name])
            elif "default" in child:
                result[name] = _with_defaults(child, copy.deepcopy(child["default"]))
        return result
    return value


def _describe(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        return f"unknown key {', '.join(map(repr, unknown))} in {path}; known keys: {allowed}"
    if error.validator == "type":
        expected = error.validator_value
        return (
            f"{path}: expected {expected}, got {type(error.instance).__name__} {error.instance!r}"
        )
    if error.validator == "enum":
        options = ", ".join(map(repr, error.validator_value))
        return f"{path}: {error.instance!r} is not one of {options}"
    if error.validator == "pattern" and path.endswith("color"):
        return f"{path}: {error.instance!r} is not a six-digit hex colour such as 'd93f0b'"
    return f"{path}: {error.message}"


@dataclass(frozen=True)
class ChecksConfig:
    """The `checks` key: which quality checks are off, and a team's own words for two of them."""

    disabled: frozenset[str]
    vague_phrases: tuple[str, ...]
    blame_terms: tuple[str, ...]
    in_sync: bool = True


@dataclass(frozen=True)
class Config:
    """A validated configuration; its settings are read once (a sync asks for some of them for
    every post-mortem), so `values` is not to be changed."""

    values: dict[str, Any]
    source: str = "(defaults)"

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @cached_property
    def postmortem_label(self) -> str:
        return self.values["postmortem_label"]

    @cached_property
    def action_headings(self) -> tuple[str, ...]:
        return tuple(self.values["action_headings"])

    @cached_property
    def action_label(self) -> dict[str, str]:
        return self.values["action_label"]

    @cached_property
    def problems_label(self) -> str:
        return self.values["problems_label"]

    @cached_property
    def milestone_strategy(self) -> str:
        return self.values["milestones"]["strategy"]

    @cached_property
    def milestone_title(self) -> str:
        return self.values["milestones"]["title"]

    @cached_property
    def sub_issues(self) -> bool:
        return self.values["sub_issues"]

    @cached_property
    def templates_dir(self) -> str:
        return self.values["templates_dir"]

    @cached_property
    def checks(self) -> ChecksConfig:
        values = self.values.get("checks", {})
        return ChecksConfig(
            disabled=frozenset(values.get("disabled", ())),
            vague_phrases=tuple(values.get("vague_phrases", ())),
            blame_terms=tuple(values.get("blame_terms", ())),
            in_sync=values.get("in_sync", True),
        )

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.values["timezone"])

    @cached_property
    def workdays(self) -> frozenset[int]:
        """ISO weekday numbers (Monday is 1)."""
        return frozenset(WEEKDAYS.index(day) + 1 for day in self.values["workdays"])

    def section(self, name: str) -> dict[str, Any]:
        """A nested table of settings (`status`, `overdue`, `followup`, `completion`, `nudges`)."""
        return self.values[name]

    @cached_property
    def due_days_by_severity(self) -> dict[str, int]:
        return self.values["due_days_by_severity"]

    @cached_property
    def max_writes(self) -> int:
        """Write budget of one run (`--max-writes` wins)."""
        return self.values.get("max_writes", DEFAULT_MAX_WRITES)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _check_timezone(name: str, source: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ConfigError(
            f"{source} is not a valid pmflow configuration:\n  - timezone: {name[:80]!r} is not an "
            "IANA time zone name such as 'UTC' or 'Europe/Berlin'"
        ) from error


def from_mapping(data: Any, source: str = "(defaults)") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys to values at the top level")
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        details = "\n".join(f"  - {_describe(error)}" for error in errors)
        raise ConfigError(
            f"{source} is not a valid pmflow configuration:\n{details}\n"
            "See the configuration table in pmflow's README."
        )
    values = _with_defaults(schema(), data)
    _check_timezone(values["timezone"], source)
    return Config(values, source)


def load(path: Path | None = None) -> Config:
    """Read the config file: no default file means defaults; a named file must exist."""
    explicit = path is not None
    path = path or DEFAULT_PATH
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: no such configuration file")
        return from_mapping({})
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except RecursionError as error:
        raise ConfigError(f"{path}: nested too deeply to be a pmflow configuration") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from error
    try:
        return from_mapping(data, str(path))
    except RecursionError as error:
        raise ConfigError(f"{path}: nested too deeply to be a pmflow configuration") from error
