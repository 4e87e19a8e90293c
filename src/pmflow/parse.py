"""Parse a post-mortem issue body (Markdown as GitHub's issue forms render it) into a model.

The one place that knows pmflow's checklist grammar:

    - [ ] <action text> @owner due:YYYY-MM-DD

Owner: the first `@login` on the line (a user; `@org/team` is not an owner). Due date: an ISO date
after `due`, `due:` or `by` (any case, colon optional, parentheses allowed). A line pmflow has
linked reads `- [ ] #123 <action text> ...`.

Lines keep their own endings (`\\r\\n` from the web, `\\n` from the API) so that a rewrite can give
back every byte it did not mean to change. Parsing never raises: whatever is wrong becomes a
`Problem`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from pmflow.model import ActionLine, PostMortemReport, Problem, Section, Severity

DEFAULT_ACTION_HEADINGS = ("Actions", "Action items")
NO_RESPONSE = "_No response_"

_HEADING_START = re.compile(r" {0,3}(?P<hashes>#{1,6})(?=[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
# Searched in "\n" + body, so that a match starts where its line starts in the body: the lines
# that may open a fence or a block quote. (A leading "\n" is a literal the search can skip to;
# `^` in MULTILINE mode is tried at every character.)
_BLOCK_CANDIDATE = re.compile(r"\n {0,3}[`~>]")
_LINE_END_CRS = re.compile(r"\r+\n")
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines's, but `\n`
_QUOTE = re.compile(r"^ {0,3}>")
_CHECKBOX = re.compile(
    r"^(?P<lead>[ \t]*[-*+][ \t]+\[)(?P<box>[ xX])(?P<close>\])(?P<gap>[ \t]+|$)"
)
_ITEM_STARTS = frozenset("-*+0123456789")
_PLAIN_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_ISSUE_REF = re.compile(r"^#(?P<number>[1-9][0-9]{0,9})(?=\s|$)")
# GitHub logins: alphanumerics and single hyphens, at most 39 characters.
_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
# The look-behind comes after the `@` it checks, so that a search can skip from `@` to `@`.
_MENTION = re.compile(rf"@(?<![\w@/`.-]@)(?P<login>{_LOGIN})(?P<team>/[\w.-]+)?(?![\w-])")
# Possessive quantifiers (*+, ++) where whitespace runs meet: a long run of spaces in a line must
# not make matching quadratic (a body can hold 65,536 characters; a hostile one, a megabyte).
_OWNER_LABEL = re.compile(r"(?i)\b(?:owner|owned by|assignee)\s*+:?\s*+$")
_DUE_TOKEN = re.compile(
    r"(?i)(?:(?P<open>\()\s*+)?\b(?P<word>due|by)\b(?:\s*+:\s*+|\s++|(?=\())\(?\s*+"
    r"(?P<value>[^\s(),;]++(?:\s++[^\s(),;]++)?)"
)
_DUE_WORDS = re.compile("due|by")  # where _DUE_TOKEN can match, in lower-case ASCII text
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?![\d-])")
_DATEISH_WORDS = re.compile(
    r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"today|tomorrow|tonight|eod|eow|eom|eoq|end|next|this|q[1-4]|h[12]|\d)"
)
_BACKTICKS = re.compile(r"`+")
# Anything GitHub could take for a mention: `@login` or `@org/team` not right after a letter or a
# digit, the `@` also written as an HTML entity (GitHub decodes it before looking for mentions).
# Wider than GitHub's own rule on purpose: wrapping too much costs two backticks.
_AT = r"(?:@|&#0*64;|&#[xX]0*40;|&commat;)"
_MENTION_BODY = (
    _AT + r"(?P<login>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*)"
    r"(?P<team>/[A-Za-z0-9][A-Za-z0-9_.-]*)?"
)
_LOOSE_MENTION = re.compile(r"(?<![A-Za-z0-9])" + _MENTION_BODY)
# Right after a code span, text starts a new text node: `@a@b` wrapped as `` `@a`@b `` would ping b.
_MENTION_HERE = re.compile(_MENTION_BODY)
_TITLE_EDGES = " ,;:–—-"  # trimmed off a title's ends
_WORD = re.compile(r"\w")
_CLOSING_PAREN = re.compile(r"\s*\)")
_EMPTY_PARENS = re.compile(r"\([\s,;:]*+\)")  # left where an owner or a date was
_BARE_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# The action most people write, `<text> @owner due:YYYY-MM-DD` and its variants (`due `, `by:`,
# `(@owner, by ...)`, `(due ...)`, more text after the date), read by one match from the line's
# first `@` instead of find_owner's and find_due's searches, on a line without backticks (no
# code spans). What it reads is what those would find: the `@` is the first mention when the
# look-behind and look-ahead (_MENTION's) allow it, and the login is all of it, with no team; the
# date ends where find_due's first word ends (at whitespace, a parenthesis, `,` or `;`); and as
# no `due` or `by` word comes before its token (`_canonical` checks), that is find_due's first.
_CANONICAL = re.compile(
    rf"(?<![\w@/`.-])@(?P<login>{_LOGIN})(?![\w/-])[\s,;]*?"
    r"(?:(?P<open>\()\s*+)?\b(?P<word>(?i:due|by))\b(?:\s*+:\s*+|\s++)"
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?=[\s(),;]|\Z)(?P<close>\s*\))?"
)
_DUE_WORD = re.compile(r"(?i)\b(?:due|by)\b")


def split_lines(body: str) -> list[str]:
    """Split on `\\n` only, each line keeping its ending (unlike str.splitlines)."""
    lines = body.splitlines(keepends=True)
    # splitlines also breaks at `\r`, `\v`, `\u2028`, ...: where the body has none of those, or
    # where it made no more lines than the `\n`s make (one at the very end splits nothing), it
    # split as `\n` does, and faster. (Looking for each of those costs less than one count.)
    for other in _OTHER_LINE_BREAKS:
        if other in body:
            break
    else:
        return lines
    if len(lines) == body.count("\n") + (not body.endswith("\n") and body != ""):
        return lines
    lines = body.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def _without_line_end_crs(text: str) -> str:
    if "\r" not in text:
        return text
    if "\r\r" not in text:
        return text.replace("\r\n", "\n")  # what the pattern does, in a tenth of the time
    return _LINE_END_CRS.sub("\n", text)


def line_content(line: str) -> str:
    return line.rstrip("\n").rstrip("\r")


def line_ending(line: str) -> str:
    return line[len(line_content(line)) :]


@functools.lru_cache(maxsize=1024)  # the same few headings, in every post-mortem
def normalise_heading(text: str) -> str:
    return " ".join(text.strip().rstrip(":").split()).casefold()


def _visible_lines(lines: Sequence[str], body: str | None = None) -> list[bool]:
    """For each line, whether it is ordinary Markdown text (not code, quote or HTML comment);
    `body` is the lines joined, if at hand."""
    visible = [True] * len(lines)
    if body is None:
        body = "".join(lines)
    if "`" not in body and "~" not in body and ">" not in body and "<!--" not in body:
        return visible  # nothing opens a fence, a quote or a comment (four scans in C are cheap)
    searchable = "\n" + body
    index = offset = 0  # a line, and where it starts in `body`
    fence: str | None = None
    in_comment = False
    while index < len(lines):
        if fence is None and not in_comment:
            # Skip to the next line that could open a fence, a quote or a comment (most lines
            # cannot): the searches run in C, not line by line in Python.
            block = _BLOCK_CANDIDATE.search(searchable, offset)
            comment = body.find("<!--", offset)
            starts = [block.start()] if block else []
            if comment != -1:
                starts.append(body.rfind("\n", 0, comment) + 1)
            if not starts:
                break
            start = min(starts)
            index += body.count("\n", offset, start)
            offset = start
        raw = lines[index]
        text = line_content(raw)
        if in_comment:
            visible[index] = False
            if "-->" in text:
                in_comment = False
        elif fence is not None:
            visible[index] = False
            stripped = text.strip()
            if stripped.startswith(fence) and set(stripped) <= {fence[0]}:
                fence = None
        elif (opened := _FENCE.match(text)) and not (
            # A backtick fence's info string may not contain backticks (CommonMark).
            opened["fence"][0] == "`" and "`" in text[opened.end() :]
        ):
            fence = opened["fence"]
            visible[index] = False
        elif _QUOTE.match(text):
            visible[index] = False
        else:
            start = text.rfind("<!--")
            starts_with_comment = text.lstrip().startswith("<!--")
            if start != -1 and "-->" not in text[start:]:
                in_comment = True
                visible[index] = not starts_with_comment
            elif starts_with_comment and text.rstrip().endswith("-->"):
                visible[index] = False
        offset += len(raw)
        index += 1
    return visible


class Sections(Sequence[Section]):
    """A body's sections, in order: their texts are cut out of the body when first asked for
    (a sync reads five of them; the quality checks and the similarity search read them all)."""

    __slots__ = ("_lines", "_made", "_outline")

    def __init__(self, lines: Sequence[str], outline: Sequence[tuple[str, int, int, int]]) -> None:
        self._lines = lines
        self._outline = outline  # per heading: its text, level, line, and the line after its end
        self._made: tuple[Section, ...] | None = None

    def line_range(self, position: int) -> tuple[int, int]:
        """The lines under the heading at `position`: from the one after it to its end."""
        _, _, index, end = self._outline[position]
        return index + 1, end

    def content(self, position: int) -> str | None:
        """Section(...).content of the section at `position`, made alone."""
        _, _, index, end = self._outline[position]
        text = "".join(self._lines[index + 1 : end])
        if "\r" in text:  # without the `\r`s before a `\n`, as line_content drops them
            text = _without_line_end_crs(text)
        text = text.strip()
        return None if text in ("", NO_RESPONSE) else text

    def _all(self) -> tuple[Section, ...]:
        if self._made is None:
            self._made = tuple(
                Section(heading, level, index, self.content(position))
                for position, (heading, level, index, _) in enumerate(self._outline)
            )
        return self._made

    def __getitem__(self, position: int) -> Section:  # type: ignore[override]
        return self._all()[position]

    def __len__(self) -> int:
        return len(self._outline)

    def __iter__(self) -> Iterator[Section]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sections):
            return self._all() == other._all()
        return self._all() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def parse_sections(
    lines: Sequence[str], visible: Sequence[bool]
) -> tuple[Sections, dict[str, int]]:
    """The body's sections; and for each heading as normalise_heading writes it, the position
    of its first section."""
    # Only lines starting with `#` (after at most three spaces) can be headings. (split_lines
    # makes no empty line.)
    candidates = [index for index, line in enumerate(lines) if line[0] in "# "]
    headings: list[tuple[int, tuple[int, str, str]]] = []  # line, (level, text, normalised text)
    for index in candidates:
        line = lines[index]
        if visible[index] and (line[0] == "#" or line.lstrip(" ")[:1] == "#"):
            # Short lines are remembered: the same few headings, in every post-mortem.
            heading = _short_heading(line) if len(line) <= 200 else _heading_and_key(line)
            if heading is not None:
                headings.append((index, heading))
    outline: list[tuple[str, int, int, int]] = [None] * len(headings)  # type: ignore[list-item]
    first: dict[str, int] = {}
    later: list[tuple[int, int]] = []  # level and line of later headings, each above the next
    for position in range(len(headings) - 1, -1, -1):
        index, (level, heading_text, key) = headings[position]
        # The section ends where the next heading of its level or above starts.
        while later and later[-1][0] > level:
            later.pop()
        outline[position] = (heading_text, level, index, later[-1][1] if later else len(lines))
        later.append((level, index))
        first[key] = position  # an earlier one comes later, and replaces it
    return Sections(lines, outline), first


@functools.lru_cache(maxsize=1024)
def _short_heading(line: str) -> tuple[int, str, str] | None:
    return _heading_and_key(line)


def _heading_and_key(line: str) -> tuple[int, str, str] | None:
    """_heading of a line (without its ending), and the heading's text normalised."""
    heading = _heading(line_content(line))
    return None if heading is None else (*heading, normalise_heading(heading[1]))


