"""Report quality checks: what makes a post-mortem's follow-through likely to stick.

`check_postmortem` reads a post-mortem body and returns `Finding`s: an action nobody owns or
nobody dated, an action too vague to finish, the same action twice, a due date already behind
us, an empty section, root causes that stop at the trigger, a timeline without times, and blame
framing. Each finding says what is wrong, why it matters and how to fix it.

Pure: no I/O, no click, no GitHub. The heuristics are tuned for precision (a finding on a good,
specific action is a bug), measured on the labelled corpus in `tests/data/quality/` by
`benchmarks/quality.py`.
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
    _section_range,
    _visible_lines,
    find_actions_section,
    find_due,
    find_owner,
    line_content,
    normalise_heading,
    parse_postmortem,
    split_lines,
)
from pmflow.quality_words import (
    DATE_WORDS,
    DELIVERABLE_VERBS,
    FIRST_NAMES,
    GENERIC,
    ROLE_NOUNS,
    STOPWORDS,
)

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
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_PSEUDO_HEADING = re.compile(
    r"^\s*(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z0-9 ()/&'-]{1,48}?)\s*:?\s*(?:\*\*|__)?\s*:?\s*$"
)
_INLINE_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z0-9 ()/&'-]{1,48}?)\s*:\s*(?:\*\*|__)?"
    r"\s*(?P<rest>\S.*)$"
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
    body: str
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
        return cls(text, lines, visible, report, origin, original)

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
        start, end = _section_range(self.report.sections, len(self.lines), position)
        return range(start, end)

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
    r"(?i)[(,;]?\s*\b(?:due|by)\b\s*:?\s*\(?\s*"
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|"
    r"(?:(?:the\s+)?(?:end\s+of\s+)?(?:next|this)?\s*)"
    r"(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"today|tomorrow|tonight|eod|eow|eom|eoq|week|month|quarter|sprint|q[1-4]|h[12])\w*"
    r"(?:\s+\d{1,2})?)\s*\)?"
)
_MENTION_ANY = re.compile(r"(?<![\w@/`.-])@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[\w.-]+)?")
_OWNER_LABEL = re.compile(r"(?i)\b(?:owner|owned by|assignee)\s*:?\s*(?=[\s,;.)]|$)")


def _action_text(rest: str) -> str:
    """The action as words: owner, co-owners, due date and labels taken out."""
    text = _DUE_PHRASE.sub(" ", rest)
    text = _MENTION_ANY.sub(" ", text)
    text = _OWNER_LABEL.sub(" ", text)
    text = re.sub(r"\([\s,;:.]*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^[\s,;:.–—-]+|[\s,;:.–—-]+$", "", text)


def _visible_text(lines: Sequence[str]) -> str:
    """Section text without HTML comments (template guidance left in is not an answer)."""
    joined = "".join(line_content(line) + "\n" for line in lines)
    return _HTML_COMMENT.sub(" ", joined).strip()


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
    document: _Document
    action_headings: tuple[str, ...]
    reference: dt.date
    reference_label: str
    vague_phrases: tuple[str, ...]
    blame_terms: tuple[str, ...]

    @property
    def report(self) -> PostMortemReport:
        return self.document.report

    def actions(self) -> list[_ActionItem]:
        return self.document.action_items(self.action_headings)


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
_SUBJECT_LEAD = re.compile(
    r"^(?:we|the team|team|everyone|everybody|all|engineers?|devs?|developers?|ops|support|"
    r"on-?call|[a-z]+ team)\s+(?:should|must|need to|needs to|will|to|shall|have to|has to|"
    r"ought to|are to|is to)\s+"
)
_HEDGE_LEAD = re.compile(
    r"^(?:let'?s|please|maybe|perhaps|possibly|potentially|probably|hopefully|ideally|"
    r"we should|should|could|try to|try and|attempt to|aim to|need to|we need to|we must|"
    r"we will|we'll|going forward,?|in (?:the )?future,?|todo:?|action:?|ai:?|to)\s+"
)
_HEDGES = ("try", "attempt", "aim", "maybe", "perhaps", "possibly", "potentially", "hopefully")
_BEHAVIOUR = re.compile(
    r"""^(?:
      be\ (?:more\ |extra\ |very\ |really\ )?(?:careful|vigilant|diligent|thorough|mindful|aware|
        cautious|attentive|proactive|disciplined|rigorous)
    | pay\ (?:more\ |closer\ |extra\ |better\ )?attention
    | take\ (?:more\ |extra\ |better\ )?care
    | (?:try|work)\ harder
    | do\ (?:a\ )?better(?:\ job)?
    | (?:don't|do\ not|never)\ (?:let|allow)\ (?:this|it|that)
    | make\ sure\ (?:this|it|that|nothing\ like\ this|the\ same\ thing|this\ kind\ of\ thing|
        such\ \w+|we)\ (?:doesn't|does\ not|won't|will\ not|never|can't|cannot|don't|do\ not)\b
    | (?:remind|tell|encourage|urge|educate)\ (?:everyone|everybody|the\ team|all\ engineers|
        engineers|developers|devs|people|staff|folks|the\ on-?call|on-?call|agents|
        team\ members|the\ squad|\w+\ team)\b
    | communicate\ (?:better|more|clearly|earlier|proactively)
    | (?:continue|keep)\ to\ (?:monitor|watch|be)
    | learn\ from\ (?:this|it|the\ incident|our\ mistakes|mistakes)
    | (?:prevent|avoid|stop)\ (?:this|it|that|the\ same|such|similar|these|those|a\ repeat|
        recurrence)(?:\ \w+)?(?:\ from)?(?:\ happening|\ occurring|\ recurring)?
        (?:\ again|\ in\ (?:the\ )?future)?$
    | (?:be|stay)\ (?:more\ )?on\ top\ of
    | (?:re-?train|coach|educate|train|talk\ to|speak\ (?:to|with)|have\ a\ word\ with)\b.*
        \b(?:mistakes?|careful|carelessness|attention|more\ care)\b
    )""",
    re.X,
)
_INVESTIGATE = re.compile(
    r"^(?:look(?:ing)? (?:into|at)|take (?:a|another) (?:look|peek) at|have a look at|"
    r"dig (?:into|deeper)|deep[- ]dive(?: into)?|investigat\w*|explor\w*|research\w*|"
    r"understand\w*|figure out|find out|check (?:on|into)|see (?:if|whether|how|why|what)|"
    r"root[- ]cause|analy[sz]e|get to the bottom of|identify|review)\b"
)
_THINK = re.compile(
    r"^(?:think (?:about|through)|consider\w*|discuss\w*|talk (?:about|through|to|with)|"
    r"revisit\w*|reconsider\w*|rethink\w*|re-?evaluate\w*|brainstorm\w*|sync (?:on|with|up)|"
    r"align (?:on|with)|follow[- ]?up(?: on| with)?|circle back|touch base|chat (?:with|about)|"
    r"meet (?:with|about)|explore options|look for ways|find ways|come up with|"
    r"check (?:with|in with)|get (?:the team|everyone|people|together)|go over|"
    r"have (?:a|another) (?:chat|conversation|talk|discussion|meeting|call))\b"
)
_IMPROVE = re.compile(
    r"^(?:improv\w*|enhanc\w*|better|strengthen\w*|optimi[sz]\w*|work on|address\w*|"
    r"tackle\w*|deal with|beef up|step up|level up|boost\w*|bolster\w*|clean up|tidy up|"
    r"reduc\w*|increas\w*|decreas\w*|minimi[sz]\w*|maximi[sz]\w*|stabili[sz]\w*|more|additional|"
    r"extra|"
    r"make (?:\w+ ){0,3}?(?:better|more \w+|safer|sturdier|robust|reliable|resilient|stable))\b"
)
_ATTENTION = re.compile(
    r"^(?:monitor\w*|keep (?:an eye on|track of|watching|monitoring|checking)|watch(?:ing)?|"
    r"stay on top of|double[- ]check\w*|triple[- ]check\w*|remember to|(?:be|stay) alert)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?(?:[-.][a-z0-9]+)*")
_IDENTIFIER = re.compile(
    r"`|#\d+|\b[A-Z][A-Z0-9]+-\d+\b|https?://|\w[_/:]\w|[a-z0-9]\.[a-z]{2,}\b|"
    r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"
)
_DELIVERABLE = re.compile(
    r"(?:\band\b|\bthen\b|[,;:–—]|\bto\b)\s+(?:then\s+)?(?:also\s+)?(?:"
    + "|".join(sorted(DELIVERABLE_VERBS, key=len, reverse=True))
    + r")\b|\b(?:write-?up|rfc|adr|design doc(?:ument)?|proposal|recommendation|decision|"
    r"findings|report back|go/no-go)\b"
)
_QUESTION = re.compile(r"\b(?:why|whether|how|which|what|where|when|if)\b\s+(?P<rest>.*)")
_MEANS = re.compile(r"\b(?:by|via|through)\s+(?P<verb>[a-z]+ing)\b(?P<rest>.*)")
_PURPOSE = re.compile(r"\b(?:so(?: that)?|to|that)\b\s+(?P<rest>.*)")
_TIMEBOX = re.compile(r"\btime-?box|\bspike\b")
_EXTRA_STOPWORDS = frozenset({"he", "she", "his", "her", "him", "hers", "they're", "we're"})


def _is_generic(token: str) -> bool:
    if token in STOPWORDS or token in GENERIC or token in DATE_WORDS or token in _EXTRA_STOPWORDS:
        return True
    # Plurals and verb forms of generic words ("reviewed", "processes", "alerting").
    for suffix in ("s", "es", "ed", "d", "ing"):
        if token.endswith(suffix) and token[: -len(suffix)] in GENERIC:
            return True
    return False


def _specific_words(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if len(t) > 1 and not _is_generic(t)]


def _strip_leads(low: str) -> tuple[str, bool]:
    """Drop "we should", "try to", "maybe"... in front; say whether the action was hedged."""
    hedged = False
    while True:
        match = _SUBJECT_LEAD.match(low) or _HEDGE_LEAD.match(low)
        if not match:
            return low, hedged
        hedged = hedged or match.group(0).split()[0].rstrip(",:") in _HEDGES
        low = low[match.end() :]


def _concreteness(original: str, low: str) -> set[str]:
    """What makes an action checkable: numbers, names of things, a deliverable, a question."""
    markers = set()
    cleaned = re.sub(r"\b(?:e\.g|i\.e|etc)\.?", " ", original)
    if re.search(r"\d", low):
        markers.add("digits")
    if _IDENTIFIER.search(cleaned):
        markers.add("identifier")
    if _DELIVERABLE.search(low):
        markers.add("deliverable")
    question = _QUESTION.search(low)
    if question and len(_specific_words(question["rest"])) >= 2:
        markers.add("question")
    means = _MEANS.search(low)
    if means and _specific_words(means["rest"]):
        markers.add("means")
    purpose = _PURPOSE.search(low)
    if purpose and len(_specific_words(purpose["rest"])) >= 2:
        markers.add("purpose")
    if _TIMEBOX.search(low):
        markers.add("timebox")
    return markers


def vagueness(text: str, extra_phrases: Sequence[str] = ()) -> str | None:
    """Why an action's text is too vague to finish and check, or None when it is specific.

    The answer is a kind: "empty", "phrase" (a team's own vague phrase), "behaviour" (be more
    careful), "generic" (nothing but generic words), "investigate", "think", "improve",
    "attention" (keep an eye on) or "hedge" (try to).
    """
    if not text.strip():
        return "empty"
    low = " ".join(text.replace("’", "'").casefold().replace("*", "").split())
    for phrase in extra_phrases:
        if re.search(rf"(?<!\w){re.escape(phrase.casefold().strip())}(?!\w)", low):
            return "phrase"
    core, hedged = _strip_leads(low)
    if _BEHAVIOUR.match(core):
        return "behaviour"
    specific = _specific_words(core)
    if not specific:
        return "generic"
    markers = _concreteness(text, core)
    if _INVESTIGATE.match(core) and not markers & {
        "digits",
        "identifier",
        "deliverable",
        "question",
        "timebox",
    }:
        return "investigate"
    if _THINK.match(core) and not markers & {"deliverable", "timebox"}:
        return "think"
    improve_escapes = {"digits", "identifier", "deliverable", "means", "purpose"}
    if _IMPROVE.match(core) and not markers & improve_escapes:
        return "improve"
    if _ATTENTION.match(core) and not markers & {"digits", "identifier", "deliverable"}:
        return "attention"
    if hedged and not markers and len(specific) < 3:
        return "hedge"
    return None


_VAGUE_MESSAGES = {
    "empty": "This action has no text besides its owner and due date.",
    "phrase": "“{title}” uses a phrase your team marked as vague.",
    "behaviour": "“{title}” asks people to try harder; nothing in the system changes.",
    "generic": "“{title}” names an area to work on, not a specific change.",
    "investigate": "“{title}” starts an investigation but says nothing about what it produces.",
    "think": "“{title}” is a conversation, not a change: it has no decision or result to check.",
    "improve": "“{title}” says what to improve, not what will change or how to tell it worked.",
    "attention": "“{title}” relies on someone watching; it has no end and nothing to check.",
    "hedge": "“{title}” is hedged, so nobody can tell when it is done.",
}

_TOPIC_EXAMPLES = (
    (
        r"monitor|alert|observab|metric|dashboard|logging|visibility",
        "Add alerting for p95 latency above 500ms on the checkout endpoint",
    ),
    (
        r"test|coverage|qa\b",
        "Add a regression test for the failure in this incident to the CI suite",
    ),
    (
        r"doc|runbook|playbook|wiki",
        "Write the failover steps into the payments runbook and link it from the alert",
    ),
    (
        r"communicat|client|customer|update|stakeholder|vendor",
        "Send the client a written status update every Friday until the project is delivered",
    ),
    (
        r"secur|hygiene|access|credential",
        "Enforce MFA on every admin account in the identity provider",
    ),
    (r"backup|restore", "Run a restore of last night's backup to a scratch instance every month"),
    (
        r"deploy|release|rollout|process|change",
        "Make the deploy pipeline require a passing test run before production",
    ),
    (r"disk|capacity|usage", "Alert when free disk on the build agents drops below 15%"),
)


def _example_for(text: str) -> str:
    low = text.casefold()
    for pattern, example in _TOPIC_EXAMPLES:
        if re.search(pattern, low):
            return example
    return "Add alerting for p95 latency above 500ms on the checkout endpoint"


def _vague_suggestion(kind: str, text: str) -> str:
    example = _example_for(text)
    if kind == "investigate":
        return (
            "Give the investigation something to deliver, e.g. “Find out why <what failed> and "
            "write the cause and a proposed fix into this post-mortem”, or write down the change "
            "you already know is needed."
        )
    if kind == "think":
        return (
            "Turn the conversation into a decision with an output, e.g. “Decide whether to "
            "<option> and record the decision and its reasons in this post-mortem”."
        )
    if kind == "behaviour":
        return (
            "Care and reminders fade; change the system so the slip cannot happen or is caught, "
            f"e.g. “{example}”."
        )
    if kind == "attention":
        return f"Replace watching with a check that runs on its own, e.g. “{example}”."
    if kind == "empty":
        return (
            "Say what will be done, e.g. `- [ ] Add alerting for checkout latency above 500ms "
            "@alice due:2026-12-04`."
        )
    return f"Name the concrete change and how to tell it is done, e.g. “{example}”."


def check_vague_action(context: _Context) -> Iterator[Finding]:
    for item in context.actions():
        kind = vagueness(item.text, context.vague_phrases)
        if kind is None:
            continue
        message = _VAGUE_MESSAGES[kind].format(title=_shorten(item.text))
        yield Finding(
            VAGUE_ACTION,
            item.index + 1,
            item.line,
            message,
            _WHY_VAGUE,
            _vague_suggestion(kind, item.text),
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
    return all(_is_generic(t) or t in _FILLER for t in differing)


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


def _is_placeholder(text: str | None) -> bool:
    if text is None:
        return True
    cleaned = _HTML_COMMENT.sub(" ", text)
    # Empty list items and boxes are what a template leaves behind, not an answer.
    cleaned = re.sub(r"(?m)^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+\[[ xX]\])?\s*$", "", cleaned)
    cleaned = re.sub(r"[*_`]", "", cleaned).strip().rstrip(".!").strip().casefold()
    return cleaned in _PLACEHOLDERS


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
    for raw in _HTML_COMMENT.sub(" ", text).split("\n"):
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
_LOGIN = r"(?<![\w@/`.-])@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?![\w/-])"
_NAME = r"\b(?:" + "|".join(sorted(FIRST_NAMES, key=len, reverse=True)) + r")\b"
_NAME_FULL = _NAME + r"(?:\s+[A-Z][a-z]+\b(?=\s))?"
_ROLE = (
    r"(?i:\b(?:the|our|an?|that|this|one|their)\s+(?:(?:new|junior|senior|on-?call|"
    r"night[- ]shift|weekend|primary|secondary|responsible|support|deploying|same|"
    r"tier[- ]?\d)\s+)*(?:" + ROLE_NOUNS + r")\b(?:\s+on\s+(?:duty|call|shift)\b)?)"
)
_PRONOUN = r"\b(?:[Hh]e|[Ss]he|I)\b"
# "Mark from the platform team": any capitalised word said to be from a team is a person.
_TEAM_MEMBER = r"\b[A-Z][a-z]+\s+(?:from|in|on)\s+(?:the\s+|our\s+)?(?:[\w-]+\s+){0,2}team\b"
_PERSON = rf"(?:{_LOGIN}|{_TEAM_MEMBER}|{_NAME_FULL}|{_ROLE}|{_PRONOUN})"
_SOMEONE = r"(?i:\b(?:someone|somebody)\b)"
_CAPITALISED = (
    r"\b(?!(?:The|This|That|These|Those|It|Its|We|Our|They|Their|A|An|One|Nobody|Someone|"
    r"Everyone|Everybody|Team|Support|Ops|Engineering|Finance|Sales|Management|Nothing|Which|"
    r"What|Who|When|Then|There|If|But|And|So|Also|After|Before|During|While|Because|Since|"
    r"Customers?|Users?|Nobody|No|Root|Cause|Why|How)\b)[A-Z][a-z]+\b"
)
_GAP = (
    r"\s+(?:(?:had|has|just|also|then|again|clearly|apparently|simply|completely|probably|"
    r"obviously|still|somehow|once\s+again)\s+)*"
)
_HUMAN_ONLY = (
    r"(?:forgot|forgets|forgotten|neglected|neglects|didn't bother|did not bother|"
    r"never bothered|made (?:a|an|another|the same|this|that)\s+(?:\w+\s+)?"
    r"(?:mistake|error|blunder|slip)|screwed up|messed up|botched|bungled|fat[- ]fingered|"
    r"dropped the ball|sat on|(?:was|were|is|are|has been|had been) (?:too |very |really |"
    r"extremely |being |so )?(?:careless|negligent|sloppy|lazy|reckless|incompetent|"
    r"irresponsible|clumsy|at fault|to blame)|(?:keeps?|kept|stops?|stopped) (?:making|"
    r"repeating) (?:\w+ )?mistakes)"
)
_PERSON_FAILURE = (
    r"(?:ignored|ignores|overlooked|broke|failed to|fails to|should(?:n't| not)? have|"
    r"should've|ought to have|could(?:n't| not)? have (?:avoided|prevented|caught|stopped|"
    r"checked|noticed)|caused (?:the|this|that|an|a|our|today's)\s+(?:\w+\s+){0,2}?"
    r"(?:outage|incident|failure|downtime|breach|data loss|mess|crash|delay|problem)|"
    r"accidentally|mistakenly|carelessly|recklessly|wrongly|blindly|"
    r"(?:was|were) responsible for (?:the|this|that) (?:outage|incident|failure|mistake|error|"
    r"data loss|downtime|breach)|(?:didn't|did not|never) (?:check|test|follow|read|verify|"
    r"review|escalate|wait|ask|run|update|tell|inform|communicate|double-check|look|confirm|"
    r"validate|pay attention)\w*)"
)
_WEAK_FAILURE = (
    r"(?:missed|skipped|misread|misconfigured|mistyped|(?:didn't|did not|never) (?:see|notice|"
    r"know|get|receive|realise|realize|have|spot|respond|acknowledge|answer|react|reply|"
    r"pick up)|(?:was|were) not aware|wasn't aware)"
)
# Verbs that change a system: "<person> deployed ... without a review" blames the person.
_CHANGE_VERB = (
    r"(?:deploy|push|merg|ship|releas|appl|chang|edit|modif|restart|reboot|delet|dropp|migrat|"
    r"execut|roll|upgrad|updat|approv|configur|start|commit|publish|sen|issu|refund|promot|scal|"
    r"kill|disabl|enabl|install|patch|replac|rotat|remov|revert|wip|flipp|toggl|turn|ran|run|"
    r"went|made|did|took)\w*"
)
_SAFEGUARD = (
    r"(?:(?:a|an|any|the|first|proper|prior|our|their|his|her)\s+)?(?:running|testing|tests?|"
    r"review\w*|approv\w*|check\w*|verif\w*|validat\w*|confirm\w*|asking|telling|notify\w*|"
    r"inform\w*|follow\w*|reading|looking|tickets?|change request|sign-?off|backup|"
    r"waiting for (?:an? |the )?(?:approval|review|sign-?off|ci|tests?|checks?|green)|"
    r"backing|dry|staging|peer|second|qa|canary|announc\w*|consult\w*|permission|"
    r"authori[sz]ation|pairing|plan|planning|rollback|window|maintenance|thinking|"
    r"double-checking|code review|ci|pr|pull request|merge request|full test)"
)
_APPOSITIVE = r"(?:,[^,.;]{1,40},)?"
_REST = r"(?P<rest>[^.;!?]*)"
_SUBJECT_FAILURE = re.compile(
    rf"(?P<person>{_PERSON})(?:\s+(?:and|&)\s+{_PERSON})?{_APPOSITIVE}{_GAP}"
    rf"(?P<verb>{_HUMAN_ONLY}|{_PERSON_FAILURE})\b{_REST}"
)
_HARMFUL_ACT = re.compile(
    rf"(?P<person>{_PERSON}){_APPOSITIVE}{_GAP}(?P<verb>"
    r"(?:pushed|deployed|merged|shipped|released|committed|applied|wrote)\s+(?:\w+\s+)?"
    r"(?:untested|unreviewed|broken|bad|buggy|wrong|faulty|sloppy)"
    r"|(?:deleted|dropped|wiped|truncated|overwrote|removed|nuked|destroyed)\s+(?:the\s+|a\s+|"
    r"all\s+)?(?:production|prod|live|customer|customers'?|users?'?|primary|main)"
    r"|(?:\w+\s+){0,2}?(?:ran|used|applied|deployed|pushed|picked|restored|selected|edited|"
    r"restarted|rebooted|deleted|dropped|updated|changed|merged|configured|chose|copied|entered|"
    rf"typed|sent|shut down|killed|stopped|rolled back|targeted|opened)\s+the\s+wrong)\b{_REST}"
)
_POSSESSIVE_HARM = re.compile(
    rf"(?P<person>{_LOGIN}|{_NAME}|{_ROLE})['’]s\s+(?:\w+\s+){{0,2}}?(?P<verb>broke|took down|"
    rf"brought down|wiped|corrupted|knocked over|killed)\b{_REST}"
)
_COUNTERFACTUAL = re.compile(
    rf"\b(?:if\s+(?P<person>{_PERSON})\s+had|had\s+(?P<person2>{_PERSON}))\s+(?:only\s+)?"
    rf"(?P<verb>\w+ed|read|run|done|taken|gone|written){_REST}"
)
_MADE_BY = re.compile(
    rf"(?i:\b(?:mistakes?|errors?)\s+(?:were|was)\s+made\s+by)\s+(?P<person>{_PERSON})"
)
_ANYONE_FAILURE = re.compile(
    rf"(?P<person>{_SOMEONE}|{_CAPITALISED}){_GAP}(?P<verb>{_HUMAN_ONLY})\b{_REST}"
)
_WEAK_SUBJECT_FAILURE = re.compile(
    rf"(?P<person>{_PERSON}){_APPOSITIVE}{_GAP}(?P<verb>{_WEAK_FAILURE})\b{_REST}"
)
_EXPLAINED = re.compile(r"\b(?:because|since|as|due to|so|while|which|when)\b")
_WITHOUT = re.compile(
    rf"(?P<person>{_PERSON}){_APPOSITIVE}{_GAP}(?P<verb>{_CHANGE_VERB})\b"
    rf"(?P<object>[^.;!?]{{0,80}}?)\s+without\s+(?P<clause>{_SAFEGUARD}\b[^.;!?]*)"
)
_CAUSED_BY = re.compile(rf"\b(?:caused|broken) by (?P<person>{_LOGIN}|{_NAME_FULL}|{_ROLE})")
_POSSESSIVE_FAULT = re.compile(
    rf"(?P<person>{_LOGIN}|{_NAME}|{_ROLE})['’]s\s+(?P<verb>fault|mistake|error|carelessness|"
    r"negligence|screw-?up|blunder|oversight|sloppiness)\b"
)
_PRONOUN_FAULT = re.compile(
    r"\b(?P<person>[Hh]is|[Hh]er)\s+(?:own\s+)?(?P<verb>fault|mistake|carelessness|negligence|"
    r"screw-?up|blunder)\b"
)
_JUDGEMENT = re.compile(
    r"(?i)\b(?:careless\w*|negligen\w*|sloppy|sloppiness|lazy|laziness|incompeten\w*|"
    r"reckless\w*|irresponsible|unprofessional|unacceptable|inexcusable|"
    r"should(?: have)? know[n]? better|rookie (?:mistake|error)|dropped the ball|"
    r"asleep at the wheel|not paying attention|cowboy\w*|clueless|at fault|to blame|"
    r"blamed?\s+(?:on|for)|fault (?:lies|lay|is|was) with|"
    r"(?:his|her|their|my|your|whose)\s+fault)\b"
)
_PERSON_IN_WINDOW = re.compile(rf"{_PERSON}|\b(?:[Hh]is|[Hh]er|[Hh]im)\b|{_SOMEONE}")
_HUMAN_ERROR = re.compile(r"(?i)\b(?:human|operator|pilot)[- ]error\b|\bpebkac\b")
_NEGATED = re.compile(
    r"(?i)(?:\b(?:not|no|never|nobody|no one|without|nor|rather than|instead of|beyond)|n't)"
    r"\s+(?:\w+\s+){0,2}$"
)
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_TRAILING_MENTIONS = re.compile(rf"(?:[\s,(]*(?:owner\s*:?\s*)?{_LOGIN}[\s,)]*)+$", re.I)
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


@dataclass(frozen=True)
class _BlameHit:
    start: int
    kind: str  # without, omission, should, ignored, person, fault, human-error, judgement, term
    snippet: str
    suggestion: str
    person: str = ""


def _prose_blocks(context: _Context) -> Iterator[list[tuple[int, str]]]:
    """Paragraphs and list items outside code, quotes and metadata, as (line index, text)."""
    document = context.document
    metadata = _metadata_lines(document)
    action_lines = {item.index: item for item in context.actions()}
    block: list[tuple[int, str]] = []
    for index, raw in enumerate(document.lines):
        text = _CODE_SPAN.sub(" ", line_content(raw))
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


def _clause(text: str) -> str:
    """The words up to the next clause boundary ("and", "because", a comma...)."""
    cut = re.split(
        r"\s+(?:and|but|because|since|so|which|while|when|after|until|for|during|as)\s+|[,;:(—–]",
        text.strip(),
        maxsplit=1,
    )[0]
    return cut.strip().rstrip(".!?")


_VERB_NOUNS = {
    "deployed": "a deploy",
    "deploying": "a deploy",
    "released": "a release",
    "shipped": "a release",
    "merged": "a change",
    "merging": "a change",
    "pushed": "a change",
    "pushing": "a change",
    "restarted": "a restart",
    "migrated": "a migration",
    "ran": "the job",
}


def _rewrite_without(match: re.Match[str]) -> str:
    thing = _clause(match["object"]) or _VERB_NOUNS.get(match["verb"].casefold(), "the change")
    clause = _clause(match["clause"])
    return (
        f"Describe what the system allowed, e.g. “The process let {thing} go out without "
        f"{clause}. What made that possible, and how do we close the gap?”"
    )


def _rewrite_failure(verb: str, rest: str) -> tuple[str, str]:
    """(kind, suggestion) for a person-as-subject failure such as "forgot to renew the cert"."""
    low = verb.casefold()
    words = low.split()
    if re.match(r"should|ought|could", low):
        phrase = _clause(rest) or "this step"
        return "should", (
            f"Describe the missing prompt instead, e.g. “Nothing asked for this step ({phrase}) "
            "at the time. What would have made it the obvious next step: a required check, a "
            "clearer signal, or more time?”"
        )
    if re.match(r"ignor|overlook|miss|skip|sat on|misread", low):
        thing = _clause(rest) or "the signal"
        thing = thing[0].upper() + thing[1:]
        return "ignored", (
            f"Describe what happened to the signal, e.g. “{thing} got no response. What made it "
            "easy to miss: noise, routing, or nobody clearly on point?”"
        )
    if re.match(r"forg|neglect|fail|didn't|did not|never|bother", low):
        base = " ".join(words[2:]) if words[:2] in (["did", "not"], ["failed", "to"]) else ""
        if words[0] in ("didn't", "never"):
            base = " ".join(words[1:])
        remainder = re.sub(r"^\s*to\s+", "", rest)
        phrase = _clause(f"{base} {remainder}".strip())
        if phrase:
            return "omission", (
                f"Describe the gap, e.g. “Nothing in the process made sure someone would {phrase}: "
                "no check, reminder or automation caught it. What would make that step automatic?”"
            )
    return "person", (
        "Describe what happened to the system rather than who did it, e.g. “The change reached "
        "production with nothing to stop or catch it. What allowed that?”"
    )


def _structured_hits(sentence: str, offset: int) -> Iterator[_BlameHit]:
    for match in _WITHOUT.finditer(sentence):
        yield _BlameHit(
            offset + match.start(),
            "without",
            match.group(0).strip(),
            _rewrite_without(match),
            match["person"],
        )
    for pattern in (_SUBJECT_FAILURE, _ANYONE_FAILURE, _HARMFUL_ACT, _POSSESSIVE_HARM):
        for match in pattern.finditer(sentence):
            kind, suggestion = _rewrite_failure(match["verb"], match["rest"])
            yield _BlameHit(
                offset + match.start(), kind, match.group(0).strip(), suggestion, match["person"]
            )
    for match in _WEAK_SUBJECT_FAILURE.finditer(sentence):
        if _EXPLAINED.search(match["rest"]):
            continue  # "missed the page because it went to an old number" explains the system
        kind, suggestion = _rewrite_failure(match["verb"], match["rest"])
        yield _BlameHit(
            offset + match.start(), kind, match.group(0).strip(), suggestion, match["person"]
        )
    for match in _COUNTERFACTUAL.finditer(sentence):
        person = match["person"] or match["person2"]
        kind, suggestion = _rewrite_failure("should have", f"{match['verb']}{match['rest']}")
        yield _BlameHit(offset + match.start(), kind, match.group(0).strip(), suggestion, person)
    for pattern in (_CAUSED_BY, _POSSESSIVE_FAULT, _PRONOUN_FAULT, _MADE_BY):
        for match in pattern.finditer(sentence):
            yield _BlameHit(
                offset + match.start(),
                "fault",
                match.group(0).strip(),
                "Say what the system allowed instead of whose fault it was, e.g. “The renewal "
                "depended on one person remembering it, with no reminder or alert.”",
                match["person"],
            )


def _human_error_hits(sentence: str, offset: int) -> Iterator[_BlameHit]:
    for match in _HUMAN_ERROR.finditer(sentence):
        before = sentence[: match.start()]
        quoted = before.rstrip().endswith(("“", '"', "'", "‘"))
        if quoted or _NEGATED.search(before):
            continue
        yield _BlameHit(
            offset + match.start(),
            "human-error",
            match.group(0),
            "Name the condition that made the slip possible, e.g. “The restore script could run "
            "against production without asking for confirmation.”, then ask why that was so.",
        )


def _judgement_hits(sentence: str, window: str, offset: int) -> Iterator[_BlameHit]:
    for match in _JUDGEMENT.finditer(sentence):
        if _NEGATED.search(sentence[: match.start()]):
            continue
        person = _PERSON_IN_WINDOW.search(window)
        if person is None:
            continue
        yield _BlameHit(
            offset + match.start(),
            "judgement",
            match.group(0),
            f"Drop the judgement (“{match.group(0)}”) and state the condition instead: what did "
            "the system allow, and what will change so it cannot happen again?",
            person.group(0).strip(),
        )


def _term_hits(sentence: str, offset: int, terms: Sequence[str]) -> Iterator[_BlameHit]:
    for term in terms:
        pattern = rf"(?i)(?<!\w){re.escape(term.strip())}(?!\w)"
        for match in re.finditer(pattern, sentence):
            yield _BlameHit(
                offset + match.start(),
                "term",
                match.group(0),
                f"Rephrase without “{match.group(0)}”: describe what the system allowed, not "
                "who failed.",
            )


def _blame_hits(text: str, terms: Sequence[str]) -> Iterator[_BlameHit]:
    previous = ""
    for sentence_match in _SENTENCE.finditer(text):
        sentence = sentence_match.group(0)
        offset = sentence_match.start()
        window = f"{previous} {sentence}"
        yield from _structured_hits(sentence, offset)
        yield from _human_error_hits(sentence, offset)
        yield from _judgement_hits(sentence, window, offset)
        yield from _term_hits(sentence, offset, terms)
        previous = sentence


_BLAME_PRIORITY = ("without", "omission", "should", "ignored", "person", "fault", "human-error")


def _blame_message(hit: _BlameHit) -> str:
    if hit.kind == "human-error":
        return f"“{hit.snippet}” names a person's slip, not the condition that allowed it."
    if hit.kind == "judgement":
        return (
            f"“{hit.snippet}” judges a person ({hit.person}) instead of describing what happened."
        )
    if hit.kind == "term":
        return f"“{hit.snippet}” is on this team's list of blame terms."
    return f"A person is the subject of a failure here: “{_shorten(hit.snippet, 100)}”."


def _best(hits: Sequence[_BlameHit]) -> _BlameHit:
    def rank(hit: _BlameHit) -> int:
        return _BLAME_PRIORITY.index(hit.kind) if hit.kind in _BLAME_PRIORITY else 99

    return min(hits, key=lambda hit: (rank(hit), hit.start))


def check_blame_framing(context: _Context) -> Iterator[Finding]:
    document = context.document
    for block in _prose_blocks(context):
        text, starts = _join_block(block)
        hits = list(_blame_hits(text, context.blame_terms))
        by_line: dict[int, list[_BlameHit]] = {}
        for hit in hits:
            line_index = _line_at(block, starts, hit.start)
            by_line.setdefault(line_index, []).append(hit)
        for line_index, line_hits in sorted(by_line.items()):
            best = _best(line_hits)
            # A judgement after a blamed subject in the same block reuses its rewrite.
            structured = [h for h in hits if h.kind in _BLAME_PRIORITY[:5]]
            suggestion = best.suggestion
            if best.kind in ("judgement", "term") and structured:
                suggestion = f"{best.suggestion} {structured[0].suggestion}"
            yield Finding(
                BLAME_FRAMING,
                line_index + 1,
                line_content(document.lines[line_index]).strip(),
                _blame_message(best),
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
