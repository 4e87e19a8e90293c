"""Report quality checks: each check on its own, config switches, `pmflow check`, the corpus."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from pmflow.cli import main
from pmflow.config import ConfigError, from_mapping, schema
from pmflow.model import Severity
from pmflow.quality import CHECK_IDS, PARSER_CHECKS, Finding, check_postmortem, vagueness

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 20)
DEFAULTS = from_mapping({})


def form(*sections: tuple[str, str]) -> str:
    return "\n\n".join(f"### {heading}\n\n{answer}" for heading, answer in sections) + "\n"


def actions(*lines: str) -> str:
    return form(("Actions", "\n".join(lines)))


def checks(body: str, config: object = DEFAULTS, **kwargs: object) -> list[tuple[str, int | None]]:
    findings = check_postmortem(body, config, kwargs.pop("today", TODAY), **kwargs)  # type: ignore[arg-type]
    return [(f.check, f.line_number) for f in findings]


def ids(body: str, **kwargs: object) -> set[str]:
    return {check for check, _ in checks(body, **kwargs)}


GOOD = (
    "- [ ] Add alerting for p95 latency above 500ms on the checkout endpoint @alice due:2026-12-04"
)


# --- Owner and due date --------------------------------------------------------------------------


def test_missing_owner_and_due_date_come_from_the_parser() -> None:
    body = actions(
        GOOD, "- [ ] Rebuild the RAID array on nas-01", "- [ ] Rotate keys @bob by Friday"
    )
    assert checks(body) == [
        ("missing-owner", 4),
        ("missing-due-date", 4),
        ("missing-due-date", 5),
    ]


def test_a_team_is_not_an_owner_and_a_good_line_is_clean() -> None:
    assert ids(actions("- [ ] Re-run the payout batch @acme/payments due:2026-12-04")) == {
        "missing-owner"
    }
    assert checks(actions(GOOD)) == []


def test_an_empty_box_is_an_empty_section_not_three_problems() -> None:
    assert checks(actions("- [ ] ")) == [("empty-section", 1)]


# --- Vague actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Improve monitoring",
        "Look into the Kafka consumer lag",
        "Be more careful when deploying on Fridays",
        "Investigate",
        "Make sure this doesn't happen again",
        "Remind everyone to double-check the environment before running migrations",
        "Consider moving session storage to Redis",
        "Keep an eye on disk usage on the build agents",
        "Better communication between support and engineering",
        "Try to reduce deploy times",
        "Follow up with the vendor",
    ],
)
def test_vague_actions(text: str) -> None:
    assert vagueness(text) is not None
    assert ids(actions(f"- [ ] {text} @bob due:2026-12-04")) == {"vague-action"}


@pytest.mark.parametrize(
    "text",
    [
        "Add alerting for latency above 500ms on the checkout endpoint",
        "Investigate why the replica-lag alert stayed silent and write the findings into this issue",
        "Look into whether Airflow can retry the dbt run on timeouts, and open a PR if it can",
        "Improve the webhook retry policy: exponential backoff up to 6 attempts, then dead-letter",
        "Monitor /v2/search for 7 days after the fix and close this if errors stay under 0.5%",
        "Improve deploy safety by adding a manual approval step for production",
        "Review the IAM policy on the billing-exports bucket and remove public read",
        "Human-review step: require a second approver for manual DB writes",
        "Make sure the backup job alerts on failure",
    ],
)
def test_specific_actions_are_not_vague(text: str) -> None:
    assert vagueness(text) is None
    assert checks(actions(f"- [ ] {text} @bob due:2026-12-04")) == []


def test_vague_finding_explains_and_suggests() -> None:
    [finding] = check_postmortem(actions("- [ ] Improve monitoring @bob due:2026-12-04"), DEFAULTS)
    assert finding.check == "vague-action" and finding.line_number == 3
    assert finding.line == "- [ ] Improve monitoring @bob due:2026-12-04"
    assert "“Improve monitoring”" in finding.message
    assert "500ms" in finding.suggestion  # a concrete rewrite, not a lecture


def test_the_owner_and_due_date_are_not_part_of_the_action_text() -> None:
    # "by Friday" is the (bad) date, not what makes the action specific.
    assert ids(actions("- [ ] Improve monitoring @bob by Friday")) == {
        "vague-action",
        "missing-due-date",
    }
    assert ids(actions("- [ ] @alice to look into the lag due:2026-12-01")) == {"vague-action"}


# --- Duplicates ----------------------------------------------------------------------------------


def test_duplicate_actions_point_at_the_first() -> None:
    body = actions(
        GOOD,
        "- [ ] Roll out config changes behind a canary @bob due:2026-12-18",
        "- [ ] Add alerting for p95 latency above 500 ms on the checkout endpoint @carol due:2026-12-11",
    )
    [finding] = check_postmortem(body, DEFAULTS, TODAY)
    assert (finding.check, finding.line_number) == ("duplicate-action", 5)
    assert "line 3" in finding.message


def test_similar_actions_on_different_things_are_not_duplicates() -> None:
    body = actions(
        GOOD,
        GOOD.replace("checkout", "search"),
        GOOD.replace("p95", "p99").replace("500ms", "2s"),
        "- [ ] Alert on replica lag above 30s for db-eu-1 @ivan due:2026-12-04",
        "- [ ] Alert on replica lag above 30s for db-us-1 @ivan due:2026-12-04",
    )
    assert checks(body) == []


# --- Past due dates ------------------------------------------------------------------------------


def test_past_due_against_today_the_reports_own_dates_or_the_creation_date() -> None:
    line = "- [ ] Send the revised SOW to the client @andrew due:2026-11-19"
    assert ids(actions(line)) == {"past-due-date"}
    assert ids(actions(line), today=dt.date(2026, 11, 19)) == set()
    dated = form(("Meeting date", "2026-11-18"), ("Actions", line))
    assert ids(dated, today=dt.date(2027, 3, 1)) == set()  # written at the meeting
    assert ids(dated, created=dt.date(2026, 11, 25)) == {"past-due-date"}


def test_done_actions_and_todays_date_are_not_past_due() -> None:
    done = "- [x] Roll back release 4.12.0 in the Play Console @mei due:2026-11-14"
    today = "- [ ] Move backups to the offsite tape library @hamid due:2026-11-20"
    assert checks(actions(done, today)) == []


def test_past_due_message_names_the_reference_and_a_new_date() -> None:
    [finding] = check_postmortem(
        actions("- [ ] Renew the certificate @chen due:2025-11-30"), DEFAULTS, TODAY
    )
    assert "2025-11-30" in finding.message and "2026-11-20" in finding.message
    assert "due:2026-12-04" in finding.suggestion


# --- Empty sections ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading", ["Summary", "Timeline", "Root causes (five whys)", "What worked", "What went well"]
)
@pytest.mark.parametrize("answer", ["_No response_", "TBD", "N/A", "<!-- fill in later -->", "-"])
def test_empty_sections(heading: str, answer: str) -> None:
    assert checks(form((heading, answer))) == [("empty-section", 1)]


def test_optional_and_filled_sections_are_not_reported() -> None:
    body = form(
        ("Contributing factors", "_No response_"),
        ("Attendees", "_No response_"),
        ("What worked", "Rollback took two minutes."),
    )
    assert checks(body) == []


# --- Root causes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The database ran out of disk space.",
        "Bad deploy.",
        "A bug in the payment service's retry logic.",
        "The cert expired. Users could not log in.",
    ],
)
def test_shallow_root_causes(text: str) -> None:
    assert ids(form(("Root causes", text))) == {"shallow-root-cause"}


@pytest.mark.parametrize(
    "text",
    [
        "The deploy pipeline allowed a config change to reach every region at once, without a canary.",
        "Why did login fail? The certificate expired. Why? Renewal was manual and nobody owned it.",
        "1. Why did checkout fail? The pool was set to 5.\n2. Why? Config changes skip the load test.",
        "The nightly export wrote partial files because the retry reused the same output prefix.",
    ],
)
def test_root_causes_that_reach_the_system(text: str) -> None:
    assert checks(form(("Root causes", text))) == []


def test_human_error_as_root_cause_is_shallow_and_blame() -> None:
    assert ids(form(("Root cause", "Human error."))) == {"shallow-root-cause", "blame-framing"}


# --- Timelines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "- Deploy went out\n- Errors started\n- We rolled back",
        "In the morning the job failed. By the evening it was fixed.",
        "- 2026-11-16: config deployed\n- 2026-11-16: alerts fire",
    ],
)
def test_timelines_without_times(text: str) -> None:
    assert checks(form(("Timeline", text))) == [("timeline-without-times", 1)]


@pytest.mark.parametrize(
    "text",
    [
        "- 14:02 UTC deploy\n- 14:09 page",
        "- 9:40am first tickets\n- 11:30am refunds confirmed",
        "- T+0 rollout starts\n- T+35m crash rate drops",
        "```\n2026-11-12T02:14:07Z export failed\n```",
        "- 2026-09-01 Kick-off\n- 2026-10-15 Delivery date missed",
    ],
)
def test_timelines_with_times(text: str) -> None:
    assert checks(form(("Timeline", text))) == []


def test_a_project_timeline_may_use_one_date_per_step() -> None:
    body = form(
        ("Incident type", "Project or delivery failure"), ("Timeline", "- 2026-09-01 Kick-off")
    )
    assert checks(body) == []


# --- Blame framing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Alex deployed without running the full test suite. This is unacceptable.",
        "It was Sarah's fault: she forgot to renew the certificate.",
        "@jlee was careless with the migration script.",
        "The on-call engineer should have escalated much earlier.",
        "Kevin ignored the disk space alerts for three days.",
        "The intern committed AWS keys to a public repository. This was negligent.",
        "Root cause: human error.",
        "Lisa, who was on call, did not respond to the page for 45 minutes.",
    ],
)
def test_blame_framing(text: str) -> None:
    assert "blame-framing" in ids(form(("Summary", text)))


@pytest.mark.parametrize(
    "text",
    [
        "- 14:02 @alice deploys build 4.12\n- 14:09 Alice pages Bob\n- 14:20 Bob rolls back",
        "The latency alert should have fired at 14:05, but it was defined on the average.",
        "This was not human error: the runbook pointed at production by default.",
        "The cluster is fault-tolerant, but the default replication factor was 1.",
        "A three-week slip was unacceptable to the client, and we credited two weeks of fees.",
        "The on-call engineer did not see the page because it went to a replaced phone number.",
        "Priya worked without a break for six hours and handed over to Tom at 08:00.",
        "Nobody is to blame here; the tool allowed a restore without a confirmation.",
    ],
)
def test_blameless_text_with_names_and_tricky_words(text: str) -> None:
    assert "blame-framing" not in ids(form(("Summary", text)))


def test_blame_suggests_a_system_framing_rewrite() -> None:
    body = form(
        ("Summary", "Alex deployed without running the full test suite. This is unacceptable.")
    )
    [finding] = check_postmortem(body, DEFAULTS, TODAY)
    assert finding.check == "blame-framing" and finding.line_number == 3
    assert (
        "The process let a deploy go out without running the full test suite" in finding.suggestion
    )
    omission = form(("Root causes", "Dave forgot to update the schedule, so it ran twice."))
    [finding] = [
        f for f in check_postmortem(omission, DEFAULTS, TODAY) if f.check == "blame-framing"
    ]
    assert "made sure someone would update the schedule" in finding.suggestion


def test_blame_in_metadata_sections_and_code_is_ignored() -> None:
    body = form(
        ("Report owner", "@carol"),
        ("Notes", "```\nbob was careless\n```\n> Alex is at fault, said one chat message"),
    )
    assert checks(body) == []


def test_names_in_a_multi_line_paragraph_are_found_on_their_line() -> None:
    body = form(("Root causes", "The outage was caused by a config push.\nIt was @dmitri's fault."))
    assert checks(body) == [("blame-framing", 4)]


# --- Fragments -----------------------------------------------------------------------------------


def test_a_body_without_headings_is_read_as_actions_with_original_line_numbers() -> None:
    body = (
        f"{GOOD}\n- [ ] Improve monitoring @bob due:2026-12-04\n- [ ] Document it due:2026-12-04\n"
    )
    assert checks(body) == [("vague-action", 2), ("missing-owner", 3), ("vague-action", 3)]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("Root cause: the disk filled up on db-3.\n", [("shallow-root-cause", 1)]),
        ("**Root cause**: Disk full.\n", [("shallow-root-cause", 1)]),
        ("Root cause — disk full\n", [("shallow-root-cause", 1)]),
        ("The root cause was a bad config push.\n", [("shallow-root-cause", 1)]),
        ("**Timeline**\n\n- Deploy went out\n- Errors spiked\n", [("timeline-without-times", 1)]),
        ("__What worked__\n\nN/A\n", [("empty-section", 1)]),
        (
            "Follow-up actions:\n- [ ] Improve monitoring @bob due:2026-12-04\n",
            [("vague-action", 2)],
        ),
        ("Improve monitoring @bob due:2026-12-04\n", [("vague-action", 1)]),
        ("We saw a spike - then it dropped.\n", []),
    ],
)
def test_label_lines_act_as_headings_in_a_fragment(
    fragment: str, expected: list[tuple[str, int]]
) -> None:
    assert checks(fragment) == expected


# --- Config --------------------------------------------------------------------------------------


def test_disabled_checks_do_not_run() -> None:
    body = actions("- [ ] Improve monitoring @bob due:2025-01-01")
    assert ids(body) == {"vague-action", "past-due-date"}
    config = from_mapping({"checks": {"disabled": ["vague-action", "past-due-date"]}})
    assert checks(body, config) == []


def test_a_typo_in_disabled_is_reported_by_name() -> None:
    with pytest.raises(ConfigError) as raised:
        from_mapping({"checks": {"disabled": ["vauge-action"]}}, "pmflow.yml")
    assert "checks.disabled.0: 'vauge-action' is not one of 'missing-owner'" in str(raised.value)


def test_teams_add_their_own_vague_phrases_and_blame_terms() -> None:
    config = from_mapping(
        {"checks": {"vague_phrases": ["circle back"], "blame_terms": ["rockstar"]}}
    )
    body = form(
        ("Summary", "Our rockstar fixed it in ten minutes."),
        ("Actions", "- [ ] Circle back with the DBA team on pool sizes @ivan due:2026-12-04"),
    )
    assert checks(body, config) == [("blame-framing", 3), ("vague-action", 7)]
    assert checks(body) == [("vague-action", 7)]  # "circle back" is vague by default too


def test_check_ids_and_config_schema_agree() -> None:
    enum = schema()["properties"]["checks"]["properties"]["disabled"]["items"]["enum"]
    assert tuple(enum) == CHECK_IDS
    assert DEFAULTS.checks.disabled == frozenset() and DEFAULTS.checks.blame_terms == ()
    assert frozenset({"missing-owner", "missing-due-date"}) == PARSER_CHECKS


def test_a_finding_becomes_a_warning_for_the_problems_comment() -> None:
    finding = Finding("vague-action", 7, "- [ ] x", "What.", "Why.", "Fix.")
    problem = finding.to_problem()
    assert (problem.code, problem.severity, problem.line_number) == (
        "vague-action",
        Severity.WARNING,
        7,
    )
    assert problem.hint == "Why. Fix." and problem.message == "What." and problem.line == "- [ ] x"


# --- pmflow check --------------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no .github/pmflow.yml from the developer's checkout
    return CliRunner()


def test_cli_clean_body_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "-"], input=actions(GOOD))
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output


def test_cli_findings_exit_1_with_line_what_why_fix(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "pm.md"
    path.write_text(actions("- [ ] Improve monitoring @bob due:2026-12-04"))
    result = runner.invoke(main, ["check", str(path), "--today", "2026-11-20"])
    assert result.exit_code == 1
    assert f"{path}:3: vague-action" in result.output
    assert "  line: - [ ] Improve monitoring" in result.output
    for label in ("what:", "why:", "fix:"):
        assert label in result.output
    assert "1 finding: 1 vague-action" in result.output


def test_cli_json(runner: CliRunner) -> None:
    body = actions("- [ ] Improve monitoring @bob due:2026-01-01", GOOD)
    result = runner.invoke(main, ["check", "--json", "--today", "2026-11-20"], input=body)
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["clean"] is False and document["source"] == "<stdin>"
    assert document["counts"] == {"past-due-date": 1, "vague-action": 1}
    assert {f["check"] for f in document["findings"]} == {"vague-action", "past-due-date"}
    assert set(document["findings"][0]) == {
        "check",
        "line_number",
        "line",
        "message",
        "why",
        "suggestion",
    }


def test_cli_github_annotations(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "pm.md"
    path.write_text(actions("- [ ] Improve monitoring, alerting @bob due:2026-12-04"))
    result = runner.invoke(main, ["check", str(path), "--format", "github"])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"::warning file={path},line=3,title=pmflow vague-action::")
    assert "%0A" not in line or "\n" not in line


def test_cli_config_and_disable(runner: CliRunner, tmp_path: Path) -> None:
    body = actions("- [ ] Improve monitoring @bob due:2026-12-04")
    config = tmp_path / "pmflow.yml"
    config.write_text("checks:\n  disabled: [vague-action]\n")
    assert runner.invoke(main, ["check", "--config", str(config)], input=body).exit_code == 0
    assert runner.invoke(main, ["check", "--disable", "vague-action"], input=body).exit_code == 0
    assert runner.invoke(main, ["check"], input=body).exit_code == 1


def test_cli_default_config_file_is_used(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "pmflow.yml").write_text("checks:\n  vague_phrases: [ASAP-ish]\n")
    body = actions("- [ ] Rotate the deploy keys ASAP-ish @kwame due:2026-12-04")
    assert runner.invoke(main, ["check"], input=body).exit_code == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ["check", "missing.md"],
        ["check", "--format", "xml"],
        ["check", "--json", "--format", "github"],
        ["check", "--disable", "vauge-action"],
        ["check", "--today", "next week"],
    ],
)
def test_cli_usage_errors_exit_2(runner: CliRunner, arguments: list[str]) -> None:
    result = runner.invoke(main, arguments, input=actions(GOOD))
    assert result.exit_code == 2, result.output


def test_cli_bad_config_is_a_usage_error_naming_the_key(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "pmflow.yml"
    config.write_text("checks:\n  disabled: [vauge-action]\n")
    result = runner.invoke(main, ["check", "--config", str(config)], input=actions(GOOD))
    assert result.exit_code == 2
    assert "'vauge-action' is not one of" in result.output


def test_cli_needs_no_token_or_network(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"], input=actions(GOOD), env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 0


# --- The labelled corpus -------------------------------------------------------------------------


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "quality_benchmark", ROOT / "benchmarks" / "quality.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_result() -> tuple[dict, list]:
    return _benchmark().evaluate()


def test_corpus_is_large_varied_and_half_clean(corpus_result: tuple[dict, list]) -> None:
    _, samples = corpus_result
    sizes = _benchmark().summary(samples)
    assert sizes["action_lines"] >= 80 and sizes["passages"] >= 40
    assert sizes["action_lines_clean"] * 2 >= sizes["action_lines"]
    assert sizes["passages_clean"] * 2 >= sizes["passages"]
    domains = {sample.name.rsplit("(", 1)[-1].rstrip(")") for sample in samples}
    assert {"web ops", "data", "mobile", "hardware", "security", "support", "delivery"} <= domains


@pytest.mark.parametrize("check", CHECK_IDS)
def test_corpus_precision_and_recall(corpus_result: tuple[dict, list], check: str) -> None:
    scores, _ = corpus_result
    score = scores[check]
    assert score.true_positives >= 5, f"{check}: too few labelled examples to measure"
    assert score.precision >= 0.9, f"{check} false alarms: {score.false_alarms}"
    assert score.recall >= 0.8, f"{check} misses: {score.misses}"


def test_benchmark_writes_a_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "quality.json"
    assert _benchmark().main(["--json", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "precision" in printed and "blame-framing" in printed
    result = json.loads(output.read_text())
    assert set(result["checks"]) == set(CHECK_IDS)
    assert result["corpus"]["action_lines"] >= 80
