"""Fault injection: make chosen requests fail the ways GitHub's do.

Modes, named for what happened to the request:

- ``refuse``: answered with `status` before taking effect (a 502 from the edge, a 403 or 429
  secondary rate limit, with or without `retry-after`).
- ``after``: took effect, then answered with `status` (default 502): GitHub often creates the
  issue behind a 502, so a client that retries creates it twice.
- ``drop``: took effect, then the connection closed without an answer.
- ``drop_before``: the connection closed without an answer, and nothing happened.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from .errors import SECONDARY_DOCS, SECONDARY_MESSAGE
from .records import is_write

FaultMode = Literal["refuse", "after", "drop", "drop_before", "apply_then_error", "apply_then_drop"]
MODES = ("refuse", "after", "drop", "drop_before")
# Longer names some callers use; kept as aliases of the modes above.
ALIASES = {"apply_then_error": "after", "apply_then_drop": "drop"}


@dataclass
class Fault:
    """One armed fault. `fired` counts the requests it hit (read it to check it triggered)."""

    mode: FaultMode
    status: int = 502
    method: str | None = None  # e.g. "POST"; None matches any
    path: re.Pattern[str] | None = None  # searched in the path under the prefix
    writes_only: bool = False
    nth: int = 1  # the first matching request it hits (1 = the next one)
    times: int = 1  # how many matching requests in a row it hits from then on
    retry_after: int | None = None
    body: dict[str, Any] | None = None
    seen: int = 0
    fired: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.mode = ALIASES.get(self.mode, self.mode)  # type: ignore[assignment]
        if self.mode not in MODES:
            raise ValueError(f"fault mode must be one of {MODES}, got {self.mode!r}")
        if self.nth < 1 or self.times < 1:
            raise ValueError("nth and times must be at least 1")

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times

    def matches(self, method: str, path: str, body: Any = None) -> bool:
        if self.method and self.method.upper() != method:
            return False
        if self.writes_only and not is_write(method, path, body):
            return False
        return self.path is None or self.path.search(path) is not None

    def answer(self, request_id: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Status, body and extra headers of the failing answer."""
        headers = {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}
        if self.body is not None:
            return self.status, self.body, headers
        if self.status in (403, 429):
            message = SECONDARY_MESSAGE.format(request_id=request_id)
            return self.status, {"message": message, "documentation_url": SECONDARY_DOCS}, headers
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        message = "Server Error" if self.status == 500 else phrase
        return self.status, {"message": message}, headers


class FaultPlan:
    """The armed faults, matched in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, body: Any = None) -> Fault | None:
        """The fault that hits this request, if any; counts the request for every match."""
        hit: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path, body):
                    continue
                fault.seen += 1
                if hit is None and fault.seen >= fault.nth:
                    fault.fired += 1
                    hit = fault
            self._faults = [f for f in self._faults if not f.exhausted]
        return hit
