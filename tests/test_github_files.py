"""The GitHub files pmflow ships: issue forms, workflows, the composite action, the sample config.

The issue forms are rendered the way GitHub renders a submitted form (`### <label>`, a blank line,
the answer; `_No response_` for an empty field; the chosen dropdown option; `- [X]` / `- [ ]` for
checkboxes), filled as a person would fill them, and read back with pmflow's own parser, so the
forms and the parser cannot drift apart unnoticed.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmflow import __version__
from pmflow.config import from_mapping, schema
from pmflow.init import shipped_files
from pmflow.parse import parse_postmortem

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / ".github"
DATA = resources.files("pmflow").joinpath("data/github")
NO_RESPONSE = "_No response_"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")


def load_yaml(path: Path) -> Any:
    # BaseLoader keeps `on:` a string key (YAML 1.1 would read it as True) and values as text.
    return yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)


def load_form(name: str) -> dict[str, Any]:
    return yaml.safe_load(DATA.joinpath("ISSUE_TEMPLATE", name).read_text("utf-8"))


# --- rendering a submitted issue form, as GitHub does ---------------------------------------


class FormError(ValueError):
    """The answers could not have been submitted through the form."""


def render_issue_form(
    form: Mapping[str, Any], answers: Mapping[str, Any], crlf: bool = False
) -> str:
    """The issue body GitHub creates when `answers` (by field id) are submitted through `form`."""
    unknown = set(answers) - {element.get("id") for element in form["body"]}
    if unknown:
        raise FormError(f"no such fields: {sorted(unknown)}")
    sections = []
    for element in form["body"]:
        kind = element["type"]
        if kind == "markdown":
            continue
        attributes = element["attributes"]
        required = element.get("validations", {}).get("required", False)
        answer = answers.get(element["id"])
        if kind in ("input", "textarea"):
            text = (answer or "").strip()
            if text and kind == "textarea" and attributes.get("render"):
                text = f"```{attributes['render']}\n{text}\n```"
        elif kind == "dropdown":
            chosen = [answer] if isinstance(answer, str) else list(answer or [])
            for option in chosen:
                if option not in attributes["options"]:
                    raise FormError(f"{option!r} is not an option of {attributes['label']!r}")
            if len(chosen) > 1 and not attributes.get("multiple", False):
                raise FormError(f"{attributes['label']!r} takes one option")
            text = ", ".join(chosen)
        elif kind == "checkboxes":
            ticked = set(answer or [])
            lines = []
            for option in attributes["options"]:
                if option.get("required") and option["label"] not in ticked:
                    raise FormError(f"{option['label']!r} must be ticked")
                lines.append(f"- [{'X' if option['label'] in ticked else ' '}] {option['label']}")
            text = "\n".join(lines)
            required = False
        else:
            raise FormError(f"unknown field type {kind!r}")
        if not text:
            if required:
                raise FormError(f"{attributes['label']!r} is required")
            text = NO_RESPONSE
        sections.append(f"### {attributes['label']}\n\n{text}")
    body = "\n\n".join(sections)
    return body.replace("\n", "\r\n") if crlf else body


FILLED_POSTMORTEM = {
    "incident-type": "Operational incident",
    "severity": "SEV2",
    "incident-date": "2026-11-20",
    "summary": (
        "Checkout returned errors for 38 minutes on 2026-11-20 after a configuration change\n"
        "shrank the database connection pool. About 4% of orders failed; all were retried."
    ),
    "impact": "4% of checkout requests failed between 14:02 and 14:40 UTC.",
    "timeline": (
        "- 14:02 UTC error rate on checkout above 2%\n"
        "- 14:09 UTC on-call paged by the latency alert\n"
        "- 14:31 UTC configuration change rolled back"
    ),
    "root-causes": (
        "1. Why did checkout fail? The pool allowed 5 connections.\n"
        "2. Why? A configuration change lowered it.\n"
        "3. Why did that reach production? Configuration changes skip the load test."
    ),
    "contributing-factors": "The pool size alert had been muted during a migration.",
    "what-worked": "The latency alert paged within 7 minutes; the rollback took 2.",
    "actions": (
        "Agreed in the meeting:\n"
        "\n"
        "- [ ] Add alerting for latency above 500ms on the checkout endpoint @alice "
        "due:2026-12-04\n"
        "- [ ] Run the load test on configuration changes (due 2026-12-11) @bob-smith\n"
        "- [x] Unmute the pool size alert @carol by 2026-11-27\n"
        "- [ ] Write a runbook for pool exhaustion @dave DUE: 2026-12-18"
    ),
    "report-owner": "@alice",
    "facilitator": "@erin",
    "attendees": "@alice, @bob-smith, @carol, @dave",
    "meeting-date": "2026-11-23",
}

EXPECTED_ACTIONS = [
    ("Add alerting for latency above 500ms on the checkout endpoint", "alice", "2026-12-04", False),
    ("Run the load test on configuration changes", "bob-smith", "2026-12-11", False),
    ("Unmute the pool size alert", "carol", "2026-11-27", True),
    ("Write a runbook for pool exhaustion", "dave", "2026-12-18", False),
]


def actions_of(body: str) -> list[tuple[str, str | None, str | None, bool]]:
    report = parse_postmortem(body)
    return [
        (a.title, a.owner, a.due.isoformat() if a.due else None, a.checked) for a in report.actions
    ]


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf-from-the-web"])
def test_a_filled_postmortem_form_reads_back_completely(crlf: bool) -> None:
    body = render_issue_form(load_form("postmortem.yml"), FILLED_POSTMORTEM, crlf=crlf)
    assert ("\r\n" in body) is crlf

    report = parse_postmortem(body)

    assert report.report_owner == "alice"
    assert report.incident_type == "Operational incident"
    assert report.severity == "SEV2"
    assert report.incident_date == dt.date(2026, 11, 20)
    assert report.meeting_date == dt.date(2026, 11, 23)
    assert report.has_actions_section
    assert report.problems == ()
    assert actions_of(body) == EXPECTED_ACTIONS
    headings = [section.heading for section in report.sections]
    assert "Summary" in headings and "Timeline" in headings and "Root causes" in headings


def test_the_rendering_has_githubs_shape() -> None:
    body = render_issue_form(load_form("postmortem.yml"), FILLED_POSTMORTEM)
    assert body.startswith("### Incident type\n\nOperational incident\n\n### Severity\n\nSEV2\n\n")
    assert "### Report owner\n\n@alice\n\n" in body
    assert body.endswith("### Meeting date\n\n2026-11-23")


def test_a_form_with_only_the_required_fields_reads_back_as_empty_not_wrong() -> None:
    required_only = {
        "incident-type": "Project or delivery failure",
        "incident-date": "2026-11-02",
        "summary": "The billing migration shipped three weeks after the date promised to finance.",
        "report-owner": "carol",  # typed without the @, as people do
    }
    body = render_issue_form(load_form("postmortem.yml"), required_only, crlf=True)
    assert f"### Actions\r\n\r\n{NO_RESPONSE}\r\n" in body

    report = parse_postmortem(body)

    assert report.report_owner == "carol"
    assert report.incident_type == "Project or delivery failure"
    assert report.incident_date == dt.date(2026, 11, 2)
    assert report.severity is None
    assert report.meeting_date is None
    assert report.actions == ()
    assert report.problems == ()


def test_a_required_field_left_empty_cannot_be_submitted() -> None:
    with pytest.raises(FormError, match="Report owner"):
        render_issue_form(load_form("postmortem.yml"), {**FILLED_POSTMORTEM, "report-owner": ""})


@pytest.mark.parametrize(
    "incident_type", ["Operational incident", "Project or delivery failure", "Other"]
)
def test_every_incident_type_reads_back_as_its_option_text(incident_type: str) -> None:
    answers = {**FILLED_POSTMORTEM, "incident-type": incident_type}
    body = render_issue_form(load_form("postmortem.yml"), answers)
    assert parse_postmortem(body).incident_type == incident_type


@pytest.mark.parametrize("severity", ["SEV1", "SEV2", "SEV3", "SEV4"])
def test_every_severity_reads_back(severity: str) -> None:
    answers = {**FILLED_POSTMORTEM, "severity": severity}
    body = render_issue_form(load_form("postmortem.yml"), answers)
    assert parse_postmortem(body).severity == severity


def test_action_lines_that_break_the_grammar_are_reported_not_guessed() -> None:
    answers = {
        **FILLED_POSTMORTEM,
        "actions": (
            "- [ ] Improve monitoring\n"
            "- [ ] Add a canary for configuration changes @bob by Friday\n"
            "- [ ] Add alerting for latency above 500ms on checkout @alice due:2026-12-04"
        ),
    }
    report = parse_postmortem(render_issue_form(load_form("postmortem.yml"), answers, crlf=True))
    assert [a.owner for a in report.actions] == ["alice"]
    codes = {problem.code for problem in report.problems}
    assert {"missing-owner", "bad-due-date"} <= codes


def test_the_actions_placeholder_example_is_a_valid_action() -> None:
    actions = next(e for e in load_form("postmortem.yml")["body"] if e.get("id") == "actions")
    placeholder = actions["attributes"]["placeholder"]
    assert "- [ ] <specific action> @owner due:YYYY-MM-DD" in placeholder
    examples = [line for line in placeholder.splitlines() if "YYYY" not in line]
    report = parse_postmortem("### Actions\n\n" + "\n".join(examples))
    assert len(report.actions) == len(examples) >= 1
    assert all(action.owner and action.due for action in report.actions)


def test_the_postmortem_form_keeps_the_labels_pmflow_reads() -> None:
    form = load_form("postmortem.yml")
    fields = {e["attributes"]["label"]: e for e in form["body"] if e["type"] != "markdown"}
    for label in ("Actions", "Report owner", "Incident type", "Incident date", "Meeting date"):
        assert label in fields, label
    assert "Severity" in fields
    assert fields["Incident type"]["type"] == "dropdown"
    assert fields["Incident type"]["attributes"]["options"] == [
        "Operational incident",
        "Project or delivery failure",
        "Other",
    ]
    # The checklist must stay Markdown: a `render:` would put it in a code block.
    assert fields["Actions"]["type"] == "textarea"
    assert "render" not in fields["Actions"]["attributes"]
    assert form["labels"] == [from_mapping({}).postmortem_label]
    for label in (
        "Summary",
        "Impact and duration",
        "Timeline",
        "Root causes",
        "Contributing factors",
        "What worked",
        "Facilitator",
        "Attendees",
    ):
        assert label in fields, label


@pytest.mark.parametrize("name", ["postmortem.yml", "incident.yml"])
def test_form_ids_and_labels_are_unique(name: str) -> None:
    fields = [e for e in load_form(name)["body"] if e["type"] != "markdown"]
    ids = [e["id"] for e in fields]
    labels = [e["attributes"]["label"] for e in fields]
    assert len(set(ids)) == len(ids)
    assert len(set(labels)) == len(labels)


def test_a_filled_incident_form_reads_back() -> None:
    form = load_form("incident.yml")
    assert form["labels"] == ["incident"]
    answers = {
        "what-is-happening": "Checkout returns HTTP 500 for some card payments.",
        "severity": "SEV1",
        "started": "2026-11-24 14:02 UTC",
        "incident-lead": "@alice",
    }
    body = render_issue_form(form, answers, crlf=True)
    report = parse_postmortem(body)
    assert report.severity == "SEV1"
    assert report.actions == () and report.problems == ()
    assert not report.has_actions_section


def test_the_chooser_config_keeps_blank_issues() -> None:
    config = yaml.safe_load(DATA.joinpath("ISSUE_TEMPLATE", "config.yml").read_text("utf-8"))
    assert config["blank_issues_enabled"] is True
    assert all(link["url"].startswith("https://") for link in config["contact_links"])


# --- one source: the package data is what this repository ships --------------------------


def test_the_repository_ships_the_files_pmflow_init_writes() -> None:
    files = shipped_files()
    assert {str(f.path) for f in files} == {
        ".github/ISSUE_TEMPLATE/postmortem.yml",
        ".github/ISSUE_TEMPLATE/incident.yml",
        ".github/ISSUE_TEMPLATE/config.yml",
        ".github/workflows/pmflow.yml",
        ".github/pmflow.yml",
    }
    for file in files:
        shipped = ROOT / file.path
        assert shipped.is_file(), f"{file.path} is missing from the repository"
        assert shipped.read_bytes() == file.content, (
            f"{file.path} differs from src/pmflow/data/github/"
            f"{file.path.relative_to('.github')}: edit the one in src/pmflow/data/github/ and "
            "copy it over (`pmflow init --force .` does that)"
        )


# --- the commented configuration -------------------------------------------------------------


def commented_settings(text: str) -> str:
    """The YAML of the commented-out settings: `# key: value` lines and their indented lines."""
    keys = set(schema()["properties"])
    lines = []
    in_setting = False
    for line in text.splitlines():
        if line.startswith("# ") and line[2:].split(":", 1)[0] in keys:
            in_setting = True
            lines.append(line[2:])
        elif in_setting and line.startswith("#   "):
            lines.append(line[2:])
        else:
            in_setting = False
    return "\n".join(lines) + "\n"


def all_schema_keys(node: Mapping[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, child in node.get("properties", {}).items():
        keys.add(prefix + name)
        keys |= all_schema_keys(child, f"{prefix}{name}.")
    return keys


def all_keys(value: Any, prefix: str = "") -> set[str]:
    if not isinstance(value, dict):
        return set()
    keys = set()
    for name, child in value.items():
        keys.add(prefix + name)
        keys |= all_keys(child, f"{prefix}{name}.")
    return keys


def test_the_sample_config_is_valid_as_written() -> None:
    text = DATA.joinpath("pmflow.yml").read_text("utf-8")
    config = from_mapping(yaml.safe_load(text), ".github/pmflow.yml")
    assert config.values == from_mapping({}).values


def test_the_sample_config_shows_every_key_with_its_default() -> None:
    text = DATA.joinpath("pmflow.yml").read_text("utf-8")
    shown = yaml.safe_load(commented_settings(text))
    config = from_mapping(shown, ".github/pmflow.yml (uncommented)")
    assert all_keys(shown) == all_schema_keys(schema()), (
        "every key of data/config.schema.json must appear, commented out with its default, in "
        "src/pmflow/data/github/pmflow.yml"
    )
    assert shown == from_mapping({}).values == config.values


# --- the workflows and the action ----------------------------------------------------------


def every_step(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"].get("steps", []))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize(
    "path",
    [GITHUB / "workflows" / "pmflow.yml", GITHUB / "workflows" / "ci.yml", ROOT / "action.yml"],
    ids=lambda p: p.name if p.name == "action.yml" else f"workflows/{p.name}",
)
def test_actions_are_pinned_and_no_expression_reaches_a_shell(path: Path) -> None:
    document = load_yaml(path)
    for step in every_step(document):
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), f"{step['uses']} is not pinned to a commit SHA"
            if step["uses"].startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false"
        if "run" in step:
            assert "${{" not in step["run"], f"an expression in run: {step['run']!r}"
    # Each pin names its release beside it, so a reader (and Dependabot) can tell what it is.
    for line in path.read_text("utf-8").splitlines():
        if re.match(r"\s*(?:- )?uses:", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_the_pmflow_workflow_triggers_permissions_and_concurrency() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "pmflow.yml")
    on = workflow["on"]
    assert on["issues"]["types"] == ["opened", "edited", "labeled", "closed", "reopened"]
    assert on["schedule"] and all("cron" in entry for entry in on["schedule"])
    dry_run = on["workflow_dispatch"]["inputs"]["dry-run"]
    assert dry_run["type"] == "boolean" and dry_run["default"] == "false"

    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"issues": "write", "contents": "read"}
    assert int(job["timeout-minutes"]) <= 30
    assert job["concurrency"]["group"] == "pmflow-${{ github.repository }}"
    assert job["concurrency"]["cancel-in-progress"] == "false"
    condition = job["if"]
    assert "contains(github.event.issue.labels.*.name, 'postmortem')" in condition
    assert "github.event.sender.type == 'Bot'" in condition

    steps = {step.get("name"): step for step in job["steps"]}
    sync = steps["Sync the post-mortem of this issue"]
    assert sync["run"] == 'pmflow sync --issue "$ISSUE_NUMBER"'
    assert sync["env"]["ISSUE_NUMBER"] == "${{ github.event.issue.number }}"
    assert sync["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    weekly = steps["Go over all post-mortems (weekly, or by hand)"]
    assert weekly["env"]["DRY_RUN"] == "${{ inputs.dry-run }}"
    assert "pmflow run --dry-run" in weekly["run"]


def test_the_pmflow_workflow_installs_this_version_of_pmflow() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "pmflow.yml")
    [job] = workflow["jobs"].values()
    assert job["env"]["PMFLOW_REQUIREMENT"] == f"pmflow-github=={__version__}", (
        "bump PMFLOW_REQUIREMENT in src/pmflow/data/github/workflows/pmflow.yml with the version"
    )


def test_ci_runs_every_python_version_pyproject_declares() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    minimum = re.fullmatch(r">=\s*3\.(\d+)", pyproject["project"]["requires-python"])
    assert minimum, "update this test for the new requires-python"
    expected = [f"3.{minor}" for minor in range(int(minimum[1]), 14)]
    workflow = load_yaml(GITHUB / "workflows" / "ci.yml")
    assert set(workflow["on"]) >= {"push", "pull_request"}
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert job["strategy"]["matrix"]["python-version"] == expected
    assert any(step.get("run") == "bash .ci/run" for step in job["steps"])


def test_the_action_takes_its_inputs_through_env_only() -> None:
    action = load_yaml(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) == {
        "command",
        "issue-number",
        "dry-run",
        "config",
        "token",
        "python-version",
    }
    assert inputs["command"]["default"] == "sync"
    assert inputs["token"]["default"] == "${{ github.token }}"
    steps = action["runs"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install pmflow from this action")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    run = next(step for step in steps if step.get("name") == "Run pmflow")
    assert run["env"]["ISSUE_NUMBER"] == "${{ inputs.issue-number }}"
    assert run["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
    assert run["env"]["PMFLOW_COMMAND"] == "${{ inputs.command }}"


# --- a submitted form, synced the way the workflow runs pmflow ------------------------------


def test_a_submitted_form_syncs_as_the_workflow_runs_it() -> None:
    from click.testing import CliRunner

    from pmflow.cli import main
    from pmflow.simulator import GitHubSimulator

    repo, token = "acme/checkout", "workflow-token-for-tests"
    body = render_issue_form(load_form("postmortem.yml"), FILLED_POSTMORTEM, crlf=True)
    with GitHubSimulator() as sim:
        sim.add_user("github-actions[bot]", token=token, type="Bot")
        sim.add_repo(repo, collaborators=["github-actions[bot]", "alice", "bob-smith", "carol"])
        sim.add_label(repo, "postmortem")
        pm = sim.add_issue(
            repo, "Checkout errors", body=body, author="alice", labels=["postmortem"]
        )
        # What the workflow's job gives pmflow: Actions' own variables and the issue's number.
        env = {
            "GITHUB_API_URL": sim.api_url,
            "GITHUB_REPOSITORY": repo,
            "GITHUB_TOKEN": token,
            "PMFLOW_NOW": "2026-11-24T09:00:00Z",
        }

        def sync_issue(number: int) -> None:
            args = ["sync", "--issue", str(number)]
            result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
            assert result.exit_code == 0, result.output

        sync_issue(pm.number)

        actions = {i.title: i for i in sim.issues(repo) if "postmortem-action" in i.labels}
        assert {title: tuple(i.assignees) for title, i in actions.items()} == {
            "Add alerting for latency above 500ms on the checkout endpoint": ("alice",),
            "Run the load test on configuration changes": ("bob-smith",),
            "Unmute the pool size alert": ("carol",),
            "Write a runbook for pool exhaustion": (),  # dave cannot be assigned here
        }
        rewritten = sim.issue(repo, pm.number).body or ""
        assert rewritten.count("\r\n") == body.count("\r\n")  # the web's line endings kept
        runbook = actions["Write a runbook for pool exhaustion"]
        assert f"- [ ] #{runbook.number} Write a runbook" in rewritten

        # Closing an action issue: the workflow runs `pmflow sync --issue <action issue>`.
        sim.edit_issue(repo, runbook.number, state="closed", state_reason="completed")
        sync_issue(runbook.number)
        assert f"- [x] #{runbook.number} Write a runbook" in (sim.issue(repo, pm.number).body or "")

        sim.clear_log()
        sync_issue(pm.number)
        assert sim.writes() == []
