"""GitHub's primary rate limits: a budget per resource that refills each window.

Reset times are real epoch seconds (not the simulator's clock), because PyGithub compares them
with the real time to decide how long to wait.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# How the dispatcher names a request to the GraphQL endpoint, wherever it is served.
GRAPHQL_PATH = "/graphql"


@dataclass
class Budget:
    resource: str
    limit: int
    window: float  # seconds
    remaining: int = -1
    reset: int = 0

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.limit
        self._lock = threading.Lock()

    def _roll(self) -> None:
        now = time.time()
        if self.reset == 0 or now >= self.reset:
            if self.reset:
                self.remaining = self.limit
            self.reset = int(now + self.window)

    def set(self, limit: int, remaining: int | None, reset_in: float | None) -> None:
        with self._lock:
            self.limit = limit
            self.remaining = limit if remaining is None else remaining
            self.reset = int(time.time() + (self.window if reset_in is None else reset_in))

    def exhausted(self) -> bool:
        with self._lock:
            self._roll()
            return self.remaining <= 0

    def spend(self) -> None:
        with self._lock:
            self._roll()
            self.remaining = max(self.remaining - 1, 0)

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def headers(self) -> dict[str, str]:
        with self._lock:
            self._roll()
            return {
                "x-ratelimit-limit": str(self.limit),
                "x-ratelimit-remaining": str(self.remaining),
                "x-ratelimit-reset": str(self.reset),
                "x-ratelimit-used": str(self.limit - self.remaining),
                "x-ratelimit-resource": self.resource,
            }

    def overview(self) -> dict[str, int]:
        with self._lock:
            self._roll()
            return {
                "limit": self.limit,
                "used": self.limit - self.remaining,
                "remaining": self.remaining,
                "reset": self.reset,
            }


class RateLimits:
    """The budgets of one simulated token holder (the simulator shares them across tokens)."""

    def __init__(self) -> None:
        self.core = Budget("core", 5000, 3600)
        self.search = Budget("search", 30, 60)
        self.graphql = Budget("graphql", 5000, 3600)
        # Requests with a missing or bad token draw on the anonymous budget, as on GitHub.
        self.anonymous = Budget("core", 60, 3600)

    def for_path(self, path: str) -> Budget:
        if path == GRAPHQL_PATH:
            return self.graphql
        return self.search if path.startswith("/search/") else self.core
