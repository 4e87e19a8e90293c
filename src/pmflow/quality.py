"""Report quality checks: what makes a post-mortem's follow-through likely to stick.

`check_postmortem` reads a post-mortem body and returns `Finding`s: an action nobody owns or
nobody dated, an action too vague to finish, the same action twice, a due date already behind
us, an empty section, root causes that stop at the trigger, a timeline without times, and blame
framing. Each finding says what is wrong, why it matters and how to fix it.

Pure: no I/O, no click, no GitHub. The heuristics are tuned for precision (a finding on a good,
specific action is a bug), measured on the labelled corpus in `tests/data/quality/` by
`benchmarks/quality.py`. The two largest live beside this module: `quality_vague` (is an action
specific enough?) and `quality_blame` (is a person the subject of a failure?); their word lists
are in `quality_words`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from pmflow.config import Config
from pmflow.model import PostMortemReport, Problem, Section, Severity
from pmflow.parse import (
    NO_RESPONSE,
    _visible_lines,
    code_span_ranges,
    find_actions_section,
    find_due,
    find_owner,
    line_content,
    normalise_heading,
    parse_postmortem,
    split_lines,
)
from pmflow.quality_blame import (
    LOGIN,
    STRUCTURED_KINDS,
    BlameHit,
    best_hit,
    blame_hits,
    blame_message,
)
from pmflow.quality_vague import is_generic, vague_message, vague_suggestion, vagueness
from pmflow.quality_words import DATE_WORDS, STOPWORDS

MISSING_OWNER = "missing-owner"
MISSING_DUE_DATE = "missing-due-date"
VAGUE_ACTION = "vague-action"
DUPLICATE_ACTION = "duplicate-action"
PAST_DUE_DATE = "past-due-date"
EMPTY_SECTION = "empty-section"
SHALLOW_ROOT_CAUSE = "shallow-root-cause"
TIMELINE_WITHOUT_TIMES = "timeline-without-times"
BLAME_FRAMING = "blame-framing"

CHECK_IDS: tuple[str, ...] = (
    MISSING_OWNER,
    MISSING_DUE_DATE,
    VAGUE_ACTION,
    DUPLICATE_ACTION,
    PAST_DUE_DATE,
    EMPTY_SECTION,
    SHALLOW_ROOT_CAUSE,
    TIMELINE_WITHOUT_TIMES,
    BLAME_FRAMING,
)
# These two repeat the parser's hard problems; `pmflow sync` already reports those as errors.
PARSER_CHECKS = frozenset({MISSING_OWNER, MISSING_DUE_DATE})


@dataclass(frozen=True)
class Finding:
    """One quality finding: where, what is wrong, why it matters and a concrete fix."""

    check: str
    line_number: int | None
    line: str
    message: str
    why: str
    suggestion: str

    def to_problem(self) -> Problem:
        """As a warning for pmflow's problems comment (advice; it never blocks an action)."""
        return Problem(
            code=self.check,
            message=self.message,
            hint=f"{self.why} {self.suggestion}",
            line=self.line,
            line_number=self.line_number,
            severity=Severity.WARNING,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "check": self.check,
            "line_number": self.line_number,
            "line": self.line,
            "message": self.message,
            "why": self.why,
            "suggestion": self.suggestion,
        }


def check_postmortem(
    body: str,
    config: Config,
    today: dt.date | None = None,
    *,
    created: dt.date | None = None,
) -> list[Finding]:
    """All enabled checks on `body`, in line order.

    `created` is the day the post-mortem issue was opened: a due date before it was already past
    when written. Without it the report's own meeting or incident date stands in (never later than
    `today`), and without those, `today`.

    A body with no heading at all is read as a fragment: checklist lines become the actions and
    lines such as `Root cause: ...` or `**Timeline**` act as headings, so a few lines can be
    checked on their own.
    """
    settings = config.checks
    document = _Document.read(body, config.action_headings)
    reference, reference_label = _reference_date(document.report, today, created)
    context = _Context(
        document,
        config.action_headings,
        document.action_items(config.action_headings),
        reference,
        reference_label,
        settings.vague_phrases,
        settings.blame_terms,
    )
    findings: list[Finding] = []
    for check_id, run in _CHECKS.items():
        if check_id in settings.disabled:
            continue
        findings.extend(run(context))
    located = [document.relocate(finding) for finding in findings]
    order = {check_id: position for position, check_id in enumerate(CHECK_IDS)}
    return sorted(
        located,
        key=lambda f: (f.line_number if f.line_number is not None else 0, order[f.check]),
    )


