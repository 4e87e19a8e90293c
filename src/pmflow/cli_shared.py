"""What pmflow's commands share: where GitHub is, the token, clean failures, templates.

Its own module so that commands kept in modules of their own (`record_cli`) can use the same
options as those in `cli`, which imports them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pmflow.clock import ClockError
from pmflow.config import Config, ConfigError
from pmflow.github import GitHubError, GitHubRepo
from pmflow.limits import Limits
from pmflow.render import Renderer, TemplateError

F = TypeVar("F", bound=Callable[..., Any])


def _fail_cleanly(command: F) -> F:
    """Turn pmflow's own errors into one clear line and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, GitHubError, ClockError, TemplateError) as error:
            raise click.ClickException(str(error)) from error

    return wrapper  # type: ignore[return-value]


def repository_options(command: F) -> F:
    """Where to find GitHub: the same environment variables GitHub Actions sets."""
    command = click.option(
        "--api-url",
        envvar="GITHUB_API_URL",
        default="https://api.github.com",
        show_default=True,
        help="GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3). "
        "Env: GITHUB_API_URL.",
    )(command)
    command = click.option(
        "--repo",
        "repository",
        envvar="GITHUB_REPOSITORY",
        help="Repository as owner/name. Env: GITHUB_REPOSITORY.",
    )(command)
    return config_option(command)


def config_option(command: F) -> F:
    """`--config FILE`, the one way every command is told where the configuration is."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Configuration file [default: .github/pmflow.yml if it exists].",
    )(command)


def _token() -> str:
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token:
        raise click.ClickException(
            "no GitHub token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: "
            "${{ github.token }}`) or GH_TOKEN, with issues: read and write on the repository."
        )
    return token


def open_repository(repository: str | None, api_url: str, config: Config) -> GitHubRepo:
    if not repository:
        raise click.ClickException(
            "no repository: pass --repo owner/name or set GITHUB_REPOSITORY."
        )
    return GitHubRepo(repository, _token(), api_url, limits=Limits.from_config(config))


def write_budget(max_writes: int | None, config: Config) -> int:
    """`--max-writes`, else the config's `max_writes` (default 200 a run)."""
    return config.max_writes if max_writes is None else max_writes


def renderer_for(config_templates_dir: str) -> Renderer:
    return Renderer(Path(config_templates_dir))
