"""`pmflow init`: put pmflow's GitHub files into a repository checkout.

The files are package data (`pmflow/data/github/`) and are the very files pmflow's own repository
ships in `.github/`, so what a team installs is what pmflow is linted and tested with. The command
plans first (create, unchanged, replace, or refuse for each file) and writes only when nothing is
refused: a file that exists with other content stays as it is unless `--force` is given.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

import click

DATA_DIR = "data/github"
TARGET_DIR = PurePosixPath(".github")


@dataclass(frozen=True)
class ShippedFile:
    """One file `pmflow init` writes: its path inside the checkout and its exact bytes."""

    path: PurePosixPath
    content: bytes


class Status(enum.StrEnum):
    CREATE = "create"
    UNCHANGED = "unchanged"
    REPLACE = "replace"
    REFUSE = "refuse"


@dataclass(frozen=True)
class FileChange:
    file: ShippedFile
    status: Status


def _walk(node: Traversable, relative: PurePosixPath) -> Iterator[ShippedFile]:
    for child in sorted(node.iterdir(), key=lambda item: item.name):
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        if child.is_dir():
            yield from _walk(child, relative / child.name)
        elif child.is_file():
            yield ShippedFile(TARGET_DIR / relative / child.name, child.read_bytes())


def shipped_files() -> list[ShippedFile]:
    """The issue forms, the workflow and the sample configuration, from the package's data."""
    return list(_walk(resources.files("pmflow").joinpath(DATA_DIR), PurePosixPath()))


def same_content(ours: bytes, theirs: bytes) -> bool:
    """Equal, or equal but for CRLF line endings (a checkout with `core.autocrlf`)."""
    return ours == theirs or ours.replace(b"\r\n", b"\n") == theirs.replace(b"\r\n", b"\n")


def plan_init(root: Path, files: Sequence[ShippedFile], force: bool) -> list[FileChange]:
    """What writing `files` into the checkout at `root` would do to each of them."""
    changes = []
    for file in files:
        target = root.joinpath(*file.path.parts)
        if not target.exists():
            status = Status.CREATE
        elif not target.is_file():
            raise click.ClickException(
                f"{file.path} exists and is not a file; move it away and run pmflow init again."
            )
        elif same_content(file.content, target.read_bytes()):
            status = Status.UNCHANGED
        else:
            status = Status.REPLACE if force else Status.REFUSE
        changes.append(FileChange(file, status))
    return changes


def apply_init(root: Path, changes: Sequence[FileChange]) -> None:
    for change in changes:
        if change.status not in (Status.CREATE, Status.REPLACE):
            continue
        target = root.joinpath(*change.file.path.parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(change.file.content)
        except OSError as error:
            raise click.ClickException(f"cannot write {change.file.path}: {error}") from error


_DONE = {
    Status.CREATE: "created",
    Status.UNCHANGED: "unchanged",
    Status.REPLACE: "replaced",
}
_WOULD = {
    Status.CREATE: "would create",
    Status.UNCHANGED: "unchanged",
    Status.REPLACE: "would replace",
}

NEXT_STEPS = """\
Next steps:
  1. Review the files, then commit and push them:
       git add .github && git commit -m "Follow up post-mortem actions with pmflow"
  2. Create the labels the issue forms apply (GitHub applies only labels that exist):
       gh label create postmortem --color B60205 --description "Blameless post-mortem"
       gh label create incident --color D93F0B --description "Incident in progress"
  3. Open a post-mortem: Issues > New issue > Post-mortem. The workflow syncs it on every
     change and goes over all post-mortems weekly; run it by hand from the Actions tab, with
     dry-run ticked, to see what it would do. It needs no secret: the job's GITHUB_TOKEN has
     issues: write.
  4. Settings: .github/pmflow.yml (every key optional, defaults shown).
To see pmflow work without touching GitHub: pmflow demo"""


@click.command("init")
@click.argument(
    "path",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--force", is_flag=True, help="Replace files that exist with other content.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
def init_command(path: Path, force: bool, dry_run: bool) -> None:
    """Add pmflow's issue forms, workflow and configuration to the checkout at PATH.

    Writes .github/ISSUE_TEMPLATE/{postmortem,incident,config}.yml, .github/workflows/pmflow.yml
    and a commented .github/pmflow.yml (PATH defaults to the current directory). A file that
    already exists with other content is left alone and nothing is written, unless --force.
    """
    changes = plan_init(path, shipped_files(), force)
    refused = [change for change in changes if change.status is Status.REFUSE]
    if refused:
        listing = "\n".join(f"  {change.file.path}" for change in refused)
        raise click.ClickException(
            f"these files exist in {path} with other content, so nothing was written:\n"
            f"{listing}\n"
            "Keep yours, or run `pmflow init --force` to replace them with pmflow's "
            "(commit yours first, to compare)."
        )
    if not dry_run:
        apply_init(path, changes)
    words = _WOULD if dry_run else _DONE
    for change in changes:
        click.echo(f"  {words[change.status]:<13} {change.file.path}")
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    if all(change.status is Status.UNCHANGED for change in changes):
        click.echo("pmflow's files are already in place; nothing to do.")
        return
    if not (path / ".git").exists():
        click.echo(f"Note: {path} has no .git; these files belong at the top of a checkout.")
    click.echo(NEXT_STEPS)
