"""Node packages that tests run (Mermaid's parsers), installed by npm into the test cache.

Third-party code never enters the repository: it is installed at test time, pinned. Without npm
the tests that need it are skipped, unless PMFLOW_REQUIRE_CONTRACT is set (as `.ci/run` does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def unavailable(what: str, reason: str) -> None:
    if os.environ.get("PMFLOW_REQUIRE_CONTRACT"):
        pytest.fail(f"{what} is required here but unavailable: {reason}")
    pytest.skip(f"{what} unavailable ({reason}); install npm to run this test")


def npm_install(folder: str, packages: tuple[str, ...], script_name: str, script: str) -> Path:
    """Install `packages` (pinned specs) under the cache's `folder`; write and return `script`."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        unavailable(folder, "npm or node is not installed")
    cache = Path(os.environ.get("PMFLOW_CACHE") or Path.home() / ".cache" / "pmflow-contract")
    root = cache / folder
    names = [
        spec.rsplit("@", 1)[0] if spec.count("@") > spec.startswith("@") else spec
        for spec in packages
    ]
    if not all((root / "node_modules" / name).is_dir() for name in names):
        root.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(root),
                *packages,
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            unavailable(folder, f"npm install failed: {done.stderr.decode()[-300:]}")
    path = root / script_name
    path.write_text(script)
    return path
