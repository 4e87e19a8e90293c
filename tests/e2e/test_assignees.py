"""Owners' assignability from the assignees listing, never dearer than one check per owner."""

from __future__ import annotations

import pytest

from pmflow.github import GitHubRepo
from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, TOKEN


@pytest.mark.parametrize(
    ("staff", "owners", "expected_paths"),
    [
        # Three owners: up to two listing pages, and 150 people fit in two.
        (150, ["u1", "u149", "ghost"], ["assignees", "assignees"]),
        # Two owners allow one page; 250 people do not fit in it, so an owner not seen on it
        # is checked on their own.
        (250, ["u1", "ghost"], ["assignees", "assignees/ghost"]),
    ],
)
def test_owners_are_checked_in_as_few_requests_as_possible(
    staff: int, owners: list[str], expected_paths: list[str]
) -> None:
    with GitHubSimulator() as sim:
        sim.add_user(BOT, token=TOKEN)
        sim.add_repo(REPO, collaborators=[BOT, *(f"u{i}" for i in range(staff))])
        sim.add_user("ghost")
        repo = GitHubRepo(
            REPO, TOKEN, sim.api_url, seconds_between_requests=0, seconds_between_writes=0
        )
        found = repo.check_assignable(owners)
        assert found == {login: login != "ghost" for login in owners}
        paths = [r.path.removeprefix(f"/repos/{REPO}/") for r in sim.requests]
        assert paths == expected_paths
