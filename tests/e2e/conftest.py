"""End-to-end: the real CLI and real PyGithub over HTTP against the simulator on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pmflow.cli import main
from pmflow.simulator import GitHubSimulator

REPO = "acme/checkout"
BOT = "pmflow-bot"
TOKEN = "ghp_e2eTestTokenThatMustNeverBePrinted"
DATA = Path(__file__).parent.parent / "data"


# PMFLOW_GRAPHQL=0: REST only. The default tries GraphQL's createIssue; tests whose subject is
# REST's own requests (sub-issue links by REST, counts of REST writes, faults injected on REST
# routes) pin REST with this.
REST_ONLY = {"PMFLOW_GRAPHQL": "0"}


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    """A repository on a server without GraphQL (the simulator's default: its GraphQL URL
    answers 404), so runs on the default path try GraphQL once and go on by REST. Tests of the
    GraphQL path switch it on: `sim.graphql_enabled = True`, as on github.com."""
    with GitHubSimulator() as simulator:
        simulator.add_user(BOT, token=TOKEN)
        for login in ("alice", "bob", "carol", "outsider"):
            simulator.add_user(login)
        simulator.add_repo(REPO, collaborators=[BOT, "alice", "bob", "carol"])
        simulator.add_label(REPO, "postmortem", color="5319e7")
        yield simulator


def body_of(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def clean_body(actions: str) -> str:
    """A complete post-mortem that `pmflow check` finds nothing in, with these action lines."""
    template = body_of("postmortem_clean.md")
    start = template.index("### Actions\n\n") + len("### Actions\n\n")
    end = template.index("\n\n### Report owner")
    return template[:start] + actions.strip("\n") + template[end:]


@pytest.fixture(autouse=True)
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each run reads `.github/pmflow.yml` from an empty checkout, not from this repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def add_postmortem(sim: GitHubSimulator, body: str, title: str = "Checkout timeouts") -> int:
    return sim.add_issue(REPO, title, body=body, author="carol", labels=["postmortem"]).number


def run(sim: GitHubSimulator, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = {
        "GITHUB_API_URL": sim.api_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        **(env or {}),
    }
    result = CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)
    assert TOKEN not in result.output
    return result


def sync_json(sim: GitHubSimulator, *args: str) -> dict[str, Any]:
    result = run(sim, "sync", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def state(sim: GitHubSimulator) -> dict[str, Any]:
    """Everything a user could see on the repository, for comparing end states."""
    milestones = {
        m.number: (m.title, m.due_on.date().isoformat() if m.due_on else None)
        for m in sim.milestones(REPO)
    }
    return {
        "issues": [
            {
                "number": issue.number,
                "title": issue.title,
                "body": issue.body,
                "state": issue.state,
                "labels": sorted(issue.labels),
                "assignees": sorted(issue.assignees),
                "milestone": milestones.get(issue.milestone) if issue.milestone else None,
                "parent": sim.parent(REPO, issue.number),
                "comments": [c.body for c in sim.comments(REPO, issue.number)],
            }
            for issue in sorted(sim.issues(REPO), key=lambda i: i.number)
        ],
        "labels": sorted(label.name for label in sim.labels(REPO)),
        "milestones": sorted(milestones.values()),
    }