def _heading(text: str) -> tuple[int, str] | None:
    """An ATX heading's level and text (`### Actions ##` -> 3, "Actions"), or None.

    Plain string work, not one regular expression: a lazy `.*?` before optional closing hashes
    is quadratic on a line of 50,000 spaces.
    """
    match = _HEADING_START.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip(" \t")
    without = rest.rstrip("#")
    if without != rest and (not without or without[-1] in " \t"):
        rest = without.rstrip(" \t")  # a closing sequence: spaces, then only hashes
    return len(match["hashes"]), rest.strip()


def _escaped(text: str, index: int, floor: int = 0) -> bool:
    """Whether the character at `index` follows an odd run of backslashes (from `floor`)."""
    count = 0
    while index - count - 1 >= floor and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _inline_comments(text: str) -> list[tuple[int, int]]:
    """Closed HTML comments (`<!--...-->`, `<!-->`, `<!--->`), left to right, in linear time."""
    found = []
    position = text.find("<!--")
    while position != -1:
        if text.startswith(">", position + 4):
            end = position + 5
        elif text.startswith("->", position + 4):
            end = position + 6
        else:
            close = text.find("-->", position + 4)
            if close == -1:
                break  # no later comment can close either
            end = close + 3
        found.append((position, end))
        position = text.find("<!--", end)
    return found


