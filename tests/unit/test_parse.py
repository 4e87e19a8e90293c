from __future__ import annotations

import datetime as dt

import pytest

from pmflow.parse import (
    Sections,
    _visible_lines,
    neutralise_mentions,
    parse_action_line,
    parse_postmortem,
    replace_lines,
    rewrite_action_line,
    split_lines,
)


def form(*sections: tuple[str, str], newline: str = "\n") -> str:
    text = "\n\n".join(f"### {heading}\n\n{answer}" for heading, answer in sections) + "\n"
    return text.replace("\n", newline)


def action(line: str):
    parsed, problems = parse_action_line(0, line)
    return parsed, [p.code for p in problems]


@pytest.mark.parametrize(
    ("line", "title", "owner", "due"),
    [
        (
            "- [ ] Add alerting for latency above 500ms on the checkout endpoint @alice due:2026-12-04",
            "Add alerting for latency above 500ms on the checkout endpoint",
            "alice",
            dt.date(2026, 12, 4),
        ),
        (
            "- [ ] Fix the pool size @bob due 2026-12-05",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "- [ ] Fix the pool size @bob DUE: 2026-12-05",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "- [ ] Fix the pool size @bob by 2026-12-05",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "- [ ] Fix the pool size @bob By:2026-12-05",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "- [ ] Fix the pool size (@bob, due 2026-12-05)",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "- [ ] Fix the pool size @bob (due: 2026-12-05)",
            "Fix the pool size",
            "bob",
            dt.date(2026, 12, 5),
        ),
        (
            "* [ ] @carol: document the limit due:2026-12-01",
            "Document the limit",
            "carol",
            dt.date(2026, 12, 1),
        ),
        (
            "- [ ] Owner: @dave-x Rotate keys due:2026-12-01",
            "Rotate keys",
            "dave-x",
            dt.date(2026, 12, 1),
        ),
        ("  - [x] Nested item @erin due:2027-01-31", "Nested item", "erin", dt.date(2027, 1, 31)),
    ],
)
def test_grammar_variants(line: str, title: str, owner: str, due: dt.date) -> None:
    parsed, problems = action(line)
    assert problems == []
    assert parsed is not None
    assert (parsed.title, parsed.owner, parsed.due) == (title, owner, due)


def test_first_user_mention_is_owner_and_teams_are_not() -> None:
    parsed, _ = action("- [ ] Ask @acme/sre and @bob to pair with @carol due:2026-12-01")
    assert parsed is not None and parsed.owner == "bob"
    assert parsed.title == "Ask @acme/sre and to pair with @carol"


def test_email_and_code_span_are_not_owners() -> None:
    parsed, problems = action("- [ ] Mail ops@example.com about `@x` due:2026-12-01")
    assert parsed is None and problems == ["missing-owner"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("- [ ] Fix it @bob", "missing-due-date"),
        ("- [ ] Fix it @bob by Friday", "bad-due-date"),
        ("- [ ] Fix it @bob due next week", "bad-due-date"),
        ("- [ ] Fix it @bob due:2026-13-01", "bad-due-date"),
        ("- [ ] Fix it @bob due 2026-02-30", "bad-due-date"),
        ("- [ ] Fix it @bob due:12/04/2026", "bad-due-date"),
        ("- [ ] Fix it due:2026-12-01", "missing-owner"),
        ("- [ ] @bob due:2026-12-01", "missing-title"),
    ],
)
def test_bad_lines_are_reported_not_guessed(line: str, code: str) -> None:
    parsed, problems = action(line)
    assert parsed is None
    assert code in problems


def test_by_in_prose_is_not_a_bad_date() -> None:
    parsed, problems = action("- [ ] Reduce toil by automating the rollback @bob due:2026-12-01")
    assert problems == []
    assert parsed is not None and parsed.title == "Reduce toil by automating the rollback"


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("- [ ] @due 2026-01-08 fix it", "Fix it"),
        ("- [ ] @by: 2026-01-05 (with ops)", "(with ops)"),
    ],
)
def test_a_login_that_is_also_the_dates_word_takes_no_more_text(line: str, title: str) -> None:
    # `@due 2026-01-08` is both the owner and the date: both go, and only they ("Ix it" once).
    parsed, problems = action(line)
    assert problems == []
    assert parsed is not None and parsed.title == title


def test_linked_line_keeps_owner_and_reads_reference() -> None:
    parsed, _ = action("- [x] #123 Add alerting @alice due:2026-12-04")
    assert parsed is not None
    assert (parsed.issue_number, parsed.checked, parsed.owner, parsed.title) == (
        123,
        True,
        "alice",
        "Add alerting",
    )


def test_postmortem_sections_and_fields_with_crlf() -> None:
    body = form(
        ("Incident type", "Operational incident"),
        ("Incident date", "2026-11-16"),
        ("Summary", "_No response_"),
        ("Action items", "- [ ] Add alerting @alice due:2026-12-04\n- [ ] Vague @bob by Friday"),
        ("Report owner", "@carol"),
        ("Meeting date", "2026-11-18"),
        newline="\r\n",
    )
    report = parse_postmortem(body)
    assert report.incident_type == "Operational incident"
    assert report.incident_date == dt.date(2026, 11, 16)
    assert report.meeting_date == dt.date(2026, 11, 18)
    assert report.report_owner == "carol"
    assert report.section("Summary") is not None and report.section("Summary").content is None
    assert [a.title for a in report.actions] == ["Add alerting"]
    assert [p.code for p in report.problems] == ["bad-due-date"]
    assert report.problems[0].line == "- [ ] Vague @bob by Friday"


