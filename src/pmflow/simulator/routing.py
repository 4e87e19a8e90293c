"""Routes, the request context handed to handlers, and helpers to read request bodies.

Handlers are plain functions `(Ctx) -> Reply`, registered on `api` with a path template such as
`/repos/{owner}/{repo}/issues/{issue_number:int}`; they run with the store's lock held.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote

from .errors import ApiError, field_error, invalid_request, not_found, validation_failed
from .model import Issue, User
from .pagination import paginate
from .render import Renderer
from .state import MAX_BODY, RepoState, Store

DOCS = "https://docs.github.com/rest"

T = TypeVar("T")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: dt.datetime | None = None


@dataclass
class Ctx:
    store: Store
    render: Renderer
    actor: User
    method: str
    path: str
    params: dict[str, str]
    query_pairs: list[tuple[str, str]]
    body: Any
    docs: str = DOCS
    limits: Any = None  # the simulator's RateLimits, for GET /rate_limit

    @property
    def query(self) -> dict[str, str]:
        return dict(self.query_pairs)

    @property
    def now(self) -> dt.datetime:
        return self.store.clock.now()

    def repo(self) -> RepoState:
        rs = self.store.find_repo(self.params["owner"], self.params["repo"])
        if rs is None:
            raise not_found(self.docs)
        return rs

    def issue(self) -> tuple[RepoState, Issue]:
        rs = self.repo()
        issue = rs.issues.get(int(self.params["issue_number"]))
        if issue is None:
            raise not_found(self.docs)
        return rs, issue

    def can_push(self, rs: RepoState) -> bool:
        return self.store.can_push(rs, self.actor.login)

    def fields(self) -> dict[str, Any]:
        """The body as a JSON object; no body counts as `{}`."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise invalid_request(f"{json.dumps(self.body)} is not an object.", self.docs)
        return self.body

    def page(
        self,
        items: Sequence[T],
        show: Callable[[T], Any],
        rs: RepoState | None = None,
    ) -> Reply:
        """One page of `items`, each shown with `show`, with GitHub's `Link` header."""
        if rs is not None:
            # GitHub's links point at the alias /repositories/{id}/... (fixture paginate-issues).
            prefix = f"/repos/{self.params['owner']}/{self.params['repo']}"
            rest = self.path[len(prefix) :] if self.path.lower().startswith(prefix.lower()) else ""
            base = f"{self.render.api}/repositories/{rs.repo.id}{rest}"
        else:
            base = f"{self.render.api}{self.path}"
        chunk, link = paginate(items, self.query_pairs, base)
        return Reply(200, [show(item) for item in chunk], {"link": link} if link else {})


Handler = Callable[[Ctx], Reply]

_PARAM = re.compile(r"\{(\w+)(:int)?\}")


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    docs: str


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, docs: str = DOCS) -> Callable[[Handler], Handler]:
        def to_group(m: re.Match[str]) -> str:
            return rf"(?P<{m[1]}>\d+)" if m[2] else rf"(?P<{m[1]}>[^/]+)"

        pattern = re.compile("^" + _PARAM.sub(to_group, template) + "/?$")

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, handler, docs))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            m = route.pattern.match(path)
            if m:
                # Labels and logins arrive percent-encoded ("good%20first%20issue").
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None


api = Router()


# --- reading request fields ------------------------------------------------------------------

_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}


def expect(
    fields: dict[str, Any], key: str, types: type | tuple[type, ...], *, nullable: bool = False
) -> Any:
    """The field's value if present and of the right JSON type; GitHub answers 422 otherwise."""
    value = fields.get(key)
    if value is None:
        if key in fields and not nullable:
            raise invalid_request(f"For 'properties/{key}', nil is not {_names(types)}.")
        return None
    wanted = types if isinstance(types, tuple) else (types,)
    # JSON true/false are bools, which Python also counts as ints.
    if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
        raise invalid_request(
            f"For 'properties/{key}', {json.dumps(value)} is not {_names(types)}."
        )
    return value


def expect_strings(fields: dict[str, Any], key: str) -> list[str] | None:
    """A list of names, where GitHub also takes objects with a `name` or `login`."""
    items = expect(fields, key, list)
    if items is None:
        return None
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name", item.get("login"))
        if not isinstance(item, str):
            raise invalid_request(f"For 'items', {json.dumps(item)} is not a string.")
        out.append(item)
    return out


def check_body(fields: dict[str, Any], resource: str, errors: list[dict[str, Any]]) -> str | None:
    """The `body` field; one longer than GitHub's 65,536 characters adds GitHub's error."""
    body = expect(fields, "body", str, nullable=True)
    if body is not None and len(body) > MAX_BODY:
        message = f"body is too long (maximum is {MAX_BODY} characters)"
        errors.append(field_error(resource, "body", "custom", message=message))
    return body


def _names(types: type | tuple[type, ...]) -> str:
    wanted = types if isinstance(types, tuple) else (types,)
    return " or ".join(f"a {_TYPE_NAMES.get(t, t.__name__)}" for t in wanted)


def parse_time(value: str | None, resource: str, field_name: str) -> dt.datetime | None:
    """An ISO 8601 timestamp from a query or body; a bad one is a 422 on GitHub."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_failed(field_error(resource, field_name, "invalid")) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


__all__ = ["ApiError", "Ctx", "Reply", "api", "expect", "expect_strings", "parse_time"]
