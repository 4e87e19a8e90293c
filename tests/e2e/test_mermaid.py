"""The charts in pmflow's comments must parse with Mermaid's own parser (npm `@mermaid-js/parser`).

The parser is installed with npm into the test cache at test time, like the contract data; without
npm the test is skipped, unless PMFLOW_REQUIRE_CONTRACT is set (as `.ci/run` does).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest

from pmflow.followthrough import ActionStatus, Clock
from pmflow.model import IssueState
from pmflow.render import Renderer
from tests.npm_tools import npm_install

PARSER = "@mermaid-js/parser@2.0.1"
SCRIPT = """
import { parse } from '@mermaid-js/parser';
const blocks = JSON.parse(process.argv[2]);
const out = [];
for (const text of blocks) {
  try {
    const ast = await parse('pie', text);
    out.push({ok: true, sections: ast.sections.map(s => [s.label, s.value])});
  } catch (e) { out.push({ok: false, error: String(e.message || e)}); }
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def mermaid_parser() -> Path:
    return npm_install("mermaid-parser", (PARSER,), "parse-pie.mjs", SCRIPT)


def parse_blocks(script: Path, blocks: list[str]) -> list[dict]:
    done = subprocess.run(
        ["node", str(script), json.dumps(blocks)],
        capture_output=True,
        timeout=120,
        check=True,
        cwd=script.parent,
    )
    return json.loads(done.stdout)


def status(counts: dict[str, int]) -> str:
    issue = IssueState(12, 120, "Checkout outage", "", "open", "carol")
    action = ActionStatus(
        IssueState(13, 130, 'Add "p95" alerting: 500ms | checkout', "", "open", "bot"),
        'Add "p95" alerting: 500ms | checkout',
        "alice",
        dt.date(2026, 12, 4),
        0,
    )
    return Renderer().render(
        "status_comment.md.j2",
        marker="<!-- pmflow:status pm=12 week=2026-W49 -->",
        postmortem=issue,
        actions=[action],
        counts=counts,
        changes={"closed": [], "overdue": [], "added": []},
        since=dt.date(2026, 11, 30),
        first=False,
        week=Clock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), dt.UTC).week,
    )


def test_status_charts_parse(mermaid_parser: Path) -> None:
    cases = [
        {"done": 3, "open": 2, "overdue": 1, "dropped": 0},
        {"done": 0, "open": 0, "overdue": 4, "dropped": 1},
        {"done": 1, "open": 0, "overdue": 0, "dropped": 0},
    ]
    blocks = []
    for counts in cases:
        (block,) = re.findall(r"```mermaid\n(.*?)```", status(counts), re.DOTALL)
        blocks.append(block)
    results = parse_blocks(mermaid_parser, blocks)
    for counts, result in zip(cases, results, strict=True):
        assert result["ok"], result
        expected = [[name.capitalize(), value] for name, value in counts.items() if value]
        assert result["sections"] == expected


def test_a_broken_chart_is_caught(mermaid_parser: Path) -> None:
    (result,) = parse_blocks(mermaid_parser, ['pie\n    "Done" 3\n'])
    assert not result["ok"]
