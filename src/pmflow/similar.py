"""Which past post-mortems resemble a new one: TF-IDF cosine over causes and labels, computed here.

A post-mortem is read as the words of its root causes (five whys) and contributing factors, plus
its labels. Words are folded to a crude stem, and our own stop words (function words, and words
every post-mortem uses: "cause", "incident", "noticed") are dropped. Each term is weighted by how
rare it is among the post-mortems compared (inverse document frequency), so words many reports
use weigh little; two reports are as similar as the cosine of their weighted term vectors. The
terms shown as shared are the ones that added most to that cosine, neighbouring pairs whole
("connection pool").

No service and no model: the whole computation is this module, so it runs offline, in the time
of a sync, on any number of post-mortems a repository holds. `DEFAULT_THRESHOLD` was chosen on the
labelled set in `tests/data/similar/` (`benchmarks/similar.py` measures it).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pmflow import markers
from pmflow.plan import PostMortem

# Lowest cosine at which a past post-mortem is shown as similar (see the module docstring).
DEFAULT_THRESHOLD = 0.12
DEFAULT_LIMIT = 3
SHARED_TERMS = 5
# A label counts as one more word: weighted higher, area labels (`area/edge`) linked unrelated
# causes on the labelled set.
LABEL_WEIGHT = 1.0
# Headings whose text says why it happened (matched anywhere in the heading, any case).
CAUSE_HEADINGS = ("root cause", "five whys", "5 whys", "contributing factor", "why it happened")

# Function words and the vocabulary every post-mortem shares: they say nothing about the cause.
_STOP_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can cannot could did do does doing done down during each
    either else even ever every few for from further had has have having he her here hers him
    his how however i if in into is it its itself just least less let like made make makes many
    may me might more most much must my neither no nor not now of off often on once one only or
    other our ours out over own per quite rather same she should since so some still such than
    that the their theirs them then there these they this those though through thus to too under
    until up upon us use used uses using very via was we were what when where whether which while
    who whom whose why will with within without would yet you your
    cause causes caused root incident incidents issue issues problem problems happened happen
    possible noticed notice led lead result resulted due reason reasons factor factors
    contributing contributed time times day days week weeks hour hours minute minutes first second
    nobody someone anyone everyone people person team teams new old get got went go going
    number show shows showed showing shown look looked looks seem seemed instead across around
    never nothing anything everything something already way ways thing things lot part set sets
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*")
_NOISE = re.compile(r"https?://\S+|<!--.*?-->|@[A-Za-z0-9-]+|#\d+|`[^`]*`", re.DOTALL)


@dataclass(frozen=True)
class Document:
    """What similarity reads of a post-mortem."""

    number: int
    title: str
    text: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """A past post-mortem similar to the new one, and the terms they share, strongest first."""

    number: int
    title: str
    score: float
    shared_terms: tuple[str, ...]


def stem(word: str) -> str:
    """A crude English stem, enough to meet "connections" with "connection" and "retried" with
    "retry"; not a linguist's stemmer, and it need not be: both sides are folded the same way."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("sses", "ss")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + keep
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            base = word[: -len(suffix)]
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "dropped" -> "drop", but "stalled" -> "stall"
            return base
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return _WORD.findall(_NOISE.sub(" ", text).casefold())


def text_terms(text: str) -> tuple[Counter[str], dict[str, str], dict[str, str]]:
    """Stem counts of `text`, a readable form of each stem, and its pairs of neighbouring stems.

    Pairs ("connection pool") are only shown, not scored: on the labelled set, scoring them made
    reworded reports of one cause look less alike. A pair is two content words side by side; a
    stop word between them breaks it, so "limit of the proxy" gives no "limit proxy".
    """
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    pairs: dict[str, str] = {}
    previous: tuple[str, str] | None = None
    for word in _words(text):
        if word in STOP_WORDS or len(word) < 2 or word.replace(".", "").isdigit():
            previous = None
            continue
        term = stem(word)
        counts[term] += 1
        shown.setdefault(term, word)
        if previous is not None:
            pairs.setdefault(f"{previous[0]} {term}", f"{previous[1]} {word}")
        previous = (term, word)
    return counts, shown, pairs


def cause_text(pm: PostMortem) -> str:
    """The post-mortem's root causes and contributing factors, as one text."""
    parts = []
    for section in pm.report.sections:
        heading = section.heading.casefold()
        if section.content and any(name in heading for name in CAUSE_HEADINGS):
            parts.append(markers.strip_markers(section.content))
    return "\n\n".join(parts)


