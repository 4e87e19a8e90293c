"""Properties of the parser that must hold for any text a person can type."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pmflow.parse import parse_postmortem, replace_lines, rewrite_action_line, split_lines

FRAGMENTS = st.sampled_from(
    [
        "### Actions",
        "## Action items",
        "### Summary",
        "_No response_",
        "```",
        "~~~",
        "> ",
        "<!--",
        "-->",
        "- [ ] ",
        "- [x] ",
        "* [X] ",
        "#12 ",
        "@alice",
        "@acme/sre",
        "due:",
        "due ",
        "by ",
        "2026-12-04",
        "2026-13-01",
        "(",
        ")",
        "Friday",
        "\r\n",
        "\n",
        " ",
        "\t",
        "\u200b",
        "\u202e",
        "＠bob",
        "`",
        "<!-- pmflow:action pm=1 key=x -->",
    ]
)
BODIES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_parsing_never_raises_and_lines_are_real(body: str) -> None:
    report = parse_postmortem(body)
    lines = split_lines(body)
    for action in report.actions:
        assert lines[action.line_index].rstrip("\r\n") == action.text
        assert action.owner and action.due


@settings(max_examples=400, deadline=None)
@given(BODIES, st.integers(min_value=1, max_value=10**6), st.booleans())
def test_rewrite_changes_only_action_lines(body: str, number: int, checked: bool) -> None:
    report = parse_postmortem(body)
    edits = {
        a.line_index: rewrite_action_line(split_lines(body)[a.line_index], number, checked)
        for a in report.actions
    }
    new = replace_lines(body, edits)
    before, after = split_lines(body), split_lines(new)
    assert len(before) == len(after)
    for index, (old_line, new_line) in enumerate(zip(before, after, strict=True)):
        if index not in edits:
            assert old_line == new_line
        else:
            # Same ending, and the author's text survives after the inserted reference.
            assert new_line.endswith(old_line[len(old_line.rstrip("\r\n")) :])
            old_action = next(a for a in report.actions if a.line_index == index)
            reparsed = parse_postmortem(new).actions
            again = next(a for a in reparsed if a.line_index == index)
            assert again.issue_number == number
            assert again.checked == checked
            assert (again.owner, again.due) == (old_action.owner, old_action.due)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029a—"), max_size=12))
def test_lines_break_at_newlines_only(text: str) -> None:
    # str.splitlines (which split_lines uses where it can) also breaks at the other characters.
    pieces = text.split("\n")
    expected = [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    assert split_lines(text) == expected
