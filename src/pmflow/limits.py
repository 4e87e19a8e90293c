"""GitHub's limits, and how pmflow keeps to them: pacing, bounded waits, retries, a reserve.

The decisions (how long to wait after which answer, when to give up) are plain functions of
status, headers and settings, tested without HTTP. `PoliteRetry` is what PyGithub's HTTP layer
retries with: server errors and lost connections of requests that are safe to repeat, with
backoff and capped waits. Rate limits are not retried there but by the adapter, which can tell a
wait worth waiting from one that should end the run (the rest is deferred to the next run).
"""

from __future__ import annotations

import email.utils
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from urllib3.util.retry import Retry

from pmflow.config import Config, ConfigError

Sleep = Callable[[float], None]

PACING_ENV = {
    "seconds_between_requests": "PMFLOW_SECONDS_BETWEEN_REQUESTS",
    "seconds_between_writes": "PMFLOW_SECONDS_BETWEEN_WRITES",
}
# Requests that may be sent again after a server error or a lost answer: repeating them leaves
# GitHub as one request would. POST is not among them: GitHub often creates the issue or comment
# behind a 502, so creates are checked by their marker before they are sent again (the adapter).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
# GitHub's secondary limits: without `retry-after`, "wait at least one minute".
SECONDARY_WAIT = 60.0
_SECONDARY_PHRASES = (
    "secondary rate limit",
    "please retry your request again later",
    "please wait a few minutes before you try again",
    "abuse detection",
)


@dataclass(frozen=True)
class Limits:
    """How politely a run treats GitHub. Defaults are for production; tests turn pacing off."""

    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    max_wait_seconds: float = 120.0  # the longest single wait; longer: defer to the next run
    retries: int = 3  # per request, for server errors and lost connections
    rate_limit_reserve: int = 100  # stop writing when fewer primary-limit requests are left
    backoff_seconds: float = 1.0  # first backoff after a server error, doubled each time

    @classmethod
    def from_config(
        cls, config: Config | None = None, environ: Mapping[str, str] | None = None
    ) -> Limits:
        """The config file's values (or the defaults); `PMFLOW_SECONDS_BETWEEN_*` win."""
        environ = os.environ if environ is None else environ
        settings = config.values if config is not None else {}
        values: dict[str, Any] = {
            name: settings[name]
            for name in (
                "seconds_between_requests",
                "seconds_between_writes",
                "max_wait_seconds",
                "rate_limit_reserve",
            )
            if name in settings
        }
        for name, variable in PACING_ENV.items():
            text = environ.get(variable)
            if text is not None and text.strip() != "":
                values[name] = seconds_from_env(variable, text)
        return cls(**values)


def seconds_from_env(variable: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(
            f"{variable}={text!r} is not a number of seconds (0 or more; 0 turns pacing off)"
        )
    return value


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return None if value is None else str(value)
    return None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def is_secondary_message(message: str | None) -> bool:
    text = (message or "").casefold()
    return any(phrase in text for phrase in _SECONDARY_PHRASES)


def is_primary_message(message: str | None) -> bool:
    return (message or "").casefold().startswith("api rate limit exceeded")


@dataclass(frozen=True)
class RateLimitWait:
    """GitHub's request to slow down: which limit, and how many seconds it asks for."""

    kind: str  # "secondary" or "primary"
    seconds: float

    def describe(self) -> str:
        return f"{self.kind} rate limit, {self.seconds:.0f} s"


def rate_limit_wait(
    status: int,
    headers: Mapping[str, Any] | None,
    message: str | None,
    now: float | None = None,
) -> RateLimitWait | None:
    """How long GitHub asks us to wait after this answer; None if it is not a rate limit.

    GitHub signals limits with 403 or 429: `retry-after` (seconds) when it says how long;
    `x-ratelimit-remaining: 0` for the primary limit (wait until `x-ratelimit-reset`); a message
    naming the secondary limit otherwise (then wait at least a minute).
    """
    if status not in (403, 429):
        return None
    now = time.time() if now is None else now
    retry_after = retry_after_seconds(_header(headers, "retry-after"), now)
    remaining = _header(headers, "x-ratelimit-remaining")
    primary = is_primary_message(message) or (remaining is not None and remaining.strip() == "0")
    if retry_after is not None:
        return RateLimitWait("primary" if primary else "secondary", retry_after)
    if primary:
        reset = _header(headers, "x-ratelimit-reset")
        try:
            seconds = max(float(reset or "") - now, 0.0) + 1.0  # the reset second is not exact
        except ValueError:
            seconds = SECONDARY_WAIT
        return RateLimitWait("primary", seconds)
    if status == 429 or is_secondary_message(message):
        return RateLimitWait("secondary", SECONDARY_WAIT)
    return None  # a 403 that is not a limit: no permission, blocked, ...


def backoff_seconds(limits: Limits, attempt: int) -> float:
    """Wait before the `attempt`-th repeat (1-based) after a server error: 1, 2, 4 s ..."""
    return min(limits.backoff_seconds * 2 ** max(attempt - 1, 0), limits.max_wait_seconds)


class PoliteRetry(Retry):
    """urllib3's retry for PyGithub's requests: server errors and lost answers, bounded.

    - 500-599 and lost connections: retried `retries` times with backoff (1, 2, 4 s ...), only
      for requests that are safe to repeat (never POST: see IDEMPOTENT_METHODS); a connection
      that could not be opened is retried for any method (nothing was sent).
    - 403 and 429 are not retried here: the adapter decides (wait, or defer to the next run).
    - When retries run out, the last answer is returned (PyGithub raises its usual exception)
      rather than urllib3's RetryError.
    - Every wait goes through `sleep` (tests pass a function that only records it) and is at
      most `max_wait`, a `Retry-After` included.
    """

    def __init__(
        self,
        *args: Any,
        sleep: Sleep | None = None,
        max_wait: float = Limits.max_wait_seconds,
        first_backoff: float = Limits.backoff_seconds,
        **kwargs: Any,
    ) -> None:
        self.sleeper = sleep
        self.max_wait = max_wait
        self.first_backoff = first_backoff
        super().__init__(*args, **kwargs)

    @classmethod
    def for_limits(cls, limits: Limits, sleep: Sleep | None = None) -> PoliteRetry:
        return cls(
            total=limits.retries,
            connect=limits.retries,
            read=limits.retries,
            status=limits.retries,
            other=0,
            redirect=0,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=frozenset(range(500, 600)),
            raise_on_status=False,
            raise_on_redirect=False,
            respect_retry_after_header=True,
            sleep=sleep,
            max_wait=limits.max_wait_seconds,
            first_backoff=limits.backoff_seconds,
        )

    def new(self, **kw: Any) -> PoliteRetry:
        kw.setdefault("sleep", self.sleeper)
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("first_backoff", self.first_backoff)
        return super().new(**kw)  # type: ignore[return-value]

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in (403, 429):
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def get_backoff_time(self) -> float:
        errors = 0
        for entry in reversed(self.history):
            if entry.redirect_location is not None:
                break
            errors += 1
        if errors == 0:
            return 0.0
        return min(self.first_backoff * 2 ** (errors - 1), self.max_wait)

    def sleep(self, response: Any = None) -> None:
        wait = self.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            asked = self.get_retry_after(response)
            if asked:
                wait = max(wait, asked)
        wait = min(wait, self.max_wait)
        if wait > 0:
            (self.sleeper or time.sleep)(wait)
