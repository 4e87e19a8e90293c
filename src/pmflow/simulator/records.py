"""The request log: one record per request the simulator received."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .ratelimit import GRAPHQL_PATH

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


def is_write(method: str, path: str, body: Any) -> bool:
    """POST, PATCH, PUT and DELETE are writes, except a GraphQL query: a read sent as a POST
    (GraphQL's mutations are writes, and so is a body that is not a GraphQL request)."""
    if method not in WRITE_METHODS:
        return False
    if path != GRAPHQL_PATH or not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return True
    document = re.sub(r"(?m)#.*$", "", body["query"]).lstrip()
    return not document.startswith(("query", "{"))


# Request headers kept in the log; the token itself is never kept.
LOGGED_HEADERS = (
    "accept",
    "content-type",
    "if-none-match",
    "if-modified-since",
    "user-agent",
    "x-github-api-version",
)


@dataclass
class RequestRecord:
    """What a client asked and what it was answered.

    `path` is relative to the API prefix and without the query (`/repos/o/r/issues`), `query`
    maps each parameter to its last value, `json` is the parsed request body (None if none).
    `status` is what the client saw: 0 when the connection was dropped without an answer;
    `response` and `response_headers` are the body (parsed) and headers it was sent.
    `fault` names the injected fault mode that hit this request, if any; `applied` says whether
    the request took effect (a refused or dropped-before request did not).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None
    applied: bool = False
    user: str | None = None
    time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def is_write(self) -> bool:
        return is_write(self.method, self.path, self.json)

    @property
    def not_modified(self) -> bool:
        return self.status == 304