# --- Reading the body ------------------------------------------------------------------------

_CHECKBOX_LINE = re.compile(r"^[ \t]*[-*+][ \t]+\[(?P<box>[ xX])\](?:[ \t]+|$)")
_PLAIN_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_ISSUE_REF = re.compile(r"^#[1-9][0-9]*\s*")
_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
# Fragments label their parts in text: "**Timeline**", "Root cause: ...", "Actions - ...".
_LABEL = r"(?P<label>[A-Za-z][A-Za-z0-9()/&'’]*(?:[ -][A-Za-z0-9()/&'’]+){0,5})"
_EMPHASIS = r"(?:\*{1,2}|_{1,2})?"
_PSEUDO_HEADING = re.compile(rf"^\s*{_EMPHASIS}{_LABEL}\s*:?\s*{_EMPHASIS}\s*:?\s*$")
_INLINE_LABEL = re.compile(
    rf"^\s*{_EMPHASIS}{_LABEL}\s*{_EMPHASIS}\s*(?::|\s[-–—]\s)\s*{_EMPHASIS}\s*(?P<rest>\S.*)$"
)


def _section_kind(heading: str) -> str | None:
    """Which of the sections the checks care about a heading names, matched loosely."""
    text = normalise_heading(heading)
    if re.search(
        r"\bwhat (?:worked|went (?:well|right))\b|\bwent well\b|\bwhat we did well\b", text
    ):
        return "what worked"
    if re.search(r"\btime ?line\b|\bchronolog|\bsequence of events\b", text):
        return "timeline"
    if re.search(r"\broot[- ]?causes?\b|\b(?:five|5) whys\b|\bwhy it happened\b|^causes?$", text):
        return "root causes"
    if re.search(r"\bsummary\b|^overview$|^tl;? ?dr$", text):
        return "summary"
    if re.search(
        r"\baction(?:s| items?)?\b|\bnext steps\b|\bfollow[- ]?ups?\b|\bremediations?\b", text
    ):
        return "actions"
    return None


_METADATA_SECTIONS = {
    "report owner",
    "facilitator",
    "attendees",
    "participants",
    "responders",
    "incident date",
    "meeting date",
    "post-mortem meeting date",
    "severity",
    "incident type",
}


@dataclass(frozen=True)
class _ActionItem:
    """A checklist line of the actions section, with what the checks need to know about it."""

    index: int
    line: str
    text: str  # the action without box, `#ref`, owner, due date or other mentions
    checked: bool
    due: dt.date | None


@dataclass
class _Document:
    lines: list[str]
    visible: list[bool]
    report: PostMortemReport
    origin: list[int | None]  # 0-based index in the text as given, per line of `body`
    original_lines: list[str]

    @classmethod
    def read(cls, body: str, action_headings: Sequence[str]) -> _Document:
        original = split_lines(body or "")
        text, origin = _as_report(original, action_headings)
        lines = split_lines(text)
        visible = _visible_lines(lines)
        report = parse_postmortem(text, action_headings)
        return cls(lines, visible, report, origin, original)

    def relocate(self, finding: Finding) -> Finding:
        """Line numbers and quoted text refer to the body as the author wrote it."""
        if finding.line_number is None:
            return finding
        source = self.origin[finding.line_number - 1]
        if source is None:
            return Finding(
                finding.check, None, "", finding.message, finding.why, finding.suggestion
            )
        quoted = line_content(self.original_lines[source]).strip()
        return Finding(
            finding.check,
            source + 1,
            quoted,
            finding.message,
            finding.why,
            finding.suggestion,
        )

    def section_lines(self, position: int) -> range:
        return range(*self.report.sections.line_range(position))

    def sections_of_kind(self, kind: str) -> Iterator[tuple[int, Section]]:
        for position, section in enumerate(self.report.sections):
            if _section_kind(section.heading) == kind:
                yield position, section

    def action_items(self, action_headings: Sequence[str]) -> list[_ActionItem]:
        position = find_actions_section(self.report.sections, action_headings)
        if position is None:
            return []
        items = []
        for index in self.section_lines(position):
            if not self.visible[index]:
                continue
            item = _action_item(index, line_content(self.lines[index]))
            if item is not None:
                items.append(item)
        return items