def code_span_ranges(text: str) -> list[tuple[int, int]]:
    """The code spans of one line of Markdown, as (start, end) pairs, as CommonMark reads them."""
    return [(start, end) for start, end, is_code in opaque_ranges(text) if is_code]


def opaque_ranges(text: str) -> list[tuple[int, int, bool]]:
    """Code spans (True) and inline HTML comments (False) of one line, as CommonMark reads them:
    nothing inside either renders as a mention.

    A run of n backticks opens a span that the next run of exactly n backticks closes (inside a
    span, backslashes are plain text); a run without such a closer is literal text, and so is a
    backtick escaped with a backslash. Runs in O(n log n): a line of 50,000 backticks is fine.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    starts_by_length: dict[int, list[int]] = {}
    for start, end in runs:
        starts_by_length.setdefault(end - start, []).append(start)
    # An inline HTML comment that starts before a backtick hides it: raw HTML and code spans
    # bind equally tightly, and whichever starts first wins.
    comments = _inline_comments(text) if "<!--" in text else []
    spans: list[tuple[int, int, bool]] = []
    consumed = 0
    next_comment = 0
    for start, end in [*runs, (len(text) + 1, len(text) + 1)]:
        while next_comment < len(comments) and comments[next_comment][0] < start:
            c_start, c_end = comments[next_comment]
            next_comment += 1
            if c_start >= consumed:
                spans.append((c_start, c_end, False))
                consumed = c_end
        if start > len(text):
            break
        if start < consumed:
            continue  # the closer of a span already taken, or inside an HTML comment
        opener = start + 1 if _escaped(text, start, consumed) else start
        length = end - opener
        if length == 0:
            continue
        closers = starts_by_length.get(length, [])
        found = bisect.bisect_right(closers, start)
        if found < len(closers):
            close = closers[found]
            spans.append((opener, close + length, True))
            consumed = close + length
    return spans


def _without_code_spans(text: str) -> str:
    if "`" not in text:
        return text
    pieces = []
    last = 0
    for start, end in code_span_ranges(text):
        pieces.append(text[last:start])
        pieces.append(" " * (end - start))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def find_owner(text: str) -> tuple[str | None, re.Match[str] | None]:
    """The first `@login` outside code spans that is a user, not `@org/team`."""
    searchable = _without_code_spans(text)
    for match in _MENTION.finditer(searchable):
        if match["team"]:
            continue
        return match["login"], match
    return None, None


def parse_iso_date(value: str) -> dt.date | None:
    match = _ISO_DATE.match(value)
    return _calendar_date(match[0]) if match else None


def _calendar_date(text: str) -> dt.date | None:
    """The day `YYYY-MM-DD` names (its digits as `\\d` reads them, of any script), if real."""
    try:
        if text.isascii():
            return dt.date.fromisoformat(text)  # what the line below gives, in a third of the time
        return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None


class _Due:
    # Class-level defaults: creating one (once per checklist line) sets nothing.
    date: dt.date | None = None
    span: tuple[int, int] | None = None
    text: str | None = None
    bad_value: str | None = None
    bad_reason: str | None = None


def _due_tokens(text: str) -> Iterable[re.Match[str]]:
    """`_DUE_TOKEN.finditer(text)`, faster: on ASCII text the pattern is tried only where `due`
    or `by` occurs (and at the `(` before it), not at every character."""
    if not text.isascii():  # lower() keeps ASCII text's length, so its positions are text's
        yield from _DUE_TOKEN.finditer(text)
        return
    resume = 0  # matches do not overlap: the next one starts after the last one's end
    for word in _DUE_WORDS.finditer(text.lower()):
        word_start = word.start()
        if word_start < resume:
            continue
        start = word_start
        before = len(text[resume:word_start].rstrip()) + resume
        if before > resume and text[before - 1] == "(":
            start = before - 1  # the pattern's optional `(` and spaces in front of the word
        match = _DUE_TOKEN.match(text, start)
        if match is not None:
            yield match
            resume = match.end()


def find_due(text: str) -> _Due:
    """Locate the due date token; remember a malformed one so it can be reported, not guessed."""
    due = _Due()
    folded = text.casefold()
    if "due" not in folded and "by" not in folded:
        return due  # the common line without a date: no pattern search at all
    searchable = _without_code_spans(text)
    for match in _due_tokens(searchable):
        value = match["value"]
        first_word = value.split(None, 1)[0].rstrip(".")
        iso = _ISO_DATE.match(first_word)
        if iso:
            parsed = _calendar_date(iso[0])
            if parsed is None:
                if due.bad_value is None:
                    due.bad_value, due.bad_reason = first_word, "not-a-real-date"
                continue
            start = match.start("open") if match["open"] else match.start("word")
            end = match.start("value") + iso.end()
            if match["open"] or searchable.find("(", match.start("word"), end) >= 0:
                closing = _CLOSING_PAREN.match(searchable, end)
                end = closing.end() if closing else end
            due.date, due.span, due.text = parsed, (start, end), first_word
            return due
        is_due_word = match["word"].casefold() == "due"
        if due.bad_value is None and (is_due_word or _DATEISH_WORDS.match(first_word)):
            due.bad_value = value if not is_due_word else first_word
            due.bad_reason = "not-iso"
    return due


def _clean_title(text: str) -> str:
    if "(" in text:
        text = _EMPTY_PARENS.sub(" ", text)
    # Trimmed by str.strip, not `[\s,;:-]+$` (quadratic on a long run of those mid-line); after
    # the join the only whitespace left is single spaces.
    return " ".join(text.split()).strip(_TITLE_EDGES)


def action_key(title: str) -> str:
    return _key_of(" ".join(title.casefold().split()))


def _key_of(normalised: str) -> str:
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:12]


def _canonical(rest: str) -> tuple[str, tuple[int, int], dt.date, tuple[int, int], str] | None:
    """What find_owner and find_due give for an action written as most are (see _CANONICAL):
    the owner, where its mention is, the due date, where its token is and the date as written;
    None for any other line."""
    at = rest.find("@")
    if at == -1 or "`" in rest:
        return None
    match = _CANONICAL.match(rest, at)
    if match is None:
        return None
    # One call for the groups, and positions by number: each lookup by name costs as much.
    login, opened, _, written, closed = match.groups()
    start = match.start(2) if opened else match.start(3)  # the `(` or the `due` word
    head = rest[:start].lower()  # the words first: a pattern search costs more than the match
    if ("due" in head or "by" in head) and _DUE_WORD.search(rest, 0, start):
        return None  # an earlier `due` or `by` could be the date's token, or swallow it
    try:
        date = dt.date.fromisoformat(written)  # as _calendar_date reads it: ASCII digits here
    except ValueError:
        return None  # not a real date: find_due says so, or finds a later one
    # find_due takes a closing parenthesis in only when its token opened one.
    end = match.end(5) if opened and closed else match.end(4)
    return login, (at, at + 1 + len(login)), date, (start, end), written


def _title(rest: str, owner: tuple[int, int] | None, due: tuple[int, int] | None) -> str:
    """The action's text: the line without its owner (with a label such as `owner:`) and date."""
    before_owner = "x"
    if owner is None:
        source = rest if due is None else f"{rest[: due[0]]} {rest[due[1] :]}"
    else:
        start, end = owner
        before_owner = rest[:start]
        folded = before_owner.casefold()
        # The label's words come first: most lines have none, and need no pattern search.
        if "own" in folded or "assignee" in folded:
            label = _OWNER_LABEL.search(before_owner)
            start = label.start() if label else start
        if due is None:
            source = f"{rest[:start]} {rest[end:]}"
        elif end <= due[0]:  # the owner, then the date
            source = f"{rest[:start]} {rest[end : due[0]]} {rest[due[1] :]}"
        elif due[1] <= start:  # the date, then the owner
            source = f"{rest[: due[0]]} {rest[due[1] : start]} {rest[end:]}"
        else:  # one inside the other: `@by 2026-12-04` is an owner and a date
            source = f"{rest[: min(start, due[0])]} {rest[max(end, due[1]) :]}"
    title = _clean_title(source)
    if not _WORD.search(before_owner) and not _clean_title(before_owner) and title:
        # "@carol: document the limit" reads as a sentence once the owner is taken out.
        title = title[0].upper() + title[1:]
    return title