def document_of(pm: PostMortem, ignore_labels: Iterable[str] = ()) -> Document:
    """`ignore_labels`: labels that say nothing about the cause (pmflow's own, `postmortem`)."""
    ignored = {label.casefold() for label in ignore_labels}
    labels = tuple(label for label in pm.issue.labels if label.casefold() not in ignored)
    return Document(pm.issue.number, pm.issue.title, cause_text(pm), labels)


@dataclass(frozen=True)
class _Vector:
    weights: dict[str, float]  # unit length
    shown: dict[str, str]
    pairs: dict[str, str]


def _counts(document: Document) -> tuple[dict[str, float], dict[str, str], dict[str, str]]:
    counts, shown, pairs = text_terms(document.text)
    weights = {term: 1.0 + math.log(count) for term, count in counts.items()}
    for label in document.labels:
        term = f"label:{label.casefold()}"
        weights[term] = LABEL_WEIGHT
        shown[term] = f"label {label}"
    return weights, shown, pairs


def _vectors(documents: Sequence[Document]) -> list[_Vector]:
    """TF-IDF vectors of unit length: log-scaled term counts times the smoothed inverse document
    frequency ln((1 + n) / (1 + df)) + 1 over the n documents compared."""
    raw = [_counts(document) for document in documents]
    frequency: Counter[str] = Counter(term for weights, _, _ in raw for term in weights)
    total = len(documents)
    vectors = []
    for weights, shown, pairs in raw:
        scaled = {
            term: weight * (math.log((1 + total) / (1 + frequency[term])) + 1.0)
            for term, weight in weights.items()
        }
        norm = math.sqrt(sum(value * value for value in scaled.values())) or 1.0
        vectors.append(_Vector({t: v / norm for t, v in scaled.items()}, shown, pairs))
    return vectors


def _shared(new: _Vector, old: _Vector) -> tuple[str, ...]:
    """The terms both use, strongest contribution to the score first, as the new one wrote them.

    A pair of words both use side by side is shown instead of its two words ("connection pool",
    not "connection" and "pool").
    """
    contribution = {
        term: weight * old.weights[term]
        for term, weight in new.weights.items()
        if term in old.weights
    }
    candidates: list[tuple[float, str, str, tuple[str, ...]]] = [
        (value, term, new.shown.get(term, term), (term,)) for term, value in contribution.items()
    ]
    for pair, text in new.pairs.items():
        first, second = pair.split(" ")
        if (
            pair in old.pairs
            and first != second
            and first in contribution
            and second in contribution
        ):
            value = contribution[first] + contribution[second]
            candidates.append((value, pair, text, (first, second)))
    candidates.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    covered: set[str] = set()
    for _, _, text, parts in candidates:
        if covered.intersection(parts):
            continue
        chosen.append(text)
        covered.update(parts)
        if len(chosen) == SHARED_TERMS:
            break
    return tuple(chosen)


def similar_documents(
    new: Document,
    past: Sequence[Document],
    limit: int = DEFAULT_LIMIT,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """Up to `limit` of `past` at or above `threshold`, most similar first; [] when none is."""
    past = [document for document in past if document.number != new.number]
    if not past or limit <= 0:
        return []
    new_vector, *past_vectors = _vectors([new, *past])
    if not new_vector.weights:
        return []  # nothing written about causes yet, no labels: nothing to compare
    matches = []
    for document, vector in zip(past, past_vectors, strict=True):
        score = sum(w * vector.weights.get(t, 0.0) for t, w in new_vector.weights.items())
        if score >= threshold:
            matches.append(
                Match(document.number, document.title, round(score, 3), _shared(new_vector, vector))
            )
    matches.sort(key=lambda match: (-match.score, -match.number))
    return matches[:limit]


def similar_postmortems(
    new: PostMortem,
    past: Sequence[PostMortem],
    limit: int = DEFAULT_LIMIT,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    ignore_labels: Iterable[str] = (),
) -> list[Match]:
    """Past post-mortems whose root causes, contributing factors and labels resemble `new`'s."""
    ignored = tuple(ignore_labels)
    return similar_documents(
        document_of(new, ignored),
        [document_of(pm, ignored) for pm in past],
        limit,
        threshold,
    )