def _as_report(lines: list[str], action_headings: Sequence[str]) -> tuple[str, list[int | None]]:
    """The body to check, and for each of its lines the line of the original it came from.

    A body with headings is used as it is. A fragment (no heading at all) gets headings made
    from label lines, and an actions heading in front of checklist lines that have none. In a
    fragment, a line with both an owner and an ISO due date is an action even without its box.
    """
    visible = _visible_lines(lines)
    if any(visible[i] and _HEADING_LINE.match(line) for i, line in enumerate(lines)):
        return "".join(lines), list(range(len(lines)))
    actions_heading = next(iter(action_headings), "Actions")
    out: list[str] = []
    origin: list[int | None] = []
    in_actions = False
    for index, raw in enumerate(lines):
        text = line_content(raw)
        label = _label_of(text) if visible[index] else None
        if label is not None:
            kind, rest = label
            heading = actions_heading if kind == "actions" else kind.capitalize()
            in_actions = kind == "actions"
            out.append(f"### {heading}\n")
            origin.append(index)
            if rest:
                out.append(rest + "\n")
                origin.append(index)
            continue
        if visible[index] and not _CHECKBOX_LINE.match(text) and _is_unboxed_action(text):
            text = "- [ ] " + _PLAIN_ITEM.sub("", text).strip()
        if visible[index] and _CHECKBOX_LINE.match(text) and not in_actions:
            out.append(f"### {actions_heading}\n")
            origin.append(None)
            in_actions = True
        out.append(text + "\n")
        origin.append(index)
    return "".join(out), origin


def _is_unboxed_action(text: str) -> bool:
    owner, _ = find_owner(text)
    return owner is not None and find_due(text).date is not None


_ROOT_CAUSE_SENTENCE = re.compile(
    r"(?i)^\s*(?:the\s+)?(?:main\s+|underlying\s+)?root[- ]cause\s+(?:was|is)\s+(?P<rest>\S.*)$"
)


def _label_of(text: str) -> tuple[str, str] | None:
    """`Root cause: X`, `**Timeline**` or `Actions:` as (section kind, text after the label)."""
    if _CHECKBOX_LINE.match(text) or _PLAIN_ITEM.match(text):
        return None
    sentence = _ROOT_CAUSE_SENTENCE.match(text)
    if sentence:
        return "root causes", sentence["rest"].strip()
    for pattern in (_PSEUDO_HEADING, _INLINE_LABEL):
        match = pattern.match(text)
        if not match:
            continue
        label = match["label"].strip()
        if len(label.split()) > 5:
            continue
        kind = _section_kind(label)
        if kind is not None:
            rest = match.groupdict().get("rest") or ""
            return kind, rest.strip()
    return None


def _action_item(index: int, text: str) -> _ActionItem | None:
    box = _CHECKBOX_LINE.match(text)
    if box is None:
        return None
    rest = _ISSUE_REF.sub("", text[box.end() :])
    if not rest.strip():
        return None  # an empty box left from a template: the empty-section check covers it
    due = find_due(rest)
    return _ActionItem(
        index=index,
        line=text.strip(),
        text=_action_text(rest),
        checked=box["box"] in "xX",
        due=due.date,
    )


_DUE_PHRASE = re.compile(
    r"(?i)(?:[(,;]|(?<![(,;\s]))\s*+\b(?:due|by)\b\s*+:?\s*+\(?\s*+"
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|"
    r"(?:(?:the\s+)?(?:end\s+of\s+)?(?:next|this)?\s*)"
    r"(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"today|tomorrow|tonight|eod|eow|eom|eoq|week|month|quarter|sprint|q[1-4]|h[12])\w*"
    r"(?:\s+\d{1,2})?)\s*+\)?"
)
_MENTION_ANY = re.compile(r"(?<![\w@/`.-])@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[\w.-]+)?")
_OWNER_LABEL = re.compile(r"(?i)\b(?:owner|owned by|assignee)\s*+:?\s*+(?=[\s,;.)]|$)")


def _action_text(rest: str) -> str:
    """The action as words: owner, co-owners, due date and labels taken out."""
    text = _DUE_PHRASE.sub(" ", rest)
    text = _MENTION_ANY.sub(" ", text)
    text = _OWNER_LABEL.sub(" ", text)
    text = re.sub(r"\([\s,;:.]*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^[\s,;:.–—-]+|(?<![\s,;:.–—-])[\s,;:.–—-]+$", "", text)