def _checkbox_parts(text: str) -> tuple[re.Match[str], str] | None:
    match = _CHECKBOX.match(text)
    if not match:
        return None
    return match, text[match.end() :]


def parse_action_line(
    line_index: int,
    raw: str,
    seen_keys: dict[str, int] | None = None,
    default_due: dt.date | None = None,
) -> tuple[ActionLine | None, list[Problem]]:
    """Parse one checklist line; return the action (if valid) and the problems found."""
    text = line_content(raw)
    match = _CHECKBOX.match(text)
    if match is None:
        return None, []
    rest = text[match.end() :]
    checked = match["box"] != " "
    issue_number = None
    if rest.startswith("#") and (ref := _ISSUE_REF.match(rest)):
        issue_number = int(ref["number"])
        rest = rest[ref.end() :]
    canonical = _canonical(rest)
    if canonical is not None:  # the usual line: only its title can be missing
        owner, owner_span, due_date, due_span, due_text = canonical
        title = _title(rest, owner_span, due_span)
        from_policy = False
        problems = _line_problems(text, line_index, rest, title, owner, None) if not title else []
    else:
        owner, owner_match = find_owner(rest)
        owner_span = owner_match.span() if owner_match is not None else None
        due = find_due(rest)
        title = _title(rest, owner_span, due.span)
        from_policy = due.date is None and due.bad_value is None and default_due is not None
        due_date = default_due if from_policy else due.date
        due_text = due.text
        undated = due if due_date is None else None
        problems = _line_problems(text, line_index, rest, title, owner, undated)
    if problems:
        return None, problems
    key = _unique_key(title, seen_keys)
    # In the order of ActionLine's fields (line_index, text, checked, title, owner, due,
    # issue_number, key, due_text, due_from_policy): by position, made in half the time.
    action = ActionLine(
        line_index, text, checked, title, owner, due_date, issue_number, key, due_text, from_policy
    )
    return action, []


