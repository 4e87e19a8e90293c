"""Writes per action of a first sync under each milestone strategy (`milestones.strategy`).

    .venv/bin/python benchmarks/milestones.py

The same seeded repository as `run.py` (200 post-mortems, 1,000 actions), synced once by the real
CLI against the simulator in a child process, once per strategy; it prints the writes by route.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import measure, pmflow_cli
from seed import repository
from simhost import SimHost

STRATEGIES = ("per-postmortem", "shared", "none")


def main() -> int:
    spec = repository(200, seed=8)
    with tempfile.TemporaryDirectory() as directory:
        for strategy in STRATEGIES:
            config = Path(directory) / f"{strategy}.yml"
            config.write_text(f"milestones:\n  strategy: {strategy}\n")
            with SimHost() as host:
                host.call("seed", spec)
                host.call("set_now", spec.t0)
                m = measure(
                    host,
                    "1",
                    strategy,
                    0.0,
                    lambda url=host.api_url, path=str(config): pmflow_cli(
                        url, spec.t0, "sync", "--config", path
                    ),
                )
            stats = m.stats
            writes = {k: v for k, v in stats["by_route"].items() if not k.startswith("GET")}
            print(
                f"{strategy:15s} reads {stats['reads']:4d}  writes {stats['writes']:5d}  "
                f"writes per action {stats['writes'] / spec.action_count:.3f}  {writes}"
            )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
