"""Whether an action line is too vague to finish and check (the `vague-action` check).

An action is vague when it names an area or an intention ("improve monitoring", "look into the
lag", "be more careful") rather than a change someone can finish and verify. A vague opening is
forgiven when the rest of the line makes the action checkable: a number or threshold, the name of
a thing (`max_connections`, `db-eu-1`, #123), a deliverable ("... and write the findings here"), a
precise question ("investigate why the replica-lag alert stayed silent") or the means ("by adding
a manual approval step").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmflow.quality_words import DATE_WORDS, DELIVERABLE_VERBS, GENERIC, STOPWORDS

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
    r"reduc\w*|increas\w*|decreas\w*|minimi[sz]\w*|maximi[sz]\w*|stabili[sz]\w*|"
    r"(?:add |implement |introduce |write |set up )?(?:more|additional|extra|better|improved)|"
    r"make (?:\w+ ){0,3}?(?:better|more \w+|safer|sturdier|robust|reliable|resilient|stable))\b"
)
_ATTENTION = re.compile(
    r"^(?:monitor\w*|keep (?:an eye on|track of|watching|monitoring|checking)|watch(?:ing)?|"
    r"stay on top of|double[- ]check\w*|triple[- ]check\w*|remember to|(?:be|stay) alert)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?(?:[-.][a-z0-9]+)*")
# The name of a thing: code, an issue or ticket, a URL, a path or file, a host, snake_case,
# camelCase or PascalCase. Not "CI/CD" or "and/or", which name nothing in particular.
_IDENTIFIER = re.compile(
    r"`|#\d+|\b[A-Z][A-Z0-9]+-\d+\b|https?://|[a-z0-9]_[a-z0-9]|[a-z0-9]:[a-z0-9]|"
    r"(?:^|\s)/[\w.-]+|\w+/\w+/|\w\.(?:ya?ml|json|py|sh|sql|tf|conf|cfg|ini|toml|js|ts|go|rb|"
    r"java|md|txt|csv|log)\b|[a-z0-9]\.[a-z]{2,}\b|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"
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


def is_generic(token: str) -> bool:
    if token in STOPWORDS or token in GENERIC or token in DATE_WORDS or token in _EXTRA_STOPWORDS:
        return True
    # Plurals and verb forms of generic words ("reviewed", "processes", "alerting").
    for suffix in ("s", "es", "ed", "d", "ing"):
        if token.endswith(suffix) and token[: -len(suffix)] in GENERIC:
            return True
    return False


def _specific_words(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if len(t) > 1 and not is_generic(t)]


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


def vague_suggestion(kind: str, text: str) -> str:
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


def vague_message(kind: str, text: str) -> str:
    """What is wrong with a vague action, quoting it."""
    return _VAGUE_MESSAGES[kind].format(title=_shorten(text))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
