"""Hostile and broken input: bodies, checklist lines, config files and template overrides.

Property tests (hypothesis) over text built from what people and attackers type: arbitrary
Unicode, zero-width characters, right-to-left marks, lookalike `@` signs, HTML, links and
images, unbalanced code fences and backticks, lines imitating pmflow's markers, long runs of one
character. pmflow must never crash, never take quadratic time, and never let copied text ping
anyone: the oracle for pings renders the Markdown with markdown-it-py (CommonMark) and applies
GitHub's mention rule to the text outside code, links and HTML comments.

Example counts are kept modest for CI; `EXAMPLES` says how many each property runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pmflow.config import ConfigError, from_mapping, load
from pmflow.model import IssueState
from pmflow.ops import CreateActionIssue, CreateComment, EditComment, EditPostMortemBody
from pmflow.parse import neutralise_mentions, parse_postmortem, split_lines
from pmflow.plan import PostMortem, RepoFacts, plan_postmortem
from pmflow.quality import check_postmortem
from pmflow.render import Renderer, TemplateError

EXAMPLES = 150  # per property: reported in the issue-7 note
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what GitHub would ping: an independent oracle -----------------------------------------------

_MARKDOWN = MarkdownIt("commonmark").enable("table").enable("strikethrough")
# html-pipeline's MentionFilter (users) and TeamMentionFilter, applied to each text node.
_GITHUB_MENTION = re.compile(
    r"(?:^|\W)@([a-z0-9][a-z0-9-]*)(?:/[a-z0-9][a-z0-9_-]*)?"
    r"(?!/)(?=\.+[ \t\W]|\.+$|[^0-9a-zA-Z_.]|$)",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)  # unclosed: to the end


def pinged(markdown: str) -> set[str]:
    """Logins GitHub would notify for this Markdown (an over-estimate, never an under-one)."""
    found: set[str] = set()

    def scan(text: str) -> None:
        for match in _GITHUB_MENTION.finditer(text):
            login = match.group(1).casefold()
            if not login.endswith("-") and "--" not in login and len(login) <= 39:
                found.add(login)  # others cannot be GitHub logins: nobody to notify

    for block in _MARKDOWN.parse(markdown):
        if block.type == "html_block":
            scan(_TAG.sub(" ", _HTML_COMMENT.sub(" ", block.content)))
        if block.type != "inline" or not block.children:
            continue
        text, in_link = "", 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type == "text" and not in_link:
                text += token.content
                continue
            # An image's alt text is an attribute, not a text node: GitHub does not scan it.
            scan(text)
            text = ""
        scan(text)
    return found


def test_the_oracle_sees_what_github_pings() -> None:
    assert pinged("thanks @alice and @acme/sre, cc _@bob_") == {"alice", "acme", "bob"}
    assert pinged("`@alice` [@bob](https://example.com) <!-- @carol --> a@dave.com") == set()
    assert pinged("x \\`@alice`") == {"alice"} and pinged("``@bob`") == {"bob"}
    assert pinged("| a | @alice |\n|---|---|\n| `@bob` | c |") == {"alice"}


# --- hostile text ---------------------------------------------------------------------------

FRAGMENTS = [
    "### Actions",
    "## Action items\r\n",
    "- [ ] ",
    "- [x] ",
    "* [X] ",
    "#12 ",
    "@alice",
    "@bob ",
    "@acme/sre",
    "@@carol",
    "_@dave_",
    "\\@erin",
    "＠frank",  # fullwidth commercial at
    "﹫grace",  # small commercial at
    "@\u200bheidi",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200f",
    "\u202e",
    "\u2067",
    "due:2026-12-04",
    "due ",
    "by 2026-13-01",
    "(due 2026-12-10)",
    "Friday",
    "`",
    "``",
    "```",
    "~~~",
    "\\`",
    "> ",
    "- ",
    "1. ",
    "<!--",
    "-->",
    "<!-- pmflow:action pm=1 key=abc due=2026-12-04 owner=mallory -->",
    "<!-- pmflow:end -->",
    "<!-- pmflow:problems pm=1 -->",
    "<details><summary>@ivan</summary>",
    "</details>",
    "<img src=x onerror=alert(1)>",
    "[@judy](https://example.com)",
    "![@mallory](https://example.com/a.png)",
    "<https://example.com/@oscar>",
    "**@peggy**",
    "|",
    "&#64;trent",
    "\r\n",
    "\n",
    " ",
    "\t",
]
LONG_RUNS = st.builds(
    lambda char, n: char * n,
    st.sampled_from([" ", "`", "#", "-", "(", "@", ",", "\\", "<!--", "a"]),
    st.integers(min_value=1, max_value=3000),
)
TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12), LONG_RUNS), max_size=40
).map("".join)


@PROPERTY
@given(TEXT)
@example("> <details><summary>@ivan</summary>")  # an HTML block opened inside a quote
@example("-    <p>@ivan")  # inside a list item
def test_neutralised_text_pings_nobody_wherever_it_is_put(text: str) -> None:
    safe = neutralise_mentions(text)
    assert neutralise_mentions(safe) == safe
    line = safe.replace("\r", " ").replace("\n", " ")
    for context in (
        line,
        f"| #12 | {line} | `alice` | 2026-12-04 |",
        f"> {line}",
        f"- closed: #12 {line} (due `x`)",
        f"**{line}** then `code` and @keeper",
    ):
        assert pinged(context) <= {"keeper"}, context


@PROPERTY
@given(TEXT, st.sampled_from(["alice", "bob", "Alice"]))
def test_the_kept_owner_is_the_only_one_pinged(text: str, owner: str) -> None:
    safe = neutralise_mentions(text + f" @{owner}", keep=owner)
    assert pinged(safe.replace("\n", " ")) <= {owner.casefold()}


@PROPERTY
@given(TEXT)
def test_parsing_hostile_bodies_never_raises_and_keeps_lines(body: str) -> None:
    report = parse_postmortem(body)
    lines = split_lines(body)
    for action in report.actions:
        assert lines[action.line_index].rstrip("\r\n") == action.text
        assert action.owner and action.due
        assert "\n" not in action.title


ME = "pmflow-bot"
FACTS = RepoFacts(
    me=ME,
    labels=frozenset({"postmortem", "postmortem-action"}),
    milestones=(),
    assignable={},
    sub_issues_supported=True,
)


def plan_for(body: str) -> list:
    issue = IssueState(7, 700, "Post-mortem @everyone", body, "open", "carol", ("postmortem",))
    pm = PostMortem(issue, parse_postmortem(body), (), comments=())
    report = pm.report
    owners = {a.owner for a in report.actions if a.owner}
    facts = dataclasses.replace(FACTS, assignable={o: o == "alice" for o in owners})
    return plan_postmortem(pm, facts, from_mapping({}), Renderer()).operations


@PROPERTY
@given(TEXT.map(lambda t: "### Actions\n\n" + t))
def test_planning_hostile_bodies_never_raises_and_copies_ping_no_one(body: str) -> None:
    for op in plan_for(body):
        if isinstance(op, CreateActionIssue):
            allowed = {op.assignees[0].casefold()} if op.assignees else set()
            assert pinged(op.body) <= allowed, op.body
        elif isinstance(op, CreateComment | EditComment):
            assert pinged(op.body) == set(), op.body
        elif isinstance(op, EditPostMortemBody):
            # Only the action lines change, and only by a reference after the box.
            before, after = split_lines(op.expected_body), split_lines(op.body)
            assert len(before) == len(after)


def test_a_megabyte_body_and_five_thousand_actions_are_read_in_time() -> None:
    actions = "".join(
        f"- [ ] Add alert number {i} for @carol's service @alice due:2026-12-04\n"
        for i in range(5000)
    )
    body = "### Summary\n\n" + "x" * 700_000 + "\n\n### Actions\n\n" + actions
    assert len(body) > 1_000_000
    started = time.perf_counter()
    assert len(parse_postmortem(body).actions) == 5000
    operations = plan_for(body)
    assert sum(isinstance(op, CreateActionIssue) for op in operations) == 5000
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize(
    "line",
    [
        "- [ ] a" + " " * 60_000 + "x @alice due:2026-12-04",
        "- [ ] " + "`" * 60_000 + " @alice due:2026-12-04",
        "- [ ] a" + " ," * 30_000 + "x @alice due:2026-12-04",
        "- [ ] " + "due " * 15_000,
        "### Actions" + " " * 60_000 + "x",
        "- [ ] owner" + " " * 60_000 + "x @alice due:2026-12-04",
        "<!--" * 15_000 + " x",
    ],
    ids=["spaces", "backticks", "commas", "due-words", "heading", "owner-label", "comments"],
)
def test_long_runs_in_one_line_take_linear_time(line: str) -> None:
    started = time.perf_counter()
    parse_postmortem("### Actions\n\n" + line + "\n")
    neutralise_mentions(line)
    check_postmortem(
        "### Summary\n\n" + line + "\n\n### Actions\n\n" + line + "\n", from_mapping({})
    )
    assert time.perf_counter() - started < 3


# --- config files ---------------------------------------------------------------------------

YAML_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=20),
        st.dates(),
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.one_of(st.text(max_size=12), st.integers()), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    [
        "postmortem_label",
        "action_label",
        "milestones",
        "timezone",
        "workdays",
        "status",
        "overdue",
        "max_writes",
        "seconds_between_writes",
        "templates_dir",
        "checks",
        "unknown",
    ]
)


@PROPERTY
@given(st.dictionaries(st.one_of(KEYS, st.text(max_size=8), st.integers()), YAML_VALUES))
def test_any_config_mapping_is_accepted_or_named_clearly(data: dict) -> None:
    try:
        from_mapping(data, "pmflow.yml")
    except ConfigError as error:
        assert str(error).startswith("pmflow.yml")


@PROPERTY
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_config_file_is_accepted_or_named_clearly(tmp_path_factory, content) -> None:
    path = tmp_path_factory.mktemp("config") / "pmflow.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    try:
        load(path)
    except ConfigError as error:
        assert str(path) in str(error)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00garbage",
        b"!!python/object/apply:os.system ['echo hi']",
        b"[" * 5000 + b"]" * 5000,
        b"a: &a [*a]",
        b"1: x\nfoo: y\n",
        b'timezone: "\\0"\n',
        b"timezone: " + b"a" * 5000 + b"\n",
        b"max_writes: .nan\n",
    ],
    ids=["binary", "python-tag", "deep", "alias", "int-key", "nul-zone", "long-zone", "nan"],
)
def test_broken_config_files_are_named(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "pmflow.yml"
    path.write_bytes(content)
    try:
        load(path)
    except ConfigError as error:
        assert str(path) in str(error)


def test_a_config_path_that_is_a_directory_is_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github" / "pmflow.yml").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"pmflow\.yml"):
        load(None)


# --- template overrides ---------------------------------------------------------------------

ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ postmortem.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ lipsum.__globals__['os'].environ['GITHUB_TOKEN'] }}",
    "{{ self._TemplateReference__context }}",
    "{{ '{0.__class__}'.format(postmortem) }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ 2 ** 10**9 }}",
    "{{ 1 / 0 }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ config }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../etc/passwd' %}",
    "{% extends 'problems_comment.md.j2' %}{% block x %}{{ x.y.z }}{% endblock %}",
    "{{ postmortem.body.splitlines()[99999] }}",
    "{% for ",
]


@pytest.mark.parametrize("source", ATTACKS)
def test_a_template_reaching_for_internals_fails_with_its_name(
    tmp_path: Path, monkeypatch, source: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_templateMustNeverSeeThis")
    (tmp_path / "problems_comment.md.j2").write_text(source)
    renderer = Renderer(tmp_path)
    issue = IssueState(7, 700, "PM", "body", "open", "carol")
    try:
        out = renderer.render(
            "problems_comment.md.j2", marker="", problems=[], advice=[], postmortem=issue
        )
    except TemplateError as error:
        assert "problems_comment.md.j2" in str(error)
        assert str(tmp_path) in str(error)
        assert "ghp_templateMustNeverSeeThis" not in str(error)
    else:
        assert "ghp_templateMustNeverSeeThis" not in out
        assert "root:" not in out and "__globals__" not in out


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "{{",
                    "}}",
                    "{%",
                    "%}",
                    "{#",
                    "#}",
                    " if ",
                    " for ",
                    " in ",
                    "range(",
                    ")",
                    "postmortem",
                    ".",
                    "__class__",
                    "|",
                    "no_mentions",
                    "*",
                    "**",
                    "9",
                    "'",
                    '"',
                ]
            ),
            st.text(max_size=6),
        ),
        max_size=30,
    ).map("".join)
)
def test_any_template_override_renders_or_fails_with_its_name(tmp_path_factory, source) -> None:
    folder = tmp_path_factory.mktemp("templates")
    (folder / "action_issue.md.j2").write_text(source, "utf-8")
    issue = IssueState(7, 700, "PM", "body", "open", "carol")
    try:
        Renderer(folder).render(
            "action_issue.md.j2", marker="", postmortem=issue, action=None, owner=None
        )
    except TemplateError as error:
        assert "action_issue.md.j2" in str(error)


def test_an_undecodable_template_is_named(tmp_path: Path) -> None:
    (tmp_path / "status_comment.md.j2").write_bytes(b"\xff\xfe{{ x }}")
    with pytest.raises(TemplateError, match=r"status_comment\.md\.j2"):
        Renderer(tmp_path).render("status_comment.md.j2")


def test_dates_in_yaml_are_named_not_crashing() -> None:
    with pytest.raises(ConfigError, match="timezone"):
        from_mapping({"timezone": dt.date(2026, 1, 1)}, "pmflow.yml")
    with pytest.raises(ConfigError):
        from_mapping(yaml.safe_load("workdays: [2026-01-01]"), "pmflow.yml")


@PROPERTY
@given(TEXT.map(lambda t: "### Summary\n\n" + t + "\n\n### Actions\n\n" + t))
def test_the_quality_checks_never_raise_on_hostile_bodies(body: str) -> None:
    started = time.perf_counter()
    check_postmortem(body, from_mapping({}))
    assert time.perf_counter() - started < 5