def _line_problems(
    text: str, line_index: int, rest: str, title: str, owner: str | None, undated: _Due | None
) -> list[Problem]:
    """What is wrong with a checklist line: no title, no owner, or (`undated`: what find_due
    found instead) no due date."""
    number = line_index + 1
    problems: list[Problem] = []
    quoted = text.strip()
    if not title:
        problems.append(
            Problem(
                "missing-title",
                "This action has no text besides its owner and due date.",
                "Say what will be done, e.g. `- [ ] Add alerting for checkout latency above "
                "500ms @alice due:2026-12-04`.",
                quoted,
                number,
            )
        )
    if owner is None:
        problems.append(
            Problem(
                "missing-owner",
                "This action has no owner.",
                "Add the GitHub login of the person who will do it, e.g. `@alice` "
                "(a person, not an `@org/team`).",
                quoted,
                number,
            )
        )
    if undated is not None:
        if undated.bad_value is not None and undated.bad_reason == "not-a-real-date":
            message = f"`{undated.bad_value}` is not a real calendar date."
        elif undated.bad_value is not None:
            message = f"The due date `{undated.bad_value}` is not an ISO date (YYYY-MM-DD)."
        else:
            message = "This action has no due date."
        bare = _BARE_ISO.search(_without_code_spans(rest))
        example = bare.group(0) if bare and parse_iso_date(bare.group(0)) else "2026-12-04"
        problems.append(
            Problem(
                "bad-due-date" if undated.bad_value else "missing-due-date",
                message,
                f"Write the date as `due:{example}` (year-month-day) so nobody has to guess it.",
                quoted,
                number,
            )
        )
    return problems


