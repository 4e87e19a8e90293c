"""The blame patterns are tried only where their cue is found: a cue must never be stricter than
its pattern, or a blaming sentence would go unnoticed."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmflow import quality_blame

NAMES = {
    value.pattern: name
    for name, value in vars(quality_blame).items()
    if isinstance(value, re.Pattern)
}


@pytest.mark.parametrize("source", list(quality_blame._CUES), ids=NAMES.get)
def test_every_text_a_pattern_matches_holds_its_cue(source: str) -> None:
    pattern = re.compile(source)
    cue = quality_blame._CUES[source]

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def holds(text: str) -> None:
        assert pattern.search(text), text  # generated to match, with text around it
        assert cue(text), text

    holds()


def test_sentences_that_blame_are_still_found() -> None:
    hits = {
        hit.kind
        for text in (
            "Dana pushed untested code to production.",
            "@sam ran the wrong migration on the primary.",
            "The on-call engineer deployed the change without running the tests.",
            "If Priya had checked the dashboard, we would have caught it.",  # capital "If"
            "The outage was caused by Alex.",
            "It was Jordan's fault.",
            "Kim missed the page.",
        )
        for hit in quality_blame.blame_hits(text)
    }
    assert hits == {"person", "without", "should", "fault", "ignored"}
