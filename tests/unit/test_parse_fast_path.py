"""The parser's fast path for the usual action line reads exactly what the general path reads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmflow import parse
from pmflow.parse import find_due, find_owner, parse_action_line


def usually(default: str, others: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`default` four times in five: most drawn lines stay on the fast path, the rest probe it."""
    return st.integers(0, 4).flatmap(lambda n: others if n == 0 else st.just(default))


LEADS = usually("- [ ] ", st.sampled_from(["- [x] ", "* [X] ", "+ [ ]\t", "  - [ ] ", "1. [ ] "]))
REFS = usually("", st.sampled_from(["#12 ", "#7\t", "#0 ", "#12x ", "##3 ", "#12345678901 "]))
# Words that keep a line on the fast path, and words that may take it off (or must).
PLAIN = st.sampled_from(
    [
        "Add",
        "alerting",
        "for the",
        "checkout API",
        "région",
        "日本語",
        "İstanbul",
        "ß",
        "known",
        "(p95)",
        ",",
        ";",
        ":",
        "-",
        "—",
        ".",
        "#12",
        "&#64;bob",
        "<https://example.com>",
        "x)",
        "\u00a0",
        "\u200b",
        "\u3000",
        "\t",
        "  ",
        "standby",
        "nearby",
        "residue",
        "2026-12-04",
    ]
)
TRICKY = st.sampled_from(
    [
        "by",
        "By",
        "due",
        "DUE:",
        "region by region",
        "owner",
        "Owner:",
        "owned by",
        "assignee",
        "(",
        ")",
        "()",
        "( , )",
        "`code`",
        "`@x`",
        "``",
        "\\`",
        "user@example.com",
        "@carol",
        "@acme/sre",
        "\\@dave",
        "[link](https://example.com/@erin)",
        "<!-- @x -->",
        "١٢٣٤",
    ]
)
TEXT = st.lists(st.one_of(PLAIN, PLAIN, PLAIN, PLAIN, TRICKY, st.text(max_size=4)), max_size=6).map(
    " ".join
)
LOGINS = usually(
    "alice",
    st.sampled_from(["Bob-2", "x", "a" * 39, "a" * 40, "by", "x-by", "due", "ab-due", "a-", "é"]),
)
OWNER_BEFORE = usually(
    " ", st.sampled_from(["(", ", ", " — ", "\t", "", "x", "-", "/", "\\", "` ", " `"])
)
OWNER_AFTER = usually("", st.sampled_from([",", "/", "/sre", "-", ".", "'s", ":", ")"]))
BETWEEN = usually(" ", st.sampled_from([", ", ",", "  ", "\t", " (", "(", " ( ", ";", " x ", ""]))
WORD = usually(
    "due", st.sampled_from(["Due", "DUE", "by", "BY", "due by", "overdue", "dueX", "until"])
)
SEPARATOR = usually(":", st.sampled_from([" ", ": ", " : ", "  ", ":\t", "\u00a0", "", "(", ":("]))
DATES = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.sampled_from(
        ["2026-13-01", "2026-02-30", "2026-1-1", "٢٠٢٦-١٢-٠٤", "2026-12-04x", "Friday"]
    ),
)
AFTER_DATE = usually(
    "",
    st.sampled_from(
        [" ", ")", " )", ").", ".", ".5", "..", ",", ";", "x", "-1", "0", "`", " `", " (with @bob)"]
    ),
)
TAIL = usually("", TEXT.map(lambda t: " " + t))
ENDINGS = st.sampled_from(["", "\n", "\r\n", "\r\r\n", " \n", "\r"])


@st.composite
def action_lines(draw: st.DrawFn) -> str:
    """Lines in and around the usual shape `- [ ] <text> @owner due:YYYY-MM-DD`."""
    owner = draw(OWNER_BEFORE) + "@" + draw(LOGINS) + draw(OWNER_AFTER)
    due = draw(BETWEEN) + draw(WORD) + draw(SEPARATOR) + draw(DATES) + draw(AFTER_DATE)
    first = draw(usually("text", st.just("owner"))) == "text"
    parts = [draw(TEXT), owner, due] if first else [owner, draw(TEXT), due]
    return draw(LEADS) + draw(REFS) + "".join(parts) + draw(TAIL) + draw(ENDINGS)


CANONICAL = [
    "- [ ] Add alerting for p95 latency above 500ms on the checkout API @alice due:2026-12-04",
    "- [ ] Document the limits @bob due 2026-12-04\r\n",
    "- [ ] Cap batch size at 10,000 rows (@carol, by 2026-12-04)\n",
    "* [ ] Write a runbook @dmitri (due 2026-12-04)",
    "- [ ] Set a retry budget — @esther, due: 2026-12-04",
    "- [x] #12 Load-test the API @farid BY 2026-12-04  ",
    "- [ ] Move secrets to the vault, owner @grace, due:2026-12-04",
    "- [ ] Run a game day @hiro due:2026-12-04 (pair with @ines and @acme/sre)",
    "  - [ ] Écrire le runbook @jonas by:2026-12-04",
]


@contextlib.contextmanager
def _general_only() -> Iterator[None]:
    with mock.patch.object(parse, "_canonical", lambda rest: None):
        yield


def _rest(line: str) -> str:
    """What parse_action_line hands the fast path: the line after its box and `#ref`."""
    text = parse.line_content(line)
    box = parse._CHECKBOX.match(text)
    rest = text[box.end() :] if box else text
    ref = parse._ISSUE_REF.match(rest)
    return rest[ref.end() :] if ref else rest


@settings(max_examples=3000, deadline=None)
@given(action_lines())
@example("- [ ] Fix it by @alice due:2026-12-04")  # "by" would take "@alice due:..." as its date
@example("- [ ] Fix it @x-by due:2026-12-04")
@example("- [ ] Fix it @alice/ due:2026-12-04")
@example("- [ ] Fix it @alice (due 2026-12-04).")
@example("- [ ] Fix it @alice ( due: 2026-12-04 ) later")
@example("- [ ] Fix it @alice due (2026-12-04)")
@example("- [ ] Fix it (@alice, by 2026-12-04)")
@example("- [ ] Fix it @alice due:2026-13-01 by 2026-12-04")
@example("- [ ] Fix it` @alice due:2026-12-04 ` @bob due:2027-01-01")  # all in a code span
def test_fast_path_reads_what_the_general_path_reads(line: str) -> None:
    for rest in (_rest(line), parse.line_content(line)):
        fast = parse._canonical(rest)
        if fast is not None:
            owner, owner_match = find_owner(rest)
            assert owner_match is not None
            assert (owner, owner_match.span()) == fast[:2]
            general = find_due(rest)
            assert fast[2:] == (general.date, general.span, general.text)
    for seen in ({}, {parse.action_key("Fix it"): 1}):
        for default in (None, parse.parse_iso_date("2027-01-31")):
            taken = parse_action_line(4, line, dict(seen), default)
            with _general_only():
                assert parse_action_line(4, line, dict(seen), default) == taken


@pytest.mark.parametrize("line", CANONICAL)
def test_usual_lines_take_the_fast_path(line: str) -> None:
    assert parse._canonical(_rest(line)) is not None
    taken = parse_action_line(0, line)
    with _general_only():
        assert parse_action_line(0, line) == taken
    assert taken[0] is not None and not taken[1]