def _unique_key(title: str, seen_keys: dict[str, int] | None) -> str:
    """action_key(title) (its whitespace is normalised already, and casefold adds none), with
    `-2`, `-3`, ... for a title the post-mortem has had before (counted in `seen_keys`)."""
    key = _key_of(title.casefold())
    if seen_keys is not None:
        occurrence = seen_keys.get(key, 0) + 1
        seen_keys[key] = occurrence
        if occurrence > 1:
            key = f"{key}-{occurrence}"
    return key


def find_actions_section(
    sections: Sequence[Section], headings: Iterable[str] = DEFAULT_ACTION_HEADINGS
) -> int | None:
    wanted = {normalise_heading(h) for h in headings}
    for position, section in enumerate(sections):
        if normalise_heading(section.heading) in wanted:
            return position
    return None


def _first_login(text: str | None) -> str | None:
    if not text:
        return None
    owner, _ = find_owner(text)
    if owner:
        return owner
    # Forms ask for "@login"; people often type the bare login.
    bare = re.fullmatch(rf"\s*({_LOGIN})\s*", text)
    return bare.group(1) if bare else None


def _first_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for match in _BARE_ISO.finditer(text):
        parsed = _calendar_date(match[0])  # all of it is the date: parse_iso_date's check holds
        if parsed:
            return parsed
    return None