def _visible_text(lines: Sequence[str]) -> str:
    """Section text without HTML comments (template guidance left in is not an answer)."""
    joined = "".join(line_content(line) + "\n" for line in lines)
    return _without_html_comments(joined).strip()


def _reference_date(
    report: PostMortemReport, today: dt.date | None, created: dt.date | None
) -> tuple[dt.date, str]:
    """The day the actions were written, as well as we can tell, and how to name it."""
    if created is not None:
        return created, f"the day the post-mortem was opened ({created.isoformat()})"
    today = today or dt.date.today()
    written = [d for d in (report.meeting_date, report.incident_date) if d is not None]
    if written and max(written) <= today:
        day = max(written)
        which = "meeting" if day == report.meeting_date else "incident"
        return day, f"the {which} date ({day.isoformat()})"
    return today, f"today ({today.isoformat()})"


@dataclass
class _Context:
    """What every check reads: the document, its actions, the reference date, team words."""

    document: _Document
    action_headings: tuple[str, ...]
    items: list[_ActionItem]
    reference: dt.date
    reference_label: str
    vague_phrases: tuple[str, ...]
    blame_terms: tuple[str, ...]

    @property
    def report(self) -> PostMortemReport:
        return self.document.report

    def actions(self) -> list[_ActionItem]:
        return self.items


# --- Checks: owner and due date (the parser's own problems) -----------------------------------

_WHY_OWNER = (
    "An action that belongs to nobody in particular is the one that is quietly forgotten once "
    "everyone is back to regular work."
)
_WHY_DUE = (
    "Without a date nobody can tell when the action is late, so it slips until the same "
    "conditions cause the next incident."
)


def _check_parser_problems(context: _Context, wanted: str) -> Iterator[Finding]:
    codes = {
        MISSING_OWNER: {"missing-owner"},
        MISSING_DUE_DATE: {"missing-due-date", "bad-due-date"},
    }
    why = _WHY_OWNER if wanted == MISSING_OWNER else _WHY_DUE
    for problem in context.report.problems:
        if not _CHECKBOX_LINE.sub("", problem.line).strip():
            continue  # an empty box left from a template: the empty-section check covers it
        if problem.code in codes[wanted]:
            yield Finding(
                wanted, problem.line_number, problem.line, problem.message, why, problem.hint
            )


def check_missing_owner(context: _Context) -> Iterator[Finding]:
    return _check_parser_problems(context, MISSING_OWNER)


def check_missing_due_date(context: _Context) -> Iterator[Finding]:
    return _check_parser_problems(context, MISSING_DUE_DATE)


# --- Check: vague actions -----------------------------------------------------------------------

_WHY_VAGUE = (
    "An action has to describe a change someone can finish and check; an intention can never "
    "be closed, so the risk behind it stays open."
)


def check_vague_action(context: _Context) -> Iterator[Finding]:
    for item in context.actions():
        kind = vagueness(item.text, context.vague_phrases)
        if kind is None:
            continue
        message = vague_message(kind, item.text)
        yield Finding(
            VAGUE_ACTION,
            item.index + 1,
            item.line,
            message,
            _WHY_VAGUE,
            vague_suggestion(kind, item.text),
        )


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Check: duplicate actions -------------------------------------------------------------------

_WHY_DUPLICATE = (
    "Two lines for one action split the ownership and double the follow-up; with one line and "
    "one owner it is clear who closes it."
)
_SYNONYMS = {
    "configuration": "config",
    "alerting": "alert",
    "alarm": "alert",
    "documentation": "doc",
    "docs": "doc",
    "document": "doc",
    "create": "add",
    "introduce": "add",
    "implement": "add",
    "set": "add",
    "put": "add",
    "configure": "add",
    "enable": "add",
}
# Phrases that say the same as one word, so "write down the procedure" matches "document it".
_PHRASES = ((re.compile(r"\bwrite (?:down|up)\b"), "doc"), (re.compile(r"\bset up\b"), "add"))
_FILLER = frozenset({"endpoint", "service", "rate", "job", "step", "new", "our", "rule", "setting"})


