"""The one clock: `--now` / `PMFLOW_NOW` fix it so that runs are reproducible."""

from __future__ import annotations

import datetime as dt
import os

ENV_VAR = "PMFLOW_NOW"


class ClockError(ValueError):
    pass


def parse_now(text: str) -> dt.datetime:
    """An ISO 8601 date or date-time; naive values are taken as UTC."""
    value = text.strip()
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ClockError(
            f"{value!r} is not an ISO 8601 date or time; write e.g. 2026-12-04 or "
            "2026-12-04T09:00:00Z"
        ) from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def now(override: str | None = None) -> dt.datetime:
    """The current time in UTC, unless `override` or `PMFLOW_NOW` says otherwise."""
    text = override or os.environ.get(ENV_VAR)
    if text:
        return parse_now(text)
    return dt.datetime.now(dt.UTC)