def parse_postmortem(
    body: str | None,
    action_headings: Iterable[str] = DEFAULT_ACTION_HEADINGS,
    default_due: dt.date | None = None,
    *,
    due_policy: Callable[[str | None, dt.date | None], dt.date | None] | None = None,
) -> PostMortemReport:
    """Read a post-mortem; `default_due` dates action lines that have none (a deadline policy),
    or `due_policy` gives that date from the report's severity and incident date."""
    body = body or ""
    lines = split_lines(body)
    visible = _visible_lines(lines, body)
    sections, first = parse_sections(lines, visible)

    def content(*names: str) -> str | None:  # names as normalise_heading writes them
        found = [first[key] for key in names if key in first]
        return sections.content(min(found)) if found else None

    severity = content("severity")
    incident_date = _first_date(content("incident date"))
    if due_policy is not None and default_due is None:
        default_due = due_policy(severity, incident_date)
    wanted = [first[key] for key in map(normalise_heading, action_headings) if key in first]
    position = min(wanted) if wanted else None
    actions: list[ActionLine] = []
    problems: list[Problem] = []
    if position is not None:
        start, end = sections.line_range(position)
        seen: dict[str, int] = {}
        for index in range(start, end):
            # Only list items can be actions (or look like them): `-`, `*`, `+` or a digit.
            if not visible[index] or lines[index].lstrip(" \t")[:1] not in _ITEM_STARTS:
                continue
            action, line_problems = parse_action_line(index, lines[index], seen, default_due)
            if action is not None:
                actions.append(action)
            elif line_problems:
                problems.extend(line_problems)
            elif _PLAIN_ITEM.match(line_content(lines[index])):
                text = line_content(lines[index]).strip()
                owner, _ = find_owner(text)
                if owner or find_due(text).date:
                    problems.append(
                        Problem(
                            "not-a-checklist-item",
                            "This looks like an action but is not a checklist item.",
                            "Start the line with `- [ ] ` so pmflow can track it.",
                            text,
                            index + 1,
                            Severity.WARNING,
                        )
                    )

    return PostMortemReport(
        sections=sections,
        actions=tuple(actions),
        problems=tuple(problems),
        has_actions_section=position is not None,
        report_owner=_first_login(content("report owner")),
        incident_type=content("incident type"),
        incident_date=incident_date,
        meeting_date=_first_date(content("meeting date", "post-mortem meeting date")),
        severity=severity,
    )


def rewrite_action_line(
    line: str,
    issue_number: int | None,
    checked: bool | None,
    due: dt.date | None = None,
    *,
    replace_ref: bool = False,
) -> str:
    """Return `line` with `#issue_number` after its box and the box set to `checked`.

    Everything else on the line, its ending included, is kept as written. A line that already
    starts with `#issue_number` is left so. `None` leaves that part alone. `due` is appended as
    `due:YYYY-MM-DD` (a date the deadline policy gave, written down for everyone to see).
    `replace_ref`: the line's leading `#ref` is pmflow's own (pointing at a duplicate action
    issue) and is replaced, not kept after the new one.
    """
    text = line_content(line)
    ending = line[len(text) :]
    if due is not None:
        text = text.rstrip() + f" due:{due.isoformat()}"
    parts = _checkbox_parts(text)
    if parts is None:
        return line
    match, rest = parts
    box = match["box"]
    if checked is not None and (box in "xX") != checked:
        box = "x" if checked else " "
    existing = _ISSUE_REF.match(rest)
    if issue_number is not None and not (existing and int(existing["number"]) == issue_number):
        if replace_ref and existing:
            rest = rest[existing.end() :].lstrip(" \t")
        # In front of a person's own leading `#ref`, if there is one; never replacing it.
        rest = f"#{issue_number}" + (" " + rest if rest else "")
        return f"{match['lead']}{box}{match['close']}{match['gap'] or ' '}{rest}{ending}"
    return f"{match['lead']}{box}{match['close']}{match['gap']}{rest}{ending}"


