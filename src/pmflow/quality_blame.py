"""Blame framing in post-mortem prose (the `blame-framing` check).

Finds a person (an `@login`, a first name, "the on-call engineer", "he"/"she") as the subject of
a failure ("forgot to", "deployed ... without a review", "should have"), judgement near a person
("careless", "unacceptable", "Sarah's fault"), and "human error". Each hit carries a rewrite in
system terms: what the process allowed, not who slipped. Names in a neutral timeline ("14:09
Alice pages Bob") are not blame, nor are system subjects ("the alert should have fired").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pmflow.quality_words import FIRST_NAMES, ROLE_NOUNS

LOGIN = r"(?<![\w@/`.-])@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?![\w/-])"
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
_PERSON = rf"(?:{LOGIN}|{_TEAM_MEMBER}|{_NAME_FULL}|{_ROLE}|{_PRONOUN})"
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
    r"(?:ignored|ignores|overlooked|"
    # "broke prod" blames; "broke the migration into three steps" does not.
    r"broke\s+(?:the\s+|our\s+)?(?:build|prod|production|site|deploy|checkout|main|master|"
    r"database|everything|it|things|staging|app|pipeline|ci|release|login)\b|"
    # "failed to rotate the key" blames; "failed to connect to the VPN" reports an obstacle.
    r"fail(?:ed|s) to(?!\s+(?:connect|reach|log|access|reproduce|find|get|load|start|open|"
    r"authenticate|ssh|see|join|download|restore)\b)|should(?:n't| not)? have|"
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
    rf"(?P<person>{_PERSON}|{_SOMEONE})(?:\s+(?:and|&)\s+{_PERSON})?{_APPOSITIVE}{_GAP}"
    rf"(?P<verb>{_HUMAN_ONLY}|{_PERSON_FAILURE})\b{_REST}"
)
_SHIPPED = r"(?:pushed|deployed|merged|shipped|released|committed|applied|wrote)"
_DESTROYED = r"(?:deleted|dropped|wiped|truncated|overwrote|removed|nuked|destroyed)"
_HARMFUL_VERB = (
    rf"{_SHIPPED}\s+(?:\w+\s+)?(?:untested|unreviewed|broken|bad|buggy|wrong|faulty|sloppy)"
    rf"|{_DESTROYED}\s+(?:the\s+|a\s+|"
    r"all\s+)?(?:production|prod|live|customer|customers'?|users?'?|primary|main)"
    r"|(?:\w+\s+){0,2}?(?:ran|used|applied|deployed|pushed|picked|restored|selected|edited|"
    r"restarted|rebooted|deleted|dropped|updated|changed|merged|configured|chose|copied|entered|"
    r"typed|sent|shut down|killed|stopped|rolled back|targeted|opened)\s+the\s+wrong"
)
_HARMFUL_ACT = re.compile(
    rf"(?P<person>{_PERSON}){_APPOSITIVE}{_GAP}(?P<verb>{_HARMFUL_VERB})\b{_REST}"
)
_POSSESSIVE_HARM = re.compile(
    rf"(?P<person>{LOGIN}|{_NAME}|{_ROLE})['’]s\s+(?:\w+\s+){{0,2}}?(?P<verb>broke|took down|"
    rf"brought down|wiped|corrupted|knocked over|killed)\b{_REST}"
)
_COUNTERFACTUAL = re.compile(
    rf"\b(?:[Ii]f\s+(?P<person>{_PERSON})\s+had|had\s+(?P<person2>{_PERSON}))\s+(?:only\s+)?"
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
# A pattern's verb alone, searched first: see _CUES.
_HUMAN_ONLY_CUE = re.compile(_HUMAN_ONLY)
_FAILURE_CUE = re.compile(rf"{_HUMAN_ONLY}|{_PERSON_FAILURE}")
# Each way of doing harm starts with one of these verbs, or ends in "the wrong".
_HARMFUL_CUE = re.compile(rf"(?:{_SHIPPED}|{_DESTROYED})\s|wrong")
_WEAK_CUE = re.compile(_WEAK_FAILURE)
_EXPLAINED = re.compile(r"\b(?:because|since|as|due to|so|while|which|when)\b")
_WITHOUT = re.compile(
    rf"(?P<person>{_PERSON}){_APPOSITIVE}{_GAP}(?P<verb>{_CHANGE_VERB})\b"
    rf"(?P<object>[^.;!?]{{0,80}}?)\s+without\s+(?P<clause>{_SAFEGUARD}\b[^.;!?]*)"
)
_CAUSED_BY = re.compile(rf"\b(?:caused|broken) by (?P<person>{LOGIN}|{_NAME_FULL}|{_ROLE})")
_POSSESSIVE_FAULT = re.compile(
    rf"(?P<person>{LOGIN}|{_NAME}|{_ROLE})['’]s\s+(?P<verb>fault|mistake|error|carelessness|"
    r"negligence|screw-?up|blunder|oversight|sloppiness)\b"
)
_PRONOUN_FAULT = re.compile(
    r"\b(?P<person>[Hh]is|[Hh]er)\s+(?:own\s+)?(?P<verb>fault|mistake|carelessness|negligence|"
    r"screw-?up|blunder)\b"
)
_JUDGEMENT = re.compile(
    r"(?i)\b(?:careless\w*|negligen\w*|sloppy|sloppiness|lazy|laziness|incompeten\w*|"
    r"reckless\w*|irresponsible|unprofessional|(?P<weak>unacceptable|inexcusable)|"
    r"should(?: have)? know[n]? better|rookie (?:mistake|error)|dropped the ball|"
    r"asleep at the wheel|not paying attention|cowboy\w*|clueless|"
    r"blamed?\s+(?:on|for)|fault (?:lies|lay|is|was) with|"
    r"(?:his|her|their|my|your|whose)\s+fault)\b"
)
# "Unacceptable" judges whatever it is said of: a person only when one is the subject nearby.
_PERSON_SUBJECT = re.compile(rf"^\W*(?:{_PERSON})\b|\b(?:that|how)\s+(?:{_PERSON})\b")
_PERSON_IN_WINDOW = re.compile(rf"{_PERSON}|\b(?:[Hh]is|[Hh]er|[Hh]im)\b|{_SOMEONE}")
_HUMAN_ERROR = re.compile(r"(?i)\b(?:human|operator|pilot)[- ]error\b|\bpebkac\b")
_NEGATED = re.compile(
    r"(?i)(?:\b(?:not|no|never|nobody|no one|without|nor|rather than|instead of|beyond)|n't)"
    r"\s+(?:\w+\s+){0,2}$"
)
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


@dataclass(frozen=True)
class BlameHit:
    """One place in a text where a person is blamed, with a system-framing rewrite."""

    start: int
    kind: str  # without, omission, should, ignored, person, fault, human-error, judgement, term
    snippet: str
    suggestion: str
    person: str = ""


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


def _possessive(sentence: str) -> bool:
    return "'s" in sentence or "’s" in sentence


# What a sentence must contain for each pattern to match it (a necessary condition, looked for
# first: most sentences blame nobody, and the patterns try every person at every position).
# Keyed by the pattern's source: hashing a compiled pattern hashes its whole program each time.
_CUES: dict[str, Callable[[str], object]] = {
    _WITHOUT.pattern: lambda sentence: "without" in sentence,
    _SUBJECT_FAILURE.pattern: _FAILURE_CUE.search,
    _ANYONE_FAILURE.pattern: _HUMAN_ONLY_CUE.search,
    _HARMFUL_ACT.pattern: _HARMFUL_CUE.search,
    _POSSESSIVE_HARM.pattern: _possessive,
    _WEAK_SUBJECT_FAILURE.pattern: _WEAK_CUE.search,
    _COUNTERFACTUAL.pattern: lambda sentence: "had" in sentence,
    _CAUSED_BY.pattern: lambda sentence: " by " in sentence,
    _POSSESSIVE_FAULT.pattern: _possessive,
}


def _matches(pattern: re.Pattern[str], sentence: str) -> Iterator[re.Match[str]]:
    cue = _CUES.get(pattern.pattern)
    return pattern.finditer(sentence) if cue is None or cue(sentence) else iter(())


def _structured_hits(sentence: str, offset: int) -> Iterator[BlameHit]:
    for match in _matches(_WITHOUT, sentence):
        yield BlameHit(
            offset + match.start(),
            "without",
            match.group(0).strip(),
            _rewrite_without(match),
            match["person"],
        )
    for pattern in (_SUBJECT_FAILURE, _ANYONE_FAILURE, _HARMFUL_ACT, _POSSESSIVE_HARM):
        for match in _matches(pattern, sentence):
            kind, suggestion = _rewrite_failure(match["verb"], match["rest"])
            yield BlameHit(
                offset + match.start(), kind, match.group(0).strip(), suggestion, match["person"]
            )
    for match in _matches(_WEAK_SUBJECT_FAILURE, sentence):
        if _EXPLAINED.search(match["rest"]):
            continue  # "missed the page because it went to an old number" explains the system
        kind, suggestion = _rewrite_failure(match["verb"], match["rest"])
        yield BlameHit(
            offset + match.start(), kind, match.group(0).strip(), suggestion, match["person"]
        )
    for match in _matches(_COUNTERFACTUAL, sentence):
        person = match["person"] or match["person2"]
        kind, suggestion = _rewrite_failure("should have", f"{match['verb']}{match['rest']}")
        yield BlameHit(offset + match.start(), kind, match.group(0).strip(), suggestion, person)
    for pattern in (_CAUSED_BY, _POSSESSIVE_FAULT, _PRONOUN_FAULT, _MADE_BY):
        for match in _matches(pattern, sentence):
            yield BlameHit(
                offset + match.start(),
                "fault",
                match.group(0).strip(),
                "Say what the system allowed instead of whose fault it was, e.g. “The renewal "
                "depended on one person remembering it, with no reminder or alert.”",
                match["person"],
            )


def _human_error_hits(sentence: str, offset: int) -> Iterator[BlameHit]:
    for match in _HUMAN_ERROR.finditer(sentence):
        before = sentence[: match.start()]
        quoted = before.rstrip().endswith(("“", '"', "'", "‘"))
        if quoted or _NEGATED.search(before):
            continue
        yield BlameHit(
            offset + match.start(),
            "human-error",
            match.group(0),
            "Name the condition that made the slip possible, e.g. “The restore script could run "
            "against production without asking for confirmation.”, then ask why that was so.",
        )


def _judgement_hits(sentence: str, previous: str, offset: int) -> Iterator[BlameHit]:
    for match in _JUDGEMENT.finditer(sentence):
        if _NEGATED.search(sentence[: match.start()]):
            continue
        if match["weak"]:
            person = _PERSON_SUBJECT.search(sentence) or _PERSON_SUBJECT.search(previous)
        else:
            person = _PERSON_IN_WINDOW.search(f"{previous} {sentence}")
        if person is None:
            continue
        yield BlameHit(
            offset + match.start(),
            "judgement",
            match.group(0),
            f"Drop the judgement (“{match.group(0)}”) and state the condition instead: what did "
            "the system allow, and what will change so it cannot happen again?",
            person.group(0).strip(),
        )


def _term_hits(sentence: str, offset: int, terms: Sequence[str]) -> Iterator[BlameHit]:
    for term in terms:
        pattern = rf"(?i)(?<!\w){re.escape(term.strip())}(?!\w)"
        for match in re.finditer(pattern, sentence):
            yield BlameHit(
                offset + match.start(),
                "term",
                match.group(0),
                f"Rephrase without “{match.group(0)}”: describe what the system allowed, not "
                "who failed.",
            )


def blame_hits(text: str, terms: Sequence[str] = ()) -> Iterator[BlameHit]:
    """Every place in `text` (one paragraph) that blames a person; `terms` are a team's own."""
    previous = ""
    for sentence_match in _SENTENCE.finditer(text):
        sentence = sentence_match.group(0)
        offset = sentence_match.start()
        yield from _structured_hits(sentence, offset)
        yield from _human_error_hits(sentence, offset)
        # A judgement may refer back: "Alex deployed without the tests. This is unacceptable."
        yield from _judgement_hits(sentence, previous, offset)
        yield from _term_hits(sentence, offset, terms)
        previous = sentence


_BLAME_PRIORITY = ("without", "omission", "should", "ignored", "person", "fault", "human-error")


def blame_message(hit: BlameHit) -> str:
    if hit.kind == "human-error":
        return f"“{hit.snippet}” names a person's slip, not the condition that allowed it."
    if hit.kind == "judgement":
        return (
            f"“{hit.snippet}” judges a person ({hit.person}) instead of describing what happened."
        )
    if hit.kind == "term":
        return f"“{hit.snippet}” is on this team's list of blame terms."
    return f"A person is the subject of a failure here: “{_shorten(hit.snippet, 100)}”."


def best_hit(hits: Sequence[BlameHit]) -> BlameHit:
    def rank(hit: BlameHit) -> int:
        return _BLAME_PRIORITY.index(hit.kind) if hit.kind in _BLAME_PRIORITY else 99

    return min(hits, key=lambda hit: (rank(hit), hit.start))


# Kinds of hit that name what a person did; a judgement next to one borrows its rewrite.
STRUCTURED_KINDS = _BLAME_PRIORITY[:5]


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
