"""Shared test setup: no test reaches the network, and no developer's token leaks in."""

from __future__ import annotations

import pytest

TOKEN_VARIABLES = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
    "PMFLOW_NOW",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "PMFLOW_BOT_LOGIN",
    "PMFLOW_GRAPHQL",  # tests of the default path must not inherit a developer's setting
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in TOKEN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # PyGithub's pacing is for GitHub itself; tests talk to mocks and the local simulator.
    monkeypatch.setenv("PMFLOW_SECONDS_BETWEEN_REQUESTS", "0")
    monkeypatch.setenv("PMFLOW_SECONDS_BETWEEN_WRITES", "0")