def replace_lines(body: str, replacements: dict[int, str]) -> str:
    """Body with the given 0-based lines replaced; every other byte unchanged."""
    lines = split_lines(body)
    for index, new in replacements.items():
        lines[index] = new
    return "".join(lines)


# Block quote markers and list item markers, then the up to three spaces that keep what follows
# out of an indented code block: where an HTML block can start.
_BLOCK_CONTAINERS = re.compile(
    r"(?:[ ]{0,3}(?:>[ ]?|(?:[-+*]|\d{1,9}[.)])[ ]{1,4}(?![ ])))*[ ]{0,3}"
)


def neutralise_mentions(text: str, keep: str | None = None) -> str:
    """Text that pings nobody (but `keep`) wherever pmflow puts it: `@user` and `@org/team`
    outside code spans are wrapped in code spans.

    Safe for any text, inserted anywhere in a line: code spans are found as CommonMark finds
    them (a mention inside one is left alone), and a backtick that opens nothing is escaped, so
    that it cannot pair with a backtick pmflow adds (or with one after the inserted text) and let
    a mention out of its span. Each line is read on its own: a span running over a line break
    is treated as plain text, which only adds backticks.
    """
    # What it may have to change: a mention (`@`, or `&` of an entity), a backtick, or `<` (HTML at
    # the start of a line). Most titles have none, and four substring searches cost less than one
    # pattern search (these run twice for each action issue's body).
    if "@" not in text and "&" not in text and "`" not in text and "<" not in text:
        return text
    return "".join(_neutralise_line(line, keep) for line in split_lines(text))


def _neutralise_line(line: str, keep: str | None) -> str:
    # Put at the start of a line, or of a quote or list item in it (a template's `> {{ title }}`,
    # or text that brings its own `> `), `<div>` would open an HTML block, where backticks are
    # not code: an escaped `<` opens nothing and looks the same. A line that is one closed HTML
    # comment (a pmflow marker) is left as it is: nothing after it.
    indent = _BLOCK_CONTAINERS.match(line).end()  # type: ignore[union-attr]
    content = line_content(line).strip()
    closes = content.find("-->")
    comment_only = content.startswith("<!--") and closes == len(content) - 3 and closes >= 4
    if line[indent : indent + 1] == "<" and not comment_only:
        line = line[:indent] + "\\" + line[indent:]
    pieces = []
    last = 0
    for start, end, _ in opaque_ranges(line):
        outside = _neutralise_outside_code(line[last:start], keep)
        if last and outside.startswith("`"):
            outside = " " + outside  # glued to the span before, the backticks would merge
        if outside.endswith("`") and not outside.endswith("\\`"):
            outside += " "  # and to the span after
        pieces.append(outside)
        pieces.append(line[start:end])
        last = end
    outside = _neutralise_outside_code(line[last:], keep)
    if last and outside.startswith("`"):
        outside = " " + outside
    pieces.append(outside)
    return "".join(pieces)


def _neutralise_outside_code(text: str, keep: str | None) -> str:
    if "`" not in text and "@" not in text and "&" not in text:
        return text
    # Backticks here open nothing (code spans were taken out): escape those not yet escaped.
    escaped = []
    last = 0
    for match in re.finditer("`", text):
        if not _escaped(text, match.start(), last):
            escaped.append(text[last : match.start()] + "\\`")
        else:
            escaped.append(text[last : match.end()])
        last = match.end()
    escaped.append(text[last:])
    text = "".join(escaped)

    out: list[str] = []
    last = 0
    position = 0
    while (match := _LOOSE_MENTION.search(text, position)) is not None:
        start, end = match.span()
        position = end
        if keep is not None and not match["team"] and match["login"].casefold() == keep.casefold():
            continue
        if _escaped(text, start, last):
            start -= 1  # `\@x`: the backslash goes inside the span, or it would escape the backtick
        while (more := _MENTION_HERE.match(text, end)) is not None:
            end = more.end()  # what follows the span would start a text node with a mention
        position = end
        if out and start == last:
            out[-1] = out[-1][:-1] + text[start:end] + "`"  # right after the previous span
        else:
            out.append(text[last:start])
            out.append(f"`{text[start:end]}`")
        last = end
    out.append(text[last:])
    return "".join(out)