def test_sections_are_cut_out_when_asked_for_and_equal_as_values() -> None:
    body = form(
        ("Summary", "Disk full.\n#### Detail\nWAL grew.  "),
        ("Timeline", "_No response_"),
        ("Actions", "- [ ] Add alerting @alice due:2026-12-04"),
        newline="\r\n",
    )
    report = parse_postmortem(body)
    sections = report.sections
    assert isinstance(sections, Sections)
    # One section alone reads what all of them read, and the lines under each heading end
    # where the next heading of its level or above starts.
    alone = [sections.content(position) for position in range(len(sections))]
    assert alone == [s.content for s in sections]
    assert alone == [
        "Disk full.\n#### Detail\nWAL grew.",
        "WAL grew.",
        None,
        report.section("Actions").content,
    ]
    assert [sections.line_range(p) for p in range(4)] == [(1, 6), (4, 6), (7, 10), (11, 13)]
    again = parse_postmortem(body).sections
    assert again == sections and hash(again) == hash(sections) and sections == tuple(sections)
    assert parse_postmortem(body.replace("WAL", "Log")).sections != sections
    assert repr(sections) == repr(tuple(sections))


HIDING = [
    "```\n- [ ] example @x due:2026-01-01\n```\n",
    "~~~~md\n- [ ] tilde @x due:2026-01-01\n~~~~\n",
    "> - [ ] quoted @y due:2026-01-01\n",
    "<!-- - [ ] hidden @z due:2026-01-01 -->\n",
    "<!--\n- [ ] hidden too @z due:2026-01-01\n-->\n",
]


# Each alone too: a body with only one of them must not pass for one with none.
@pytest.mark.parametrize("hidden", ["".join(HIDING), *HIDING])
def test_code_fences_quotes_and_comments_are_not_actions(hidden: str) -> None:
    body = form(("Actions", hidden + "- [ ] Real one @alice due:2026-12-04"))
    report = parse_postmortem(body)
    assert [a.title for a in report.actions] == ["Real one"]
    assert report.problems == ()


@pytest.mark.parametrize(
    "body",
    [
        form(
            (
                "Actions",
                "- [ ] Real one @alice due:2026-12-04\n<!--\n- [ ] hidden @z due:2026-01-01",
            )
        ),
        form(("Summary", "> ### Actions\n"), ("Actions", "- [ ] Real one @alice due:2026-12-04")),
    ],
    ids=["unclosed comment", "quoted heading"],
)
def test_what_an_unclosed_comment_or_a_quote_holds_is_not_read(body: str) -> None:
    assert [a.title for a in parse_postmortem(body).actions] == ["Real one"]


def test_quoted_lines_are_not_visible_text() -> None:
    # The quality checks read what is visible: a quote is someone else's words.
    lines = split_lines("We said:\n> blame @x\nThen.\n")
    assert _visible_lines(lines) == [True, False, True]


def test_unbalanced_fence_hides_the_rest() -> None:
    report = parse_postmortem(form(("Actions", "```\n- [ ] never @x due:2026-01-01")))
    assert report.actions == ()


def test_headings_any_level_any_case_and_configurable() -> None:
    body = "## ACTIONS:\n- [ ] One @a due:2026-12-01\n#### Later\n- [ ] Two @b due:2026-12-02\n## Notes\n- [ ] Not an action @c due:2026-12-03\n"
    assert [a.title for a in parse_postmortem(body).actions] == ["One", "Two"]
    custom = "### Follow-ups\n- [ ] Three @c due:2026-12-03\n"
    assert parse_postmortem(custom).actions == ()
    assert [a.title for a in parse_postmortem(custom, ["follow-ups"]).actions] == ["Three"]


def test_plain_bullet_that_looks_like_an_action_is_flagged() -> None:
    report = parse_postmortem(form(("Actions", "- Fix it @bob due:2026-12-01")))
    assert [p.code for p in report.problems] == ["not-a-checklist-item"]


def test_duplicate_titles_get_distinct_keys() -> None:
    report = parse_postmortem(
        form(("Actions", "- [ ] Same @a due:2026-12-01\n- [ ] same @b due:2026-12-02"))
    )
    keys = [a.key for a in report.actions]
    assert len(set(keys)) == 2 and keys[1] == keys[0] + "-2"


def test_rewrite_inserts_reference_and_keeps_everything_else() -> None:
    line = "- [ ]  Add alerting @alice due:2026-12-04  \r\n"
    assert (
        rewrite_action_line(line, 12, None) == "- [ ]  #12 Add alerting @alice due:2026-12-04  \r\n"
    )
    assert (
        rewrite_action_line(line, 12, True) == "- [x]  #12 Add alerting @alice due:2026-12-04  \r\n"
    )
    linked = "- [X] #12 Add alerting"
    assert rewrite_action_line(linked, 12, True) == linked
    assert rewrite_action_line(linked, 12, False) == "- [ ] #12 Add alerting"
    assert rewrite_action_line("- [ ] #45 follow-up @a due:2026-12-01", 46, None) == (
        "- [ ] #46 #45 follow-up @a due:2026-12-01"
    )


def test_split_and_replace_lines_round_trip_bytes() -> None:
    body = "a\r\nb\n\nc"
    assert "".join(split_lines(body)) == body
    assert replace_lines(body, {1: "B\n"}) == "a\r\nB\n\nc"


def test_neutralise_mentions() -> None:
    text = "ask @acme/sre and @bob, not `@x`, mail a@b.com, owner @alice"
    assert neutralise_mentions(text, keep="alice") == (
        "ask `@acme/sre` and `@bob`, not `@x`, mail a@b.com, owner @alice"
    )
