"""`pmflow init`: writes pmflow's GitHub files into a checkout, never over a person's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmflow.init import init_command, shipped_files

EXPECTED = [
    ".github/ISSUE_TEMPLATE/config.yml",
    ".github/ISSUE_TEMPLATE/incident.yml",
    ".github/ISSUE_TEMPLATE/postmortem.yml",
    ".github/pmflow.yml",
    ".github/workflows/pmflow.yml",
]


def run_init(*args: str) -> Result:
    return CliRunner().invoke(init_command, list(args), catch_exceptions=False)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def test_init_writes_the_shipped_files_and_says_what_next(checkout: Path) -> None:
    result = run_init(str(checkout))

    assert result.exit_code == 0, result.output
    files = {str(file.path): file.content for file in shipped_files()}
    assert sorted(files) == EXPECTED
    for name, content in files.items():
        assert (checkout / name).read_bytes() == content
        assert f"created       {name}" in result.output
    assert "Next steps" in result.output
    assert "gh label create postmortem" in result.output
    assert "no .git" not in result.output


def test_a_second_run_changes_nothing(checkout: Path) -> None:
    run_init(str(checkout))
    before = snapshot(checkout)

    result = run_init(str(checkout))

    assert result.exit_code == 0
    assert snapshot(checkout) == before
    assert result.output.count("unchanged") == len(EXPECTED)
    assert "already in place" in result.output
    assert "created" not in result.output


def test_a_file_with_crlf_line_endings_counts_as_unchanged(checkout: Path) -> None:
    run_init(str(checkout))
    form = checkout / ".github/ISSUE_TEMPLATE/postmortem.yml"
    form.write_bytes(form.read_bytes().replace(b"\n", b"\r\n"))
    before = snapshot(checkout)

    result = run_init(str(checkout))

    assert result.exit_code == 0
    assert snapshot(checkout) == before


def test_a_differing_file_is_refused_and_nothing_is_written(checkout: Path) -> None:
    own = checkout / ".github/ISSUE_TEMPLATE/config.yml"
    own.parent.mkdir(parents=True)
    own.write_text("blank_issues_enabled: false\n")

    result = CliRunner().invoke(init_command, [str(checkout)])

    assert result.exit_code == 1
    assert ".github/ISSUE_TEMPLATE/config.yml" in result.output
    assert "--force" in result.output
    assert "nothing was written" in result.output
    assert own.read_text() == "blank_issues_enabled: false\n"
    assert sorted(snapshot(checkout)) == [".github/ISSUE_TEMPLATE/config.yml"]


def test_force_replaces_a_differing_file(checkout: Path) -> None:
    run_init(str(checkout))
    config = checkout / ".github/pmflow.yml"
    config.write_text("postmortem_label: incident-review\n")

    result = run_init(str(checkout), "--force")

    assert result.exit_code == 0
    assert "replaced      .github/pmflow.yml" in result.output
    shipped = {str(file.path): file.content for file in shipped_files()}
    assert config.read_bytes() == shipped[".github/pmflow.yml"]
    assert result.output.count("unchanged") == len(EXPECTED) - 1


def test_dry_run_writes_nothing(checkout: Path) -> None:
    result = run_init(str(checkout), "--dry-run")

    assert result.exit_code == 0
    assert "would create  .github/workflows/pmflow.yml" in result.output
    assert "nothing was written" in result.output
    assert snapshot(checkout) == {}


def test_dry_run_still_refuses_a_differing_file(checkout: Path) -> None:
    workflow = checkout / ".github/workflows/pmflow.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n")

    result = CliRunner().invoke(init_command, [str(checkout), "--dry-run"])

    assert result.exit_code == 1
    assert ".github/workflows/pmflow.yml" in result.output


def test_path_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = run_init()

    assert result.exit_code == 0, result.output
    assert sorted(snapshot(tmp_path)) == EXPECTED
    assert "no .git" in result.output


def test_a_directory_in_the_way_is_a_clear_error(checkout: Path) -> None:
    (checkout / ".github/pmflow.yml").mkdir(parents=True)

    result = CliRunner().invoke(init_command, [str(checkout)])

    assert result.exit_code == 1
    assert ".github/pmflow.yml exists and is not a file" in result.output


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(init_command, [str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_init_is_a_pmflow_command(checkout: Path) -> None:
    from pmflow.cli import main

    result = CliRunner().invoke(main, ["init", str(checkout)])
    assert result.exit_code == 0, result.output
    assert (checkout / ".github/workflows/pmflow.yml").is_file()

    help_text = CliRunner().invoke(main, ["init", "--help"]).output
    assert "--force" in help_text and "--dry-run" in help_text