def _stem(token: str) -> str:
    """Singular and a shared spelling for synonyms; crude on purpose (titles are short)."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        token = token[:-1]
    return _SYNONYMS.get(token, token)


def _signature(text: str) -> frozenset[str]:
    low = text.casefold()
    low = re.sub(r"(\d)\s+(ms|s|m|h|gb|mb|kb|%|min|mins|k)\b", r"\1\2", low)
    for pattern, word in _PHRASES:
        low = pattern.sub(word, low)
    words: list[str] = []
    for token in re.findall(r"[a-z0-9]+(?:[-._][a-z0-9]+)*%?", low):
        # Identifiers with digits stay whole ("db-eu-1" is not "db-us-1"); "lock_timeout" and
        # "lock-timeout" are the same two words.
        words.extend([token] if re.search(r"\d", token) else re.split(r"[-._]", token))
    return frozenset(_stem(t) for t in words if t and t not in STOPWORDS and t not in DATE_WORDS)


def _same_action(first: frozenset[str], second: frozenset[str]) -> bool:
    """Same words; one adding a word or two of scope; or differing only in generic words."""
    if not first or not second:
        return False
    if first == second:
        return True
    shared = first & second
    if len(shared) < 3:
        return False
    smaller, larger = sorted((first, second), key=len)
    if smaller <= larger and len(larger - smaller) <= 2:
        return True
    differing = first ^ second
    if len(differing) > max(2, len(shared) // 3):
        return False
    return all(is_generic(t) or t in _FILLER for t in differing)


def check_duplicate_action(context: _Context) -> Iterator[Finding]:
    seen: list[tuple[_ActionItem, frozenset[str]]] = []
    for item in context.actions():
        signature = _signature(item.text)
        earlier = next((e for e, s in seen if _same_action(s, signature)), None)
        if earlier is not None:
            yield Finding(
                DUPLICATE_ACTION,
                item.index + 1,
                item.line,
                f"This repeats the action on line {earlier.index + 1}: “{_shorten(earlier.text)}”.",
                _WHY_DUPLICATE,
                f"Keep one line with one owner (line {earlier.index + 1}) and delete this one, "
                "or reword it if it is really a different change.",
            )
        else:
            seen.append((item, signature))


# --- Check: due date already past ---------------------------------------------------------------

_WHY_PAST_DUE = (
    "A date that had already passed when it was written makes the action overdue from its first "
    "day, and reminders about it stop meaning anything."
)


def check_past_due_date(context: _Context) -> Iterator[Finding]:
    for item in context.actions():
        if item.checked or item.due is None or item.due >= context.reference:
            continue
        later = context.reference + dt.timedelta(days=14)
        yield Finding(
            PAST_DUE_DATE,
            item.index + 1,
            item.line,
            f"The due date {item.due.isoformat()} was already past on {context.reference_label}.",
            _WHY_PAST_DUE,
            f"Pick a date the owner can still meet, e.g. `due:{later.isoformat()}`, or tick the "
            "box if it is already done. A typo in the year is the usual cause.",
        )


# --- Check: empty sections ----------------------------------------------------------------------

_PLACEHOLDERS = frozenset(
    {
        "",
        NO_RESPONSE.casefold(),
        "no response",
        "tbd",
        "tbc",
        "tba",
        "todo",
        "to do",
        "n/a",
        "na",
        "none",
        "-",
        "—",
        "–",
        "...",
        "…",
        "?",
        "pending",
        "coming soon",
        "to be added",
        "to be written",
        "to be completed",
        "fill in later",
        "will add later",
        "later",
        "wip",
        "nothing",
        "nothing to note",
        "nothing to add",
    }
)
_EMPTY_ADVICE = {
    "summary": (
        "People who were not in the room need one paragraph on what happened, what it affected "
        "and for how long before the rest of the report makes sense.",
        "Write one paragraph: what happened, what was affected, how long it lasted and when it "
        "was resolved.",
    ),
    "timeline": (
        "The agreed sequence of events, signals and decisions is where contributing factors show "
        "up that nobody thought to mention.",
        "List the key events, signals and decisions in order, each with a time, e.g. "
        "`- 14:02 UTC Error rate on checkout rises above 2%`.",
    ),
    "root causes": (
        "Without the underlying conditions written down, the actions can only patch the trigger.",
        "Ask “why?” until you reach the process, tooling or ownership gap, and write each cause "
        "as a clear statement about the system.",
    ),
    "what worked": (
        "Detection, response and communication that went well are worth keeping on purpose; this "
        "is the section most often skipped.",
        "Note how the incident was detected and what the response got right, e.g. “The rollback "
        "took two minutes once the cause was known.”",
    ),
    "actions": (
        "A post-mortem changes nothing until specific actions with owners and due dates come out "
        "of it.",
        "Add one checklist line per agreed action, e.g. `- [ ] Add alerting for checkout latency "
        "above 500ms @alice due:2026-12-04`.",
    ),
}


# "TBD, after the meeting", "To be completed once the vendor replies": a note that the answer
# is still to come, not an answer.
_DEFERRED = re.compile(
    r"^(?:tbd|tbc|tba|todo|to ?do|wip|pending|will (?:add|update|fill|write|follow)|"
    r"to be (?:added|written|completed|done|filled|determined|confirmed|decided|agreed)|"
    r"fill (?:in|this)|coming)\b"
)


def _is_placeholder(text: str | None) -> bool:
    if text is None:
        return True
    cleaned = _without_html_comments(text)
    # Empty list items and boxes are what a template leaves behind, not an answer.
    cleaned = re.sub(r"(?m)^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+\[[ xX]\])?\s*$", "", cleaned)
    cleaned = re.sub(r"[*_`]", "", cleaned).strip().rstrip(".!").strip().casefold()
    if cleaned in _PLACEHOLDERS:
        return True
    return bool(_DEFERRED.match(cleaned)) and len(cleaned.split()) <= 10


def _kind_of(section: Section, action_headings: Sequence[str]) -> str | None:
    if normalise_heading(section.heading) in {normalise_heading(h) for h in action_headings}:
        return "actions"
    return _section_kind(section.heading)


def check_empty_section(context: _Context) -> Iterator[Finding]:
    document = context.document
    for position, section in enumerate(context.report.sections):
        kind = _kind_of(section, context.action_headings)
        if kind is None:
            continue
        lines = [document.lines[i] for i in document.section_lines(position)]
        if not _is_placeholder(_visible_text(lines)):
            continue
        why, suggestion = _EMPTY_ADVICE[kind]
        yield Finding(
            EMPTY_SECTION,
            section.line_index + 1,
            line_content(document.lines[section.line_index]).strip(),
            f"The “{section.heading}” section is empty.",
            why,
            suggestion,
        )


# --- Check: root causes that stop at the trigger ------------------------------------------------

_WHY_SHALLOW = (
    "The first answer is usually only the trigger; asking why it was possible, several times over, "
    "reaches the conditions in process and tooling that the actions should change."
)
_CAUSAL = re.compile(
    r"(?i)\b(?:because|caus\w*|due to|since|why|so|therefore|thus|hence|as a result|result\w*|"
    r"led|leads?|leading|meant|means|which|allow\w*|let|lets|permit\w*|enabl\w*|without|no|"
    r"never|nobody|nothing|none|no one|lack\w*|missing|absent|gaps?|only|instead|assum\w*|"
    r"relied|rel(?:y|ies|ying)|depend\w*|unclear|undocumented|untested|unmonitored|unowned|"
    r"unreviewed|unvalidated|unenforced|insufficient|inadequate|outdated|whereas|although|but|"
    r"until|unless|skip\w*|bypass\w*|manual\w*|process\w*|pipeline\w*|polic\w*|review\w*|"
    r"checklist\w*|runbook\w*|alert\w*|monitor\w*|test\w*|coverage|document\w*|owner\w*|"
    r"automat\w*|tooling|guardrail\w*|safeguard\w*|canary|approv\w*|validat\w*|gate\w*|"
    r"design\w*|default\w*|threshold\w*|capacity|training|handover\w*|escalat\w*)\b"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def _prose(text: str) -> str:
    """Section text as plain sentences: no list markers, headings, quotes markers or comments."""
    out = []
    for raw in _without_html_comments(text).split("\n"):
        line = re.sub(r"^\s*(?:[-*+]|\d{1,9}[.)]|#{1,6}|>)\s*", "", raw).strip()
        if line:
            out.append(line)
    return "\n".join(out)


_PERSON_AS_CAUSE = re.compile(
    r"(?i)^(?:the\s+)?(?:root\s+cause\s*(?:was|is|:)\s*)?(?:human|operator|user|"
    r"engineer|pilot)[- ]error\b"
)


def shallow_root_cause(text: str) -> bool:
    """A few short sentences naming an event (or "human error"), with no cause behind it."""
    prose = _prose(text)
    if not prose:
        return False
    units = [u for u in _SENTENCE_BREAK.split(prose) if u.strip()]
    words = len(re.findall(r"\w+", prose))
    if _PERSON_AS_CAUSE.match(prose) and words <= 30:
        return True  # a person's slip is where the questions start, not where they end
    if _CAUSAL.search(prose):
        return False
    return (len(units) <= 1 and words <= 25) or (len(units) <= 3 and words <= 30)


def check_shallow_root_cause(context: _Context) -> Iterator[Finding]:
    document = context.document
    for position, _section in document.sections_of_kind("root causes"):
        lines = [document.lines[i] for i in document.section_lines(position)]
        text = _visible_text(lines)
        if _is_placeholder(text) or not shallow_root_cause(text):
            continue
        first = next(
            i for i in document.section_lines(position) if line_content(document.lines[i]).strip()
        )
        trigger = _shorten(" ".join(_prose(text).split()), 100)
        yield Finding(
            SHALLOW_ROOT_CAUSE,
            first + 1,
            line_content(document.lines[first]).strip(),
            f"The root cause stops at what happened (“{trigger}”) without saying why it could.",
            _WHY_SHALLOW,
            "Keep it as the trigger and ask why it was possible until you reach the system, e.g. "
            "“1. Why did it fail? <trigger>. 2. Why was that possible? <missing check>. "
            "3. Why was there no check? <process or ownership gap>.”",
        )


# --- Check: a timeline without times -----------------------------------------------------------

_WHY_TIMELINE = (
    "Specific times show how long each signal went unnoticed and each decision took, which is "
    "where the gaps in detection and response become visible."
)
_TIME_OF_DAY = re.compile(
    r"(?ix)(?<![\d.:])(?:[01]?\d|2[0-3])[:h][0-5]\d(?!\d)"
    r"|\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)"
    r"|\b(?:[01]\d|2[0-3])[0-5]\d\s?(?:utc|gmt|z)\b"
    r"|\bT\s?[+-]\s?\d|(?<!\w)\+\s?\d+\s?(?:s|m|min|mins|minutes|h|hrs?|hours)\b"
    r"|\bnoon\b|\bmidnight\b"
)
_DATE_MARK = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    r"|(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b)"
    r"|(?i:\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\b)"
    r"|(?i:\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
    r"|(?i:\b(?:day|week|sprint)\s+\d+\b)"
)


def _project_failure(report: PostMortemReport) -> bool:
    kind = (report.incident_type or "").casefold()
    return "project" in kind or "delivery" in kind


def timeline_has_times(text: str, project: bool = False) -> bool:
    """Whether a timeline places its events in time: times of day, or a date per step."""
    if _TIME_OF_DAY.search(text):
        return True
    dates = {m.group(0).casefold() for m in _DATE_MARK.finditer(text)}
    # A project or delivery failure is told in days; several distinct dates place its steps.
    return bool(dates) and (project or len(dates) >= 2)


def check_timeline_without_times(context: _Context) -> Iterator[Finding]:
    document = context.document
    for position, section in document.sections_of_kind("timeline"):
        lines = [document.lines[i] for i in document.section_lines(position)]
        text = _visible_text(lines)
        if _is_placeholder(text) or timeline_has_times(text, _project_failure(context.report)):
            continue
        yield Finding(
            TIMELINE_WITHOUT_TIMES,
            section.line_index + 1,
            line_content(document.lines[section.line_index]).strip(),
            f"The “{section.heading}” section has no times.",
            _WHY_TIMELINE,
            "Put a time and time zone on each event, e.g. `- 14:02 UTC Error rate on checkout "
            "rises above 2%`; for a project or delivery failure, a date on each step.",
        )


# --- Check: blame framing -----------------------------------------------------------------------

_WHY_BLAME = (
    "People act reasonably with the information and tools they have; naming a person as the "
    "cause hides the conditions that made the slip possible, and the next person in the same "
    "conditions will make it again. People who expect blame also leave things out."
)
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_TRAILING_MENTIONS = re.compile(
    rf"(?<![\s,(])(?:[\s,(]*+(?:owner\s*+:?\s*+)?{LOGIN}[\s,)]*+)+$", re.I
)


def _without_html_comments(text: str) -> str:
    """Each closed `<!-- ... -->` replaced by a space, in linear time (`<!--.*?-->` rescans
    the rest of the text from every unclosed `<!--`: quadratic on a body of them)."""
    pieces, last = [], 0
    while (start := text.find("<!--", last)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        pieces.append(text[last:start] + " ")
        last = end + 3
    pieces.append(text[last:])
    return "".join(pieces)


def _without_code(text: str) -> str:
    """The line with each code span replaced by a space (found in linear time: a regular
    expression for code spans is quadratic on a long run of backticks)."""
    pieces, last = [], 0
    for start, end in code_span_ranges(text):
        pieces.append(text[last:start] + " ")
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _prose_blocks(context: _Context) -> Iterator[list[tuple[int, str]]]:
    """Paragraphs and list items outside code, quotes and metadata, as (line index, text)."""
    document = context.document
    metadata = _metadata_lines(document)
    action_lines = {item.index: item for item in context.actions()}
    block: list[tuple[int, str]] = []
    for index, raw in enumerate(document.lines):
        text = _without_code(line_content(raw))
        starts_item = bool(_LIST_MARK.match(text))
        if (
            not document.visible[index]
            or index in metadata
            or not text.strip()
            or _HEADING_LINE.match(text)
            or starts_item
            or index in action_lines
        ):
            if block:
                yield block
            block = []
        if not document.visible[index] or index in metadata or _HEADING_LINE.match(text):
            continue
        if index in action_lines:
            yield [(index, _blame_text_of_action(text))]
            continue
        if text.strip():
            block.append((index, _LIST_MARK.sub("", text).strip()))
    if block:
        yield block


def _blame_text_of_action(text: str) -> str:
    """An action line without its box, due date and the owner mentions at its end."""
    rest = _LIST_MARK.sub("", text)
    rest = _DUE_PHRASE.sub(" ", rest)
    return _TRAILING_MENTIONS.sub("", rest).strip()


def _metadata_lines(document: _Document) -> set[int]:
    lines: set[int] = set()
    for position, section in enumerate(document.report.sections):
        if normalise_heading(section.heading) in _METADATA_SECTIONS:
            lines.update(document.section_lines(position))
    return lines


def check_blame_framing(context: _Context) -> Iterator[Finding]:
    document = context.document
    for block in _prose_blocks(context):
        text, starts = _join_block(block)
        hits = list(blame_hits(text, context.blame_terms))
        by_line: dict[int, list[BlameHit]] = {}
        for hit in hits:
            line_index = _line_at(block, starts, hit.start)
            by_line.setdefault(line_index, []).append(hit)
        for line_index, line_hits in sorted(by_line.items()):
            best = best_hit(line_hits)
            # A judgement after a blamed subject in the same block reuses its rewrite.
            structured = [h for h in hits if h.kind in STRUCTURED_KINDS]
            suggestion = best.suggestion
            if best.kind in ("judgement", "term") and structured:
                suggestion = f"{best.suggestion} {structured[0].suggestion}"
            yield Finding(
                BLAME_FRAMING,
                line_index + 1,
                line_content(document.lines[line_index]).strip(),
                blame_message(best),
                _WHY_BLAME,
                suggestion,
            )


def _join_block(block: Sequence[tuple[int, str]]) -> tuple[str, list[int]]:
    starts = []
    parts = []
    position = 0
    for _, text in block:
        starts.append(position)
        parts.append(text)
        position += len(text) + 1
    return " ".join(parts), starts


def _line_at(block: Sequence[tuple[int, str]], starts: Sequence[int], offset: int) -> int:
    index = 0
    for position, start in enumerate(starts):
        if start <= offset:
            index = position
    return block[index][0]


# --- Registry -----------------------------------------------------------------------------------

_CHECKS: dict[str, Callable[[_Context], Iterable[Finding]]] = {
    MISSING_OWNER: check_missing_owner,
    MISSING_DUE_DATE: check_missing_due_date,
    VAGUE_ACTION: check_vague_action,
    DUPLICATE_ACTION: check_duplicate_action,
    PAST_DUE_DATE: check_past_due_date,
    EMPTY_SECTION: check_empty_section,
    SHALLOW_ROOT_CAUSE: check_shallow_root_cause,
    TIMELINE_WITHOUT_TIMES: check_timeline_without_times,
    BLAME_FRAMING: check_blame_framing,
}
