"""Precision and recall of each report quality check on the hand-labelled corpus.

    .venv/bin/python benchmarks/quality.py [--corpus DIR] [--json PATH] [--misses]

Reads `tests/data/quality/actions.yaml` (one verdict per action line) and `passages.yaml` (one
verdict per passage), runs `pmflow.quality.check_postmortem` on each, prints a table and writes
`benchmarks/results/quality.json`. `tests/unit/test_quality.py` imports `evaluate` from here, so
the numbers in the table are the numbers the tests hold to their thresholds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmflow.config import from_mapping
from pmflow.quality import CHECK_IDS, Finding, check_postmortem

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "quality"
RESULTS = ROOT / "benchmarks" / "results" / "quality.json"
ACTIONS_HEADING = "### Actions\n\n"


@dataclass(frozen=True)
class Sample:
    """One labelled unit: an action line or a passage, what should fire and what did."""

    kind: str  # "action" or "passage"
    name: str
    text: str
    expected: frozenset[str]
    found: frozenset[str]


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        relevant = self.true_positives + self.false_negatives
        return self.true_positives / relevant if relevant else 1.0


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


def action_samples(corpus: Path = CORPUS) -> Iterator[Sample]:
    """Each action line, checked in an actions section together with the rest of its group."""
    data = _load(corpus / "actions.yaml")
    today = _date(data["today"])
    config = from_mapping({})
    for number, case in enumerate(data["cases"], 1):
        group = case.get("group") or [{"line": case["line"], "expect": case["expect"]}]
        body = ACTIONS_HEADING + "".join(f"{entry['line']}\n" for entry in group)
        findings = check_postmortem(body, config, today)
        offset = ACTIONS_HEADING.count("\n")
        for position, entry in enumerate(group):
            line_number = offset + position + 1
            found = {f.check for f in findings if f.line_number == line_number}
            yield Sample(
                "action",
                f"action {number}.{position + 1} ({case.get('domain', '')})",
                entry["line"],
                frozenset(entry["expect"]),
                frozenset(found),
            )


def passage_samples(corpus: Path = CORPUS) -> Iterator[Sample]:
    data = _load(corpus / "passages.yaml")
    today = _date(data["today"])
    config = from_mapping({})
    for passage in data["passages"]:
        findings: list[Finding] = check_postmortem(passage["body"], config, today)
        yield Sample(
            "passage",
            f"passage {passage['id']} ({passage.get('domain', '')})",
            passage["body"],
            frozenset(passage["expect"]),
            frozenset(f.check for f in findings),
        )


def evaluate(corpus: Path = CORPUS) -> tuple[dict[str, Score], list[Sample]]:
    samples = [*action_samples(corpus), *passage_samples(corpus)]
    scores = {check: Score() for check in CHECK_IDS}
    for sample in samples:
        for check, score in scores.items():
            expected, found = check in sample.expected, check in sample.found
            if expected and found:
                score.true_positives += 1
            elif found:
                score.false_positives += 1
                score.false_alarms.append(sample.name)
            elif expected:
                score.false_negatives += 1
                score.misses.append(sample.name)
    return scores, samples


def table(scores: dict[str, Score]) -> str:
    rows = [("check", "precision", "recall", "TP", "FP", "FN")]
    for check, score in scores.items():
        rows.append(
            (
                check,
                f"{score.precision:.2f}",
                f"{score.recall:.2f}",
                str(score.true_positives),
                str(score.false_positives),
                str(score.false_negatives),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(samples: Sequence[Sample]) -> dict[str, int]:
    actions = [s for s in samples if s.kind == "action"]
    passages = [s for s in samples if s.kind == "passage"]
    return {
        "action_lines": len(actions),
        "action_lines_clean": sum(1 for s in actions if not s.expected),
        "passages": len(passages),
        "passages_clean": sum(1 for s in passages if not s.expected),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", dest="json_path", type=Path, default=RESULTS)
    parser.add_argument("--misses", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    scores, samples = evaluate(args.corpus)
    elapsed = time.perf_counter() - started
    sizes = summary(samples)
    print(
        f"corpus: {sizes['action_lines']} action lines ({sizes['action_lines_clean']} clean), "
        f"{sizes['passages']} passages ({sizes['passages_clean']} clean); {elapsed:.2f}s\n"
    )
    print(table(scores))
    if args.misses:
        for check, score in scores.items():
            for name in score.false_alarms:
                print(f"false alarm  {check:24} {name}")
            for name in score.misses:
                print(f"miss         {check:24} {name}")
    result = {
        "corpus": sizes,
        "seconds": round(elapsed, 3),
        "checks": {
            check: {
                "precision": round(score.precision, 4),
                "recall": round(score.recall, 4),
                "true_positives": score.true_positives,
                "false_positives": score.false_positives,
                "false_negatives": score.false_negatives,
                "false_alarms": score.false_alarms,
                "misses": score.misses,
            }
            for check, score in scores.items()
        },
    }
    args.json_path.parent.mkdir(parents=True, exist_ok=True)
    args.json_path.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"\nwrote {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
