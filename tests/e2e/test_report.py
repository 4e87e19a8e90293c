"""`pmflow report` on a simulated year of post-mortems: every figure recomputed here, by hand.

The expected figures below use only the table in `year.py` and the standard library, never
pmflow's own code, so a wrong definition in pmflow cannot agree with itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import struct
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pmflow.simulator import GitHubSimulator

from ..conftest import TOKEN_VARIABLES
from .conftest import BOT, REPO, TOKEN, run
from .year import OPERATIONAL, TODAY, Spec, play, year

NOW = {"PMFLOW_NOW": TODAY.isoformat()}


@pytest.fixture(autouse=True)
def quiet_sync(isolated_cwd: Path) -> None:
    # The year is about the record; the report-quality advice is tested elsewhere.
    config = isolated_cwd / ".github" / "pmflow.yml"
    config.parent.mkdir()
    config.write_text("checks:\n  in_sync: false\n")


@pytest.fixture(scope="module")
def played(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GitHubSimulator, list[Spec]]]:
    """One simulated year, shared by the tests that only read it (playing it takes seconds)."""
    checkout = tmp_path_factory.mktemp("year")
    (checkout / ".github").mkdir()
    (checkout / ".github" / "pmflow.yml").write_text("checks:\n  in_sync: false\n")
    with GitHubSimulator() as sim, contextlib.chdir(checkout), pytest.MonkeyPatch.context() as env:
        # What tests/conftest.py does for each test, for this module-wide fixture.
        for name in TOKEN_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("PMFLOW_SECONDS_BETWEEN_REQUESTS", "0")
        env.setenv("PMFLOW_SECONDS_BETWEEN_WRITES", "0")
        sim.add_user(BOT, token=TOKEN)
        for login in ("alice", "bob", "carol"):
            sim.add_user(login)
        sim.add_repo(REPO, collaborators=[BOT, "alice", "bob", "carol"])
        sim.add_label(REPO, "postmortem", color="5319e7")
        specs = year()
        play(sim, specs)
        yield sim, specs


def report_json(sim: GitHubSimulator, *args: str) -> dict[str, Any]:
    result = run(sim, "report", "--json", *args, env=NOW)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def inclusive_percentile(values: list[float], fraction: float) -> float:
    # statistics.quantiles' "inclusive" method interpolates between the closest ranks.
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


def expected(specs: list[Spec], since: dt.date | None = None) -> dict[str, Any]:
    today = TODAY.date()
    chosen = [s for s in specs if since is None or s.incident >= since]
    actions = [(s, a) for s in chosen for a in s.actions]
    done = [(s, a) for s, a in actions if a.closed is not None and a.reason == "completed"]
    overdue = [(s, a) for s, a in actions if a.closed is None and a.due < today]
    on_time = [(s, a) for s, a in done if a.closed is not None and a.closed.date() <= a.due]
    decided = len(done) + len(overdue)
    days = [(a.closed - s.opened).total_seconds() / 86400 for s, a in done if a.closed]
    hours = [
        (s.meeting - s.incident).days * 24 for s in chosen if s.kind == OPERATIONAL and s.meeting
    ]
    weeks = Counter("{}-W{:02d}".format(*a.closed.isocalendar()[:2]) for _, a in done if a.closed)
    months: dict[str, list[bool]] = {}
    for s, a in done + overdue:
        months.setdefault(a.due.strftime("%Y-%m"), []).append((s, a) in on_time)
    return {
        "postmortems": len(chosen),
        "actions": len(actions),
        "actions_done": len(done),
        "on_time_share": len(on_time) / decided if decided else None,
        "days_to_close_median": round(statistics.median(days), 1) if days else None,
        "days_to_close_p90": round(inclusive_percentile(days, 0.9), 1) if len(days) > 1 else None,
        "open_overdue": len(overdue),
        "meeting_hours_median": statistics.median(hours) if hours else None,
        "meeting_within_target_share": (
            sum(h <= 72 for h in hours) / len(hours) if hours else None
        ),
        "weeks": {week: count for week, count in weeks.items()},
        "months": {m: (sum(v), len(v)) for m, v in months.items()},
        "owners": Counter(a.owner for _, a in overdue),
        "rows": {
            s.number: (
                len(s.actions),
                sum(1 for x in done if x[0] is s),
                sum(1 for x in on_time if x[0] is s),
                sum(1 for x in overdue if x[0] is s),
            )
            for s in chosen
        },
    }


def check(report: dict[str, Any], want: dict[str, Any]) -> None:
    metrics = {m["id"]: m["value"] for m in report["metrics"]}
    for key in (
        "postmortems",
        "actions",
        "actions_done",
        "open_overdue",
        "days_to_close_median",
        "days_to_close_p90",
        "meeting_hours_median",
    ):
        assert metrics[key] == want[key], key
    for key in ("on_time_share", "meeting_within_target_share"):
        assert metrics[key] == pytest.approx(want[key], abs=1e-4), key
    closed = {w["week"]: w["closed"] for w in report["actions_closed_per_week"] if w["closed"]}
    assert closed == want["weeks"]
    months = {m["month"]: (m["on_time"], m["decided"]) for m in report["on_time_share_per_month"]}
    assert months == want["months"]
    owners = {o["owner"]: o["overdue"] for o in report["open_overdue_by_owner"]}
    assert owners == dict(want["owners"])
    rows = {
        r["number"]: (r["actions"], r["done"], r["on_time"], r["overdue"])
        for r in report["register"]
    }
    assert rows == want["rows"]


def test_the_figures_of_a_year_match_an_independent_count(played: Any) -> None:
    sim, specs = played
    report = report_json(sim)
    want = expected(specs)
    check(report, want)
    # The fixture's own figures, written out so that the README and the report can quote them.
    metrics = {m["id"]: m["value"] for m in report["metrics"]}
    assert metrics == {
        "postmortems": 11,
        "actions": 21,
        "actions_done": 16,
        "on_time_share": pytest.approx(11 / 19, abs=1e-4),
        "days_to_close_median": want["days_to_close_median"],
        "days_to_close_p90": want["days_to_close_p90"],
        "open_overdue": 3,
        "meeting_hours_median": 48,
        "meeting_within_target_share": pytest.approx(7 / 8, abs=1e-4),
    }
    states = {r["number"]: r["state"] for r in report["register"]}
    assert states[specs[0].number] == "actions complete"
    assert states[specs[8].number] == "open"
    assert report["register"][0]["number"] == specs[-1].number  # newest first
    assert report["period"] == {"since": None, "until": "2026-12-01"}


def test_since_limits_the_period(played: Any) -> None:
    sim, specs = played
    since = dt.date(2026, 6, 1)
    report = report_json(sim, "--since", since.isoformat())
    check(report, expected(specs, since))
    assert report["period"]["since"] == "2026-06-01"
    assert report["postmortems_per_month"][0]["month"] == "2026-06"


def test_markdown_is_the_default_and_html_goes_to_a_file(played: Any, tmp_path: Path) -> None:
    sim, _ = played
    markdown = run(sim, "report", env=NOW)
    assert markdown.exit_code == 0, markdown.output
    assert "```mermaid\nxychart-beta" in markdown.stdout
    assert "| Actions done on time | **58%** | 19 |" in markdown.stdout
    page = tmp_path / "register.html"
    result = run(sim, "report", "--format", "html", "--output", str(page), env=NOW)
    assert result.exit_code == 0, result.output
    html = page.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "<script" not in html and "src=" not in html and "@import" not in html
    assert not any(f"{kind}://" in html.split("<body>")[0] for kind in ("http", "https"))


def test_the_job_summary_gets_the_markdown(played: Any, tmp_path: Path) -> None:
    sim, _ = played
    summary = tmp_path / "summary.md"
    result = run(sim, "report", "--json", env={**NOW, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0, result.output
    text = summary.read_text("utf-8")
    assert text.startswith("## Post-mortem register: acme/checkout")
    assert "xychart-beta" in text


def test_the_register_issue_is_created_once_then_edited_in_place(sim: GitHubSimulator) -> None:
    specs = year()[:3]
    play(sim, specs)
    sim.clear_log()
    dry = run(sim, "report", "--to-issue", "--dry-run", env=NOW)
    assert dry.exit_code == 0, dry.output
    assert "would create the register issue 'Post-mortem register'" in dry.stdout
    assert "<!-- pmflow:register -->" in dry.stdout
    assert not sim.writes()

    first = run(sim, "report", "--to-issue", env=NOW)
    assert first.exit_code == 0, first.output
    assert [f"{r.method} {r.path}" for r in sim.writes()] == [f"POST /repos/{REPO}/issues"]
    (register,) = [i for i in sim.issues(REPO) if "postmortem-register" in i.labels]
    assert register.body.startswith("<!-- pmflow:register -->")
    assert register.author == "pmflow-bot"

    sim.clear_log()
    again = run(sim, "report", "--to-issue", env=NOW)
    assert "the register issue is up to date" in again.stdout
    assert not sim.writes()

    # An action is reopened: the same issue is edited, no second register appears.
    sim.edit_issue(REPO, specs[0].actions[0].number, state="open")
    sim.clear_log()
    edited = run(sim, "report", "--to-issue", "--json", env=NOW)
    assert edited.exit_code == 0, edited.output
    assert [f"{r.method} {r.path}" for r in sim.writes()] == [
        f"PATCH /repos/{REPO}/issues/{register.number}"
    ]
    assert json.loads(edited.stdout)["operations"][0]["op"] == "EditIssueBody"
    assert len([i for i in sim.issues(REPO) if "postmortem-register" in i.labels]) == 1


def test_a_copied_marker_in_someone_elses_issue_is_not_the_register(sim: GitHubSimulator) -> None:
    sim.add_issue(
        REPO,
        "Fake register",
        body="<!-- pmflow:register -->\nmine",
        author="outsider",
        labels=["postmortem-register"],
    )
    result = run(sim, "report", "--to-issue", env=NOW)
    assert result.exit_code == 0, result.output
    fake = next(i for i in sim.issues(REPO) if i.title == "Fake register")
    assert fake.body == "<!-- pmflow:register -->\nmine"
    assert any(i.title == "Post-mortem register" for i in sim.issues(REPO))


def test_a_bad_since_is_a_usage_error(sim: GitHubSimulator) -> None:
    result = run(sim, "report", "--since", "last week", env=NOW)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_json_and_another_format_is_a_usage_error(sim: GitHubSimulator) -> None:
    result = run(sim, "report", "--json", "--format", "html", env=NOW)
    assert result.exit_code == 2


# --- the HTML page in a real browser -------------------------------------------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing can be fetched: no host resolves. (Scripts stay on: headless Chromium needs them
    # to dump the DOM and take the screenshot. The page has none, as the tests above check.)
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("PMFLOW_REQUIRE_CONTRACT"):
            pytest.fail("headless Chromium is required here (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium) to open the page")
    return found


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_the_html_page_renders_in_headless_chromium(played: Any, tmp_path: Path) -> None:
    sim, _ = played
    page = tmp_path / "register.html"
    result = run(sim, "report", "--format", "html", "--output", str(page), env=NOW)
    assert result.exit_code == 0, result.output
    dom = browse(page, tmp_path / "profile", "--dump-dom").stdout
    # What the browser built from the page, scripts off: the figures, the charts, the register.
    assert "Actions done on time" in dom and "58%" in dom
    assert dom.count("<svg") == 3 and dom.count('class="bar"') > 52
    assert dom.count("<tr>") >= 11 + 2
    shot = tmp_path / "register.png"
    browse(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,3000")
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 3000)
    assert len(png) > 50_000  # a drawn page, not a blank one (blank: a few kB)


def test_to_issue_with_an_html_page_needs_a_file_for_it(sim: GitHubSimulator) -> None:
    result = run(sim, "report", "--to-issue", "--format", "html", env=NOW)
    assert result.exit_code == 2
    assert "--output FILE" in result.output


def test_a_broken_template_override_writes_nothing(
    sim: GitHubSimulator, isolated_cwd: Path
) -> None:
    templates = isolated_cwd / ".github" / "pmflow" / "templates"
    templates.mkdir(parents=True)
    (templates / "register.html.j2").write_text("{{ record.nothing_here.at_all }}")
    sim.clear_log()
    result = run(sim, "report", "--to-issue", "--format", "html", "--output", "page.html", env=NOW)
    assert result.exit_code == 1
    assert "register.html.j2" in result.output
    assert not sim.writes()
