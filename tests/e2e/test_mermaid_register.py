"""The register's charts must parse with Mermaid itself (npm `mermaid`, in a jsdom window).

Its bar charts are `xychart-beta`, the Mermaid diagram GitHub renders for a series over time.
The standalone parser package that `test_mermaid.py` uses (`@mermaid-js/parser`) knows only
pie, packet, radar, treemap and a few others, none of them a time series, so the charts are
parsed here by `mermaid.parse` from the full package. It is installed with npm into the test
cache at test time; without npm the test is skipped, unless PMFLOW_REQUIRE_CONTRACT is set.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pmflow.config import from_mapping
from pmflow.followthrough import Clock
from pmflow.record import build_record
from pmflow.record_render import render_markdown
from pmflow.render import Renderer
from tests.npm_tools import npm_install

from ..unit.test_record import NOW, fixture

PACKAGES = ("mermaid@11.17.2", "jsdom@29.1.1")
SCRIPT = """
import { JSDOM } from 'jsdom';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
const blocks = JSON.parse(process.argv[2]);
const out = [];
for (const text of blocks) {
  try {
    const result = await mermaid.parse(text);
    out.push({ok: true, type: result.diagramType});
  } catch (e) { out.push({ok: false, error: String(e.message || e)}); }
}
process.stdout.write('\\nRESULT ' + JSON.stringify(out) + '\\n');
"""


@pytest.fixture(scope="module")
def mermaid() -> Path:
    return npm_install("mermaid", PACKAGES, "parse-any.mjs", SCRIPT)


def parse_blocks(script: Path, blocks: list[str]) -> list[dict]:
    done = subprocess.run(
        ["node", str(script), json.dumps(blocks)],
        capture_output=True,
        timeout=120,
        check=True,
        cwd=script.parent,
    )
    # Mermaid may log on stdout; the answer is the last line.
    (line,) = [x for x in done.stdout.decode().splitlines() if x.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def register_blocks(postmortems: list) -> list[str]:
    clock = Clock(NOW, ZoneInfo("UTC"))
    record = build_record(postmortems, clock, from_mapping({}))
    text = render_markdown(record, Renderer(), "acme/app", "Post-mortem register")
    return re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)


def test_register_charts_parse(mermaid: Path) -> None:
    blocks = register_blocks(fixture()) + register_blocks([])
    assert len(blocks) == 3  # the empty register has no on-time chart
    results = parse_blocks(mermaid, blocks)
    assert all(result == {"ok": True, "type": "xychart"} for result in results), results


def test_a_year_of_weeks_parses(mermaid: Path) -> None:
    # 53 weekly bars over a year boundary: the longest chart a yearly report draws.
    later = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
    clock = Clock(later, ZoneInfo("UTC"))
    record = build_record(fixture(), clock, from_mapping({}), since=dt.date(2026, 1, 1))
    text = render_markdown(record, Renderer(), "acme/app", "Register")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)
    assert blocks[0].count('"W') >= 53
    assert all(r["ok"] for r in parse_blocks(mermaid, blocks))


def test_a_broken_chart_is_caught(mermaid: Path) -> None:
    (result,) = parse_blocks(mermaid, ['xychart-beta\n    x-axis ["a", "b"\n    bar [1, 2]\n'])
    assert not result["ok"]
