"""The token never appears in output, logs (-vv), errors or --json, whatever happens."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pmflow.simulator import GitHubSimulator

from .conftest import REPO, TOKEN, add_postmortem, body_of, run

COMMANDS = [
    ("sync",),
    ("sync", "--json"),
    ("sync", "--dry-run", "--json"),
    ("sync", "--issue", "1"),
    ("run", "--json"),
    ("status",),
    ("overdue", "--json"),
    ("followup",),
    ("report",),
]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def failure(sim: GitHubSimulator, kind: str, tmp_path: Path) -> dict[str, str]:
    """Arm one way for a run to fail; return the environment it runs with."""
    if kind == "server-errors":
        sim.fail_next(502, mode="refuse", times=1000)
    elif kind == "rate-limited":
        sim.rate_limit(limit=5000, remaining=0, reset_in=3600)
    elif kind == "secondary-limit":
        sim.fail_next(403, mode="refuse", writes_only=True, times=1000, retry_after=1)
    elif kind == "dropped":
        sim.fail_next(502, mode="drop", writes_only=True, times=1000)
    elif kind == "unreachable":
        return {"GITHUB_API_URL": f"http://127.0.0.1:{unused_port()}/api/v3"}
    elif kind == "bad-template":
        folder = tmp_path / ".github" / "pmflow" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "action_issue.md.j2").write_text("{{ cycler.__init__.__globals__ }}")
    elif kind == "bad-config":
        (tmp_path / ".github").mkdir(exist_ok=True)
        (tmp_path / ".github" / "pmflow.yml").write_text("max_writes: lots\n")
    return {}


KINDS = [
    "none",
    "server-errors",
    "rate-limited",
    "secondary-limit",
    "dropped",
    "unreachable",
    "bad-template",
    "bad-config",
]


@pytest.mark.parametrize("kind", KINDS)
def test_the_token_is_never_printed_or_logged(
    sim: GitHubSimulator,
    isolated_cwd: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setattr("pmflow.github.time.sleep", lambda seconds: None)
    add_postmortem(sim, body_of("postmortem_mixed.md"))
    env = failure(sim, kind, isolated_cwd)
    caplog.set_level(logging.DEBUG)
    for command in COMMANDS:
        result = run(sim, "-vv", *command, env=env)  # run() asserts the token is not in output
        assert "Traceback" not in result.output, result.output
        assert result.exit_code in (0, 1), (command, result.output)
        if kind != "none" and result.exit_code == 1:
            assert result.output.strip(), command  # a failure says what went wrong
    assert caplog.records or kind == "bad-config", "-vv should log"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr([r.args for r in caplog.records])


@pytest.mark.parametrize("token", [TOKEN, "ghp_aWrongTokenThatMustNotBePrintedEither"])
def test_a_real_process_with_vv_prints_no_token(
    sim: GitHubSimulator, tmp_path: Path, token: str
) -> None:
    add_postmortem(sim, body_of("postmortem_mixed.md"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))},
        "GITHUB_API_URL": sim.api_url,
        "GITHUB_TOKEN": token,
        "GITHUB_REPOSITORY": REPO,
        "PMFLOW_SECONDS_BETWEEN_REQUESTS": "0",
        "PMFLOW_SECONDS_BETWEEN_WRITES": "0",
    }
    for args in (["-vv", "sync"], ["-vv", "run", "--json"]):
        done = subprocess.run(
            [sys.executable, "-c", "from pmflow.cli import main; main()", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert token not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "DEBUG" in done.stderr  # the HTTP requests were logged, without the token
        if token != TOKEN:
            assert done.returncode == 1 and "Bad credentials" in done.stderr


def test_a_template_reaching_for_internals_stops_the_run_with_its_name(
    sim: GitHubSimulator, isolated_cwd: Path
) -> None:
    add_postmortem(sim, "### Actions\n\n- [ ] Add alerting @alice due:2026-12-04\n")
    failure(sim, "bad-template", isolated_cwd)
    result = run(sim, "sync")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "template action_issue.md.j2 (from .github/pmflow/templates) is not allowed" in (
        result.output
    )
    assert sim.writes() == []
