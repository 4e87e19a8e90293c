"""Fixtures for the simulator's tests.

The contract fixtures fetch GitHub's OpenAPI description (`@octokit/openapi`) and Octokit's
recorded GitHub traffic (`@octokit/fixtures`) with `npm pack` into a cache directory
(`$PMFLOW_CACHE`, else `~/.cache/pmflow-contract`), once per session. Third-party data never
enters the repository. Without npm the contract tests are skipped, unless
`PMFLOW_REQUIRE_CONTRACT` is set (as `.ci/run` does), where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from github import Github
from sim_support import TOKEN, OpenApi, Recorded, load_openapi, load_recorded, make_github

from pmflow.simulator import GitHubSimulator

# --- the simulated world ------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    """A running simulator with a token user `bot`, and `acme/web` where alice and bob work."""
    with GitHubSimulator() as simulator:
        simulator.add_user("bot", token=TOKEN)
        simulator.add_user("alice", name="Alice")
        simulator.add_user("bob")
        simulator.add_repo("acme/web", collaborators=["alice", "bob"])
        yield simulator


@pytest.fixture
def gh(sim: GitHubSimulator) -> Github:
    return make_github(sim)


@pytest.fixture
def http(sim: GitHubSimulator) -> Iterator[requests.Session]:
    """A raw `requests` session authenticated as `bot`; use `sim.api_url + path`."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"token {TOKEN}"
        session.headers["Accept"] = "application/vnd.github+json"
        yield session


# --- third-party contract data, fetched at test time ------------------------------------------


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return load_openapi()


@pytest.fixture(scope="session")
def recorded() -> Recorded:
    return load_recorded()
