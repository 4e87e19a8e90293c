from __future__ import annotations

import io
from pathlib import Path

import pytest

from pmflow import markers
from pmflow.clock import ClockError, parse_now
from pmflow.config import ConfigError, from_mapping, load
from pmflow.progress import Progress
from pmflow.render import Renderer, TemplateError, code_span, truncate


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load()
    assert config.postmortem_label == "postmortem"
    assert config.action_label["name"] == "postmortem-action"
    assert config.milestone_strategy == "per-postmortem"


def test_errors_name_the_key_and_what_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "pmflow.yml"
    path.write_text("sub_issues: 'yes'\nmilestones:\n  strategy: weekly\nlabels: []\n")
    with pytest.raises(ConfigError) as raised:
        load(path)
    message = str(raised.value)
    assert "sub_issues: expected boolean, got str 'yes'" in message
    assert (
        "milestones.strategy: 'weekly' is not one of 'per-postmortem', 'shared', 'none'" in message
    )
    assert "unknown key 'labels'" in message and str(path) in message


def test_yaml_syntax_error_and_missing_named_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("postmortem_label: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(bad)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load(tmp_path / "missing.yml")
    with pytest.raises(ConfigError, match="mapping"):
        from_mapping(["a"], "list.yml")


def test_partial_nested_mapping_keeps_other_defaults() -> None:
    config = from_mapping({"action_label": {"name": "pm-action"}})
    assert config.action_label == {
        "name": "pm-action",
        "color": "d93f0b",
        "description": "An action agreed in a post-mortem, tracked by pmflow",
    }


def test_markers_round_trip_and_cannot_be_broken_out_of() -> None:
    text = markers.format_marker("action", pm=7, key="a b-->c", due=None)
    assert text == "<!-- pmflow:action pm=7 key=a%20b--%3Ec -->"
    (found,) = markers.find_markers(f"before {text} after")
    assert found.kind == "action" and found.fields == {"pm": "7", "key": "a b-->c"}
    assert markers.find_marker(text, "problems") is None
    assert markers.strip_markers(f"x{text}y") == "xy"


def test_override_templates_are_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "problems_comment.md.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    )
    with pytest.raises(TemplateError, match=r"problems_comment\.md\.j2"):
        Renderer(tmp_path).render("problems_comment.md.j2", marker="", problems=[])


def test_an_override_that_includes_a_packaged_template_is_still_sandboxed(
    tmp_path: Path,
) -> None:
    # pmflow's own templates render outside the sandbox; reaching one from an override must not
    # take the override out of it, nor let the override's code run unchecked.
    (tmp_path / "problems_comment.md.j2").write_text(
        '{% include "verified_comment.md.j2" ignore missing %}'
        "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    )
    renderer = Renderer(tmp_path)
    with pytest.raises(TemplateError, match=r"problems_comment\.md\.j2 \(from "):
        renderer.render("problems_comment.md.j2", marker="", problems=[])
    # The packaged templates the override did not replace render as shipped.
    context = {"marker": "m", "who": "alice", "meeting_date": "2026-11-02", "days": 5}
    shipped = Renderer(None).render("nudge_actions.md.j2", **context)
    assert shipped.startswith("m\n@alice the post-mortem meeting was on 2026-11-02")
    assert renderer.render("nudge_actions.md.j2", **context) == shipped


def test_override_templates_win(tmp_path: Path) -> None:
    (tmp_path / "problems_comment.md.j2").write_text("{{ marker }} custom {{ problems | length }}")
    assert (
        Renderer(tmp_path).render("problems_comment.md.j2", marker="m", problems=[1])
        == "m custom 1"
    )


def test_truncate_keeps_the_tail_marker() -> None:
    text = truncate("x" * 70_000, keep_tail="<!-- pmflow:end -->")
    assert len(text) == 65_536 and text.endswith("<!-- pmflow:end -->")
    assert "shortened" in text


def test_code_span_survives_backticks() -> None:
    assert code_span("a `b` c") == "``a `b` c``"
    assert code_span("`x") == "`` `x ``"


@pytest.mark.parametrize(
    "text", ["2026-12-04", "2026-12-04T09:00:00Z", "2026-12-04T10:00:00+01:00"]
)
def test_clock_accepts_iso(text: str) -> None:
    assert parse_now(text).tzinfo is not None


def test_clock_rejects_other_text() -> None:
    with pytest.raises(ClockError, match="ISO 8601"):
        parse_now("next friday")


def test_markers_are_trusted_only_from_pmflows_own_user() -> None:
    assert markers.written_by_pmflow("pmflow-bot", "pmflow-bot")
    assert not markers.written_by_pmflow("mallory", "pmflow-bot")
    # A token that cannot say who it is (Actions, App): any bot, never a person.
    assert markers.written_by_pmflow("github-actions[bot]", markers.ANY_BOT)
    assert not markers.written_by_pmflow("mallory", markers.ANY_BOT)
    assert not markers.written_by_pmflow("mallory[bot]x", markers.ANY_BOT)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_only_for_long_runs() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress("sync", 200, stream)
        progress.step(45, 112)
        progress.finish()
    assert "pmflow sync: 45/200 (#112)" in terminal.getvalue()
    assert pipe.getvalue() == ""
    short = _Terminal()
    Progress("sync", 3, short).step(1, 7)
    assert short.getvalue() == ""
