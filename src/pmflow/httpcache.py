"""Conditional requests across runs: GitHub answers 304 to an unchanged GET, free of rate limit.

PyGithub sends `If-None-Match` only from `obj.update()` and keeps no validators for listings.
`ValidatorCache` keeps, in a directory, the ETag and body of every GET that came back 200 with an
ETag, keyed by method, URL and a hash of the credentials; the next run's same GET goes out with
`If-None-Match`, and a 304 is handed to PyGithub as the 200 it replaces (with the 304's fresh
rate-limit headers). A 304 costs a round trip but nothing of GitHub's primary rate limit.

Opt-in (`PMFLOW_HTTP_CACHE=<directory>`): the directory holds issue text, so it belongs where a
workflow's cache step keeps it, readable by the runner alone. Losing it only costs requests; a
stale entry is harmless, since GitHub compares the validator with what it would send now.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

CACHE_ENV = "PMFLOW_HTTP_CACHE"
NOT_MODIFIED_HEADER = "x-pmflow-not-modified"  # set on a 304 handed on as a 200


class ValidatorCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.hits = 0

    @classmethod
    def from_env(cls) -> ValidatorCache | None:
        where = os.environ.get(CACHE_ENV, "").strip()
        return cls(Path(where).expanduser()) if where else None

    def _path(self, request: requests.PreparedRequest) -> Path:
        credential = str(request.headers.get("Authorization", ""))
        key = "\n".join(
            (
                request.method or "",
                request.url or "",
                str(request.headers.get("Accept", "")),
                hashlib.sha256(credential.encode()).hexdigest(),
            )
        )
        return self.directory / (hashlib.sha256(key.encode()).hexdigest() + ".json")

    def load(self, request: requests.PreparedRequest) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(request).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def store(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        entry = {
            "etag": response.headers["etag"],
            "headers": dict(response.headers),
            "body": response.content.decode("utf-8", errors="surrogateescape"),
        }
        path = self._path(request)
        try:
            with tempfile.NamedTemporaryFile(
                "w", dir=self.directory, delete=False, encoding="utf-8", suffix=".tmp"
            ) as f:
                json.dump(entry, f)
            os.replace(f.name, path)
        except OSError as error:  # a full or read-only disk costs requests, nothing else
            log.debug("could not keep %s in the HTTP cache: %s", request.url, error)


class ConditionalAdapter(HTTPAdapter):
    """requests' adapter, sending GETs with the cached validator and answering 304s from it."""

    def __init__(self, cache: ValidatorCache, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cache = cache

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        entry = None
        if request.method == "GET" and "If-None-Match" not in request.headers:
            entry = self.cache.load(request)
            if entry is not None:
                request.headers["If-None-Match"] = entry["etag"]
        response = super().send(request, *args, **kwargs)
        if request.method != "GET":
            return response
        if response.status_code == 304 and entry is not None:
            self.cache.hits += 1
            return _replayed(response, entry)
        if response.status_code == 200 and response.headers.get("etag"):
            self.cache.store(request, response)
        return response


def _replayed(not_modified: requests.Response, entry: dict[str, Any]) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.reason = "OK (not modified)"
    response.headers = requests.structures.CaseInsensitiveDict(entry["headers"])
    for name, value in not_modified.headers.items():
        if name.lower().startswith("x-ratelimit") or name.lower() in ("date", "etag"):
            response.headers[name] = value
    response.headers[NOT_MODIFIED_HEADER] = "1"
    response.headers.pop("content-encoding", None)
    response._content = entry["body"].encode("utf-8", errors="surrogateescape")
    response.url = not_modified.url
    response.request = not_modified.request
    response.connection = not_modified.connection
    response.encoding = "utf-8"
    return response


def install(session: requests.Session, adapter: HTTPAdapter, cache: ValidatorCache) -> None:
    """Mount a conditional adapter on `session`, with `adapter`'s retries and pool sizes."""
    conditional = ConditionalAdapter(
        cache,
        max_retries=adapter.max_retries,
        pool_connections=getattr(adapter, "_pool_connections", 10),
        pool_maxsize=getattr(adapter, "_pool_maxsize", 10),
    )
    session.mount("http://", conditional)
    session.mount("https://", conditional)
