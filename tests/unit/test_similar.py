"""Similar past post-mortems: TF-IDF cosine over causes and labels, on known overlaps."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pmflow.model import IssueState
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem
from pmflow.similar import (
    DEFAULT_THRESHOLD,
    Document,
    similar_documents,
    similar_postmortems,
    stem,
    text_terms,
)

ROOT = Path(__file__).resolve().parents[2]


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "similar_benchmark", ROOT / "benchmarks" / "similar.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def postmortem(
    number: int, causes: str, factors: str = "", labels: tuple[str, ...] = ()
) -> PostMortem:
    body = f"### Summary\n\nIt broke.\n\n### Root causes\n\n{causes}\n\n"
    body += f"### Contributing factors\n\n{factors or '_No response_'}\n\n### Actions\n\n"
    issue = IssueState(
        number, number, f"Post-mortem {number}", body, "open", "carol", labels=labels
    )
    return PostMortem(issue=issue, report=parse_postmortem(body))


POOL = postmortem(
    1,
    "The client's connection pool was raised above the database proxy's connection limit, "
    "so the proxy refused new connections.",
    "Pool sizes are set per service with no total.",
)
POOL_AGAIN = postmortem(
    2,
    "After scaling out, the connection pools of all instances added up to more than the proxy "
    "allows, and the proxy refused connections.",
)
CERT = postmortem(
    3,
    "The TLS certificate on the load balancer expired; renewal was manual and nothing alerted "
    "on the expiry date.",
)
DNS = postmortem(
    4,
    "Resolvers kept old addresses because the TTL was not lowered before the DNS migration.",
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("connections", "connection"),
        ("retries", "retry"),
        ("retried", "retry"),
        ("dropped", "drop"),
        ("stalled", "stall"),
        ("status", "status"),
        ("pool", "pool"),
        ("p95", "p95"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_stop_words_break_pairs_and_numbers_are_not_terms() -> None:
    counts, _, pairs = text_terms("The limit of the proxy was 1000; the connection pool grew.")
    assert "limit proxy" not in pairs
    assert "connection pool" in pairs
    assert "1000" not in counts and "the" not in counts


def test_a_known_overlap_is_linked_with_its_shared_terms() -> None:
    matches = similar_postmortems(POOL_AGAIN, [POOL, CERT, DNS])
    assert [m.number for m in matches] == [1]
    (match,) = matches
    assert match.score >= DEFAULT_THRESHOLD
    # Pairs of words both reports use side by side are shown whole, as the new one wrote them.
    assert match.shared_terms[:2] == ("connection pools", "proxy refused")


def test_nothing_similar_gives_nothing() -> None:
    assert similar_postmortems(CERT, [POOL, DNS]) == []
    assert similar_postmortems(CERT, []) == []


def test_a_report_without_causes_is_compared_with_nothing() -> None:
    empty = postmortem(9, "_No response_")
    assert similar_postmortems(empty, [POOL, POOL_AGAIN]) == []


def test_labels_count_and_ignored_labels_do_not() -> None:
    a = postmortem(5, "Checkout latency rose.", labels=("postmortem", "area/checkout", "payments"))
    b = postmortem(6, "Refunds were slow.", labels=("postmortem", "area/checkout", "payments"))
    c = postmortem(7, "Search was down.", labels=("postmortem",))
    (match,) = similar_postmortems(a, [b, c], ignore_labels=("postmortem",))
    assert match.number == 6
    assert "label payments" in match.shared_terms
    assert "label postmortem" not in match.shared_terms


def test_limit_and_order() -> None:
    new = Document(10, "new", "disk full logs rotation disk alert")
    past = [
        Document(1, "a", "disk full logs rotation"),
        Document(2, "b", "disk full logs"),
        Document(3, "c", "disk full"),
        Document(4, "d", "disk full logs rotation disk alert"),
        Document(5, "e", "certificate expired"),
    ]
    matches = similar_documents(new, past, limit=3, threshold=0.01)
    assert [m.number for m in matches] == [4, 1, 2]
    assert matches[0].score >= matches[1].score >= matches[2].score
    assert similar_documents(new, past, limit=0) == []


def test_the_post_mortem_itself_is_never_its_own_match() -> None:
    assert similar_postmortems(POOL, [POOL]) == []


def test_precision_at_the_default_threshold_on_the_labelled_sets() -> None:
    bench = benchmark()
    tuning = bench.pooled(
        [bench.evaluate(bench.load(bench.DATA / name), DEFAULT_THRESHOLD) for name in bench.TUNING]
    )
    holdout = bench.evaluate(bench.load(bench.DATA / bench.HOLDOUT), DEFAULT_THRESHOLD)
    assert tuning.precision >= 0.9, tuning.wrong_links
    assert holdout.precision >= 0.9, holdout.wrong_links
    assert holdout.recall >= 0.75, holdout.missed


def test_the_default_threshold_is_the_one_the_tuning_sets_choose() -> None:
    bench = benchmark()
    tuning = [bench.load(bench.DATA / name) for name in bench.TUNING]
    scores = [
        bench.pooled([bench.evaluate(items, t) for items in tuning]) for t in bench.THRESHOLDS
    ]
    assert bench.choose_threshold(scores) == DEFAULT_THRESHOLD
