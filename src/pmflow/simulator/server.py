"""HTTP: turns a request into the simulated GitHub's answer.

`Dispatcher.handle` does the work (prefix, faults, authentication, rate limits, routing,
conditional requests, logging, the `on_request` hook) and returns an `Outcome`; the
`http.server` handler below only reads the request and writes (or drops) the answer.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import api_comments, api_issues, api_repo, api_sub_issues, search  # noqa: F401 (routes)
from .errors import DOCS, RATE_LIMIT_DOCS, ApiError, bad_json, not_found
from .faults import FaultPlan
from .graphql_api import OFF_PAGE, GraphQLApi, graphql_path
from .model import User
from .ratelimit import GRAPHQL_PATH, Budget, RateLimits
from .records import LOGGED_HEADERS, RequestRecord
from .render import NEW_API_VERSION, Renderer
from .routing import Ctx, Reply, api
from .state import Store

DEFAULT_API_VERSION = "2022-11-28"
SUPPORTED_API_VERSIONS = (DEFAULT_API_VERSION, NEW_API_VERSION)
EXEMPT_PATHS = ("/rate_limit",)  # GitHub: "does not count against your REST API rate limit"


@dataclass
class Outcome:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    drop: bool = False  # close the connection without answering


class Dispatcher:
    def __init__(
        self,
        store: Store,
        limits: RateLimits,
        faults: FaultPlan,
        prefix: str,
        record: Callable[[RequestRecord], None],
    ) -> None:
        self.store = store
        self.limits = limits
        self.faults = faults
        self.prefix = prefix.rstrip("/")
        self.record = record  # appends to the log and runs the on_request hook
        self.api_url = ""  # set once the server knows its port
        self.web_url = ""
        self.latency = 0.0
        self._request_ids = itertools.count(1)
        self.graphql = GraphQLApi(store)
        self.graphql_path = graphql_path(self.prefix)

    # --- the whole request ---------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], raw: bytes) -> Outcome:
        request_id = f"{next(self._request_ids):04X}:{int(time.time()) % 0x10000:04X}"
        parts = urlsplit(target)
        query_pairs = parse_qsl(parts.query, keep_blank_values=True)
        path = parts.path[len(self.prefix) :] if parts.path.startswith(self.prefix) else None
        if parts.path.rstrip("/") == self.graphql_path:
            path = GRAPHQL_PATH  # /api/graphql on GitHub Enterprise, /graphql on api.github.com
        body, body_error = _parse_json(raw)
        rec = RequestRecord(
            method=method,
            path=path if path is not None else parts.path,
            query=dict(query_pairs),
            json=body,
            headers={k: headers[k] for k in LOGGED_HEADERS if headers.get(k) is not None},
        )
        if self.latency:
            time.sleep(self.latency)

        fault = self.faults.take(method, rec.path, body) if path is not None else None
        if fault is not None and fault.mode in ("drop_before", "refuse"):
            rec.fault = fault.mode
            if fault.mode == "drop_before":
                return self._finish(rec, Outcome(0, drop=True))
            status, fbody, extra = fault.answer(request_id)
            out = self._json_outcome(status, fbody, self.limits.core.headers(), extra, request_id)
            return self._finish(rec, out, fbody)

        off = path == GRAPHQL_PATH and not self.graphql.enabled
        if off and self.graphql.off_answer == "html":  # a web page, before any API logic
            page = OFF_PAGE.encode()
            html = [
                ("content-type", "text/html; charset=utf-8"),
                ("content-length", str(len(page))),
            ]
            return self._finish(rec, Outcome(200, html, page))

        version = headers.get("x-github-api-version") or DEFAULT_API_VERSION
        if version not in SUPPORTED_API_VERSIONS:
            version = DEFAULT_API_VERSION
        budget: Budget = self.limits.anonymous
        reply_headers: dict[str, str] = {}
        last_modified = None
        try:
            if path is None:
                raise not_found()
            actor = self._authenticate(headers.get("authorization"))
            budget = self.limits.for_path(path)
            if path not in EXEMPT_PATHS and budget.exhausted():
                raise _primary_limit(actor, request_id)
            rec.user = actor.login
            if body_error is not None:
                raise body_error
            status, payload, reply_headers, last_modified = self._route(
                method, path, query_pairs, body, actor, version
            )
            rec.applied = status < 400
        except ApiError as e:
            status, payload, reply_headers = e.status, e.body(), dict(e.headers)

        text = json.dumps(payload, ensure_ascii=False) if payload is not None else None
        conditional = method == "GET" and status == 200 and text is not None
        etag = f'"{hashlib.sha256(text.encode()).hexdigest()}"' if conditional and text else None
        if etag and _not_modified(headers, etag, last_modified):
            status, text, payload = 304, None, None
        elif path is None or path not in EXEMPT_PATHS:
            # 304s do not count against the primary rate limit on GitHub.
            budget.spend()

        extra = {"version": version}
        if etag:
            reply_headers["etag"] = etag
        if last_modified is not None and conditional:
            reply_headers["last-modified"] = email.utils.format_datetime(last_modified, True)
        out = self._outcome(status, text, budget.headers(), reply_headers, request_id, extra)

        if fault is not None:  # "after" or "drop": the request has taken effect
            rec.fault = fault.mode
            if fault.mode == "drop":
                return self._finish(rec, Outcome(0, drop=True))
            status, fbody, fextra = fault.answer(request_id)
            out = self._json_outcome(status, fbody, budget.headers(), fextra, request_id)
            payload = fbody
        return self._finish(rec, out, payload)

    def _finish(self, rec: RequestRecord, out: Outcome, payload: Any = None) -> Outcome:
        rec.status = out.status
        rec.response = payload
        rec.response_headers = dict(out.headers)
        try:
            self.record(rec)
        except Exception as e:  # a broken on_request hook: fail the request loudly, not silently
            body = {"message": f"simulator: the on_request hook raised {e!r}"}
            return self._json_outcome(500, body, {}, {}, "hook")
        return out

    # --- pieces -------------------------------------------------------------------------------

    def _authenticate(self, header: str | None) -> User:
        if not header:
            raise ApiError(401, "Requires authentication")
        scheme, _, credential = header.partition(" ")
        scheme = scheme.lower()
        token = credential.strip()
        if scheme == "basic":  # "login:token", as some clients send a token
            try:
                token = base64.b64decode(token).decode().partition(":")[2]
            except (ValueError, UnicodeDecodeError):
                token = ""
        login = self.store.tokens.get(token) if scheme in ("token", "bearer", "basic") else None
        user = self.store.user(login) if login else None
        if user is None:
            raise ApiError(401, "Bad credentials")
        return user

    def _resolve_alias(self, path: str) -> str:
        """`/repositories/{id}/rest` -> `/repos/{owner}/{name}/rest`, as GitHub serves both."""
        if not path.startswith("/repositories/"):
            return path
        head, _, rest = path[len("/repositories/") :].partition("/")
        key = self.store.repo_ids.get(int(head)) if head.isdigit() else None
        if key is None:
            raise not_found()
        repo = self.store.repos[key].repo
        return f"/repos/{repo.owner}/{repo.name}" + (f"/{rest}" if rest else "")

    def _route(
        self,
        method: str,
        path: str,
        query_pairs: list[tuple[str, str]],
        body: Any,
        actor: User,
        version: str,
    ) -> tuple[int, Any, dict[str, str], Any]:
        if path == GRAPHQL_PATH:
            if method != "POST" or not self.graphql.enabled:
                raise self.graphql.unavailable()
            # GitHub answers 200 even when the document has errors; they are in the body.
            return 200, self.graphql.execute(body, actor, self.api_url, self.web_url), {}, None
        with self.store.lock:
            resolved = self._resolve_alias(path)
            found = api.match(method, resolved)
            if found is None:
                raise not_found()
            route, params = found
            ctx = Ctx(
                store=self.store,
                render=Renderer(self.store, self.api_url, self.web_url, version),
                actor=actor,
                method=method,
                path=resolved,
                params=params,
                query_pairs=query_pairs,
                body=body,
                docs=route.docs,
                limits=self.limits,
            )
            try:
                reply: Reply = route.handler(ctx)
            except ApiError as e:
                if e.documentation_url == DOCS:
                    e.documentation_url = route.docs
                raise
            return reply.status, reply.body, reply.headers, reply.last_modified

    def _json_outcome(
        self,
        status: int,
        payload: Any,
        rate: dict[str, str],
        extra_headers: dict[str, str],
        request_id: str,
    ) -> Outcome:
        text = json.dumps(payload, ensure_ascii=False)
        return self._outcome(status, text, rate, extra_headers, request_id, {})

    def _outcome(
        self,
        status: int,
        text: str | None,
        rate: dict[str, str],
        reply_headers: dict[str, str],
        request_id: str,
        extra: dict[str, str],
    ) -> Outcome:
        headers: list[tuple[str, str]] = []
        body = text.encode() if text is not None else b""
        if text is not None:
            headers.append(("content-type", "application/json; charset=utf-8"))
        headers += [
            ("cache-control", "private, max-age=60, s-maxage=60"),
            ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
            ("x-github-media-type", "github.v3; format=json"),
            ("x-github-api-version-selected", extra.get("version", DEFAULT_API_VERSION)),
            ("x-github-request-id", request_id),
            *rate.items(),
            *reply_headers.items(),
        ]
        if status not in (204, 304):
            headers.append(("content-length", str(len(body))))
        return Outcome(status, headers, body)


def _parse_json(raw: bytes) -> tuple[Any, ApiError | None]:
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, bad_json()


def _primary_limit(actor: User, request_id: str) -> ApiError:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    message = (
        f"API rate limit exceeded for user ID {actor.id}. If you reach out to GitHub Support "
        f"for help, please include the request ID {request_id} and timestamp {stamp}."
    )
    return ApiError(403, message, documentation_url=RATE_LIMIT_DOCS)


def _not_modified(headers: Mapping[str, str], etag: str, last_modified: Any) -> bool:
    """If-None-Match wins over If-Modified-Since, as HTTP says."""
    none_match = headers.get("if-none-match")
    if none_match:
        tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            return last_modified <= email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's requests session expects
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK would
    # add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "GitHub.com"

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header on the simulator's clock, as GitHub's Date and updated_at share one
        # clock: a client may compare them (conditional requests as of the time of a read).
        return email.utils.format_datetime(self.server.dispatcher.store.clock.now(), usegmt=True)

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        out = self.server.dispatcher.handle(self.command, self.path, headers, raw)
        if out.drop:
            self.close_connection = True
            # Let the client see the connection end now, not at its timeout.
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(out.status)
        for name, value in out.headers:
            self.send_header(name, value)
        self.end_headers()
        if out.body:
            self.wfile.write(out.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: stdout belongs to `pmflow demo`, and the request log keeps everything."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        super().__init__(address, _Handler)
        self.dispatcher = dispatcher
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections too, so a stopped simulator answers nobody."""
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def serve(dispatcher: Dispatcher, host: str, port: int) -> tuple[_Server, threading.Thread]:
    server = _Server((host, port), dispatcher)
    # A short poll interval makes stop() quick (the default 0.5 s adds up over a test suite).
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="github-simulator", daemon=True
    )
    thread.start()
    return server, thread
