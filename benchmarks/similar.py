"""Precision and recall of pmflow's similar-post-mortem links on the hand-labelled sets.

    .venv/bin/python benchmarks/similar.py [--json PATH] [--links]

Each post-mortem of a file in `tests/data/similar/` is taken in turn as the new one, with all the
others of its file as the past; `pmflow.similar.similar_postmortems` links it to up to three. A
link is right when both are of the same `group`. Precision is right links over links made; recall
is right links over the links that could have been made (the rest of the group, at most three).

The measure and its threshold were fixed on the tuning files (tune-a.yaml, tune-b.yaml, pooled):
the lowest threshold whose precision there is at least 0.9, as a wrong link is noise in a
person's post-mortem while a missed one costs nothing. holdout.yaml was written afterwards and is
only reported. `tests/unit/test_similar.py` imports `evaluate` from here, so the table is what
the tests hold to.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmflow.model import IssueState
from pmflow.parse import parse_postmortem
from pmflow.plan import PostMortem
from pmflow.similar import DEFAULT_LIMIT, DEFAULT_THRESHOLD, similar_postmortems

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "similar"
RESULTS = ROOT / "benchmarks" / "results" / "similar.json"
TUNING = ("tune-a.yaml", "tune-b.yaml")
HOLDOUT = "holdout.yaml"
THRESHOLDS = [round(0.02 * step, 2) for step in range(1, 21)]
WANTED_PRECISION = 0.9


@dataclass(frozen=True)
class Labelled:
    postmortem: PostMortem
    name: str
    group: str


@dataclass
class Score:
    threshold: float
    right: int = 0
    made: int = 0
    possible: int = 0
    wrong_links: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.made if self.made else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.possible if self.possible else 1.0


def body(entry: dict[str, Any]) -> str:
    """The entry as a post-mortem issue body, read back through pmflow's own parser."""
    return (
        "### Incident type\n\nOperational incident\n\n"
        f"### Root causes\n\n{entry['root_causes']}\n\n"
        f"### Contributing factors\n\n{entry.get('contributing_factors') or '_No response_'}\n\n"
        "### What worked\n\nThe rollback was quick.\n"
    )


def load(path: Path) -> list[Labelled]:
    entries = yaml.safe_load(path.read_text("utf-8"))
    labelled = []
    for number, entry in enumerate(entries, start=1):
        text = body(entry)
        issue = IssueState(
            number,
            number,
            entry["title"],
            text,
            "closed",
            "carol",
            labels=("postmortem", *entry.get("labels", ())),
        )
        pm = PostMortem(issue=issue, report=parse_postmortem(text))
        labelled.append(Labelled(pm, entry["id"], entry["group"]))
    return labelled


def evaluate(labelled: Sequence[Labelled], threshold: float) -> Score:
    score = Score(threshold)
    by_number = {item.postmortem.issue.number: item for item in labelled}
    for item in labelled:
        past = [other.postmortem for other in labelled if other is not item]
        group = [other for other in labelled if other is not item and other.group == item.group]
        score.possible += min(len(group), DEFAULT_LIMIT)
        matches = similar_postmortems(
            item.postmortem, past, threshold=threshold, ignore_labels=("postmortem",)
        )
        found = set()
        for match in matches:
            other = by_number[match.number]
            score.made += 1
            if other.group == item.group:
                score.right += 1
                found.add(other.name)
            else:
                score.wrong_links.append(
                    f"{item.name} -> {other.name} ({match.score}: {', '.join(match.shared_terms)})"
                )
        for other in group:
            if other.name not in found:
                score.missed.append(f"{item.name} -/-> {other.name}")
    return score


def pooled(scores: Sequence[Score]) -> Score:
    """Scores of several files added up (each file is its own repository)."""
    total = Score(scores[0].threshold)
    for score in scores:
        total.right += score.right
        total.made += score.made
        total.possible += score.possible
        total.wrong_links += score.wrong_links
        total.missed += score.missed
    return total


def choose_threshold(scores: Sequence[Score]) -> float:
    """The lowest threshold whose precision reaches WANTED_PRECISION: the most links we trust."""
    for score in scores:
        if score.precision >= WANTED_PRECISION:
            return score.threshold
    return scores[-1].threshold


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument("--links", action="store_true", help="list wrong and missed links")
    args = parser.parse_args(argv)
    tuning = [load(DATA / name) for name in TUNING]
    holdout = load(DATA / HOLDOUT)
    tune_scores = [pooled([evaluate(items, t) for items in tuning]) for t in THRESHOLDS]
    held_scores = [evaluate(holdout, t) for t in THRESHOLDS]
    chosen = choose_threshold(tune_scores)
    print(f"{'threshold':>9}  {'tuning P':>8} {'R':>5} {'links':>5}  {'holdout P':>9} {'R':>5}")
    for d, t in zip(tune_scores, held_scores, strict=True):
        mark = "  <- chosen on tuning" if d.threshold == chosen else ""
        mark += "  (pmflow's default)" if d.threshold == DEFAULT_THRESHOLD else ""
        print(
            f"{d.threshold:>9.2f}  {d.precision:>8.2f} {d.recall:>5.2f} {d.made:>5}  "
            f"{t.precision:>9.2f} {t.recall:>5.2f}{mark}"
        )
    at_default = [
        pooled([evaluate(items, DEFAULT_THRESHOLD) for items in tuning]),
        evaluate(holdout, DEFAULT_THRESHOLD),
    ]
    sets = (tuning[0] + tuning[1], holdout)
    if args.links:
        for name, score in zip(("tuning", "holdout"), at_default, strict=True):
            print(f"\n{name} at {DEFAULT_THRESHOLD}: wrong links")
            print("\n".join(f"  {line}" for line in score.wrong_links) or "  none")
            print(f"{name}: missed")
            print("\n".join(f"  {line}" for line in score.missed) or "  none")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "default_threshold": DEFAULT_THRESHOLD,
                "chosen_on_tuning": chosen,
                "sets": {
                    name: {
                        "postmortems": len(items),
                        "precision": round(score.precision, 3),
                        "recall": round(score.recall, 3),
                        "links": score.made,
                    }
                    for name, items, score in zip(
                        ("tuning", "holdout"), sets, at_default, strict=True
                    )
                },
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
