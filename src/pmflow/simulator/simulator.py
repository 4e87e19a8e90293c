"""`GitHubSimulator`: the face tests, `pmflow demo` and benchmarks use.

It starts a real HTTP server on 127.0.0.1 (an ephemeral port) that answers GitHub's REST API
under a prefix, as GitHub Enterprise does, so PyGithub works against it unchanged:

    with GitHubSimulator() as sim:
        sim.add_user("pmflow-bot", token="t0k3n")
        sim.add_repo("acme/web", collaborators=["alice"])
        gh = Github(base_url=sim.api_url, auth=Auth.Token("t0k3n"),
                    seconds_between_requests=None, seconds_between_writes=None)

The test-facing methods below bypass the API's rules (no validation, no rate limit, no log) and
return snapshots of the stored objects (see `model.py`).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .faults import Fault, FaultMode, FaultPlan
from .graphql_api import OFF_ANSWERS
from .model import Comment, Issue, Label, Milestone, Repo, User
from .ratelimit import RateLimits
from .records import RequestRecord
from .server import Dispatcher, serve
from .state import RepoState, Store

T = TypeVar("T")

_ISSUE_FIELDS = ("title", "body", "state", "state_reason", "labels", "assignees", "milestone")


def _snapshot(obj: T) -> T:
    return copy.deepcopy(obj)


class GitHubSimulator:
    def __init__(self, latency: float = 0.0, *, prefix: str = "/api/v3") -> None:
        self._store = Store()
        self._limits = RateLimits()
        self._faults = FaultPlan()
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self.on_request: Callable[[RequestRecord], None] | None = None
        self._dispatcher = Dispatcher(self._store, self._limits, self._faults, prefix, self._note)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.latency = latency

    @property
    def latency(self) -> float:
        """Seconds slept per request (for benchmarks); can be changed while running."""
        return self._dispatcher.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._dispatcher.latency = seconds

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> GitHubSimulator:
        if self._server is not None:
            return self
        self._server, self._thread = serve(self._dispatcher, "127.0.0.1", 0)
        host, port = self._server.server_address[:2]
        self._dispatcher.web_url = f"http://{host}:{port}"
        self._dispatcher.api_url = f"http://{host}:{port}{self._dispatcher.prefix}"
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> GitHubSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """e.g. http://127.0.0.1:54321/api/v3 (only once started)."""
        if not self._dispatcher.api_url:
            raise RuntimeError("start the simulator first")
        return self._dispatcher.api_url

    @property
    def web_url(self) -> str:
        """Where html_url links point, e.g. http://127.0.0.1:54321."""
        return self._dispatcher.web_url

    # --- switches and clock -------------------------------------------------------------------

    @property
    def sub_issues_enabled(self) -> bool:
        return self._store.sub_issues_enabled

    @sub_issues_enabled.setter
    def sub_issues_enabled(self, on: bool) -> None:
        """Off: sub-issue routes answer 404 and issues lack sub-issue fields (old GHES)."""
        self._store.sub_issues_enabled = on

    @property
    def graphql_enabled(self) -> bool:
        """Off: the GraphQL endpoint answers as a server without GraphQL (`graphql_off_answer`)."""
        return self._dispatcher.graphql.enabled

    @graphql_enabled.setter
    def graphql_enabled(self, on: bool) -> None:
        self._dispatcher.graphql.enabled = on

    @property
    def graphql_off_answer(self) -> str:
        return self._dispatcher.graphql.off_answer

    @graphql_off_answer.setter
    def graphql_off_answer(self, answer: str) -> None:
        """How the GraphQL URL answers while GraphQL is off: "404" (GitHub's Not Found, the
        default), "405" (Method Not Allowed), "501" (Not Implemented), or "html" (200 with a web
        page, as a web application's catch-all route answers)."""
        if answer not in OFF_ANSWERS:
            raise ValueError(f"graphql_off_answer must be one of {OFF_ANSWERS}, got {answer!r}")
        self._dispatcher.graphql.off_answer = answer

    @property
    def graphql_parent_issue_field(self) -> bool:
        return self._dispatcher.graphql.parent_issue_field

    @graphql_parent_issue_field.setter
    def graphql_parent_issue_field(self, on: bool) -> None:
        """Off: `CreateIssueInput` lacks `parentIssueId`, as on an older Enterprise Server."""
        self._dispatcher.graphql.parent_issue_field = on

    def set_now(self, when: dt.datetime | None) -> None:
        """Freeze the clock for created_at / updated_at (naive means UTC); None: real time."""
        self._store.clock.set(when)

    def advance(self, delta: dt.timedelta | None = None, **kwargs: float) -> None:
        """Move a frozen clock on: `advance(days=3)` or `advance(timedelta(hours=2))`."""
        self._store.clock.advance(delta or dt.timedelta(**kwargs))

    def now(self) -> dt.datetime:
        return self._store.clock.now()

    # --- building the world --------------------------------------------------------------------

    def add_user(
        self, login: str, token: str | None = None, *, name: str | None = None, type: str = "User"
    ) -> User:
        """A user; `token` (any string) authenticates as them, as "token X" or "Bearer X"."""
        with self._store.lock:
            user = self._store.add_user(login, type=type, name=name)
            if name is not None:
                user.name = name
            if token is not None:
                self._store.tokens[token] = user.login
            return _snapshot(user)

    def add_repo(
        self,
        full_name: str,
        collaborators: Iterable[str] = (),
        *,
        read_only: Iterable[str] = (),
        private: bool = False,
        description: str | None = None,
        labels: Iterable[str] = (),
    ) -> Repo:
        """A repository. `collaborators` can be assigned (as can a user owner); `read_only`
        users lack push access, so GitHub silently drops their labels/assignees/milestone."""
        with self._store.lock:
            rs = self._store.add_repo(
                full_name,
                collaborators=collaborators,
                read_only=read_only,
                private=private,
                description=description,
            )
            self._store.ensure_labels(rs, labels)
            return _snapshot(rs.repo)

    def add_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = None
    ) -> Label:
        with self._store.lock:
            return _snapshot(self._store.add_label(self._rs(repo), name, color, description))

    def add_milestone(
        self,
        repo: str,
        title: str,
        *,
        description: str | None = None,
        state: str = "open",
        due_on: dt.datetime | None = None,
        creator: str | None = None,
    ) -> Milestone:
        with self._store.lock:
            rs = self._rs(repo)
            return _snapshot(
                self._store.add_milestone(
                    rs,
                    title,
                    creator or rs.repo.owner,
                    description=description,
                    state=state,
                    due_on=due_on,
                )
            )

    def add_issue(
        self,
        repo: str,
        title: str,
        body: str | None = "",
        author: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        assignees: Iterable[str] = (),
        created_at: dt.datetime | None = None,
        *,
        milestone: int | None = None,
        state_reason: str | None = None,
        updated_at: dt.datetime | None = None,
        parent: int | None = None,
    ) -> Issue:
        """An issue (author defaults to the repository's owner). `parent` is the number of an
        issue in the same repository to make it a sub-issue of."""
        with self._store.lock:
            rs = self._rs(repo)
            login = author or rs.repo.owner
            self._store.add_user(login)
            for who in assignees:
                self._store.add_user(who)
            issue = self._store.add_issue(
                rs,
                title,
                login,
                body=body,
                labels=labels,
                assignees=assignees,
                milestone=milestone,
                state=state,
                state_reason=state_reason,
                created_at=created_at,
            )
            if updated_at is not None:
                issue.updated_at = updated_at.astimezone(dt.UTC).replace(microsecond=0)
            if parent is not None:
                self._store.add_sub_issue(self._store.issue(rs, parent), issue, False)
            return _snapshot(issue)

    def add_comment(
        self,
        repo: str,
        number: int,
        body: str,
        author: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> Comment:
        with self._store.lock:
            rs = self._rs(repo)
            login = author or rs.repo.owner
            self._store.add_user(login)
            issue = self._store.issue(rs, number)
            return _snapshot(self._store.add_comment(rs, issue, body, login, created_at))

    def add_sub_issue(
        self, repo: str, parent: int, child: int, child_repo: str | None = None
    ) -> None:
        with self._store.lock:
            parent_issue = self._store.issue(self._rs(repo), parent)
            child_issue = self._store.issue(self._rs(child_repo or repo), child)
            self._store.add_sub_issue(parent_issue, child_issue, False)

    def edit_issue(
        self, repo: str, number: int, *, actor: str | None = None, **changes: Any
    ) -> Issue:
        """Change an issue as a person would in the web UI (bumps updated_at).

        `changes` may hold title, body, state, state_reason, labels, assignees, milestone.
        Use it from an `on_request` hook to edit between a client's read and its write.
        """
        unknown = set(changes) - set(_ISSUE_FIELDS)
        if unknown:
            raise TypeError(f"cannot edit {sorted(unknown)}; editable: {_ISSUE_FIELDS}")
        with self._store.lock:
            rs = self._rs(repo)
            issue = self._store.issue(rs, number)
            now = self._store.clock.now()
            if "state" in changes:
                who = actor or rs.repo.owner
                self._store.set_state(
                    issue, changes["state"], changes.get("state_reason"), who, now
                )
            elif "state_reason" in changes:
                issue.state_reason = changes["state_reason"]
            if "labels" in changes:
                issue.labels = self._store.ensure_labels(rs, changes["labels"])
            for key in ("title", "body", "assignees", "milestone"):
                if key in changes:
                    setattr(issue, key, changes[key])
            issue.updated_at = now
            return _snapshot(issue)

    def edit_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        with self._store.lock:
            comment = self._rs(repo).comments[comment_id]
            comment.body = body
            comment.updated_at = self._store.clock.now()
            return _snapshot(comment)

    # --- reading the world ---------------------------------------------------------------------

    def issue(self, repo: str, number: int) -> Issue:
        with self._store.lock:
            rs = self._rs(repo)
            if number not in rs.issues:
                raise KeyError(f"{repo} has no issue #{number}")
            return _snapshot(rs.issues[number])

    def issues(self, repo: str) -> list[Issue]:
        """Every issue of the repository, open or closed, by number."""
        with self._store.lock:
            return _snapshot(sorted(self._rs(repo).issues.values(), key=lambda i: i.number))

    def comments(self, repo: str, number: int | None = None) -> list[Comment]:
        """The comments of issue `number`, or of the whole repository, oldest first."""
        with self._store.lock:
            found = self._rs(repo).comments.values()
            return _snapshot([c for c in found if number is None or c.issue_number == number])

    def labels(self, repo: str) -> list[Label]:
        with self._store.lock:
            return _snapshot(list(self._rs(repo).labels.values()))

    def milestones(self, repo: str) -> list[Milestone]:
        with self._store.lock:
            return _snapshot(sorted(self._rs(repo).milestones.values(), key=lambda m: m.number))

    def sub_issues(self, repo: str, number: int) -> list[int]:
        """The numbers of issue `number`'s sub-issues, in order."""
        with self._store.lock:
            issue = self._store.issue(self._rs(repo), number)
            return [c.number for c in self._store.sub_issues(issue)]

    def parent(self, repo: str, number: int) -> int | None:
        """The number of the issue's parent, if it is a sub-issue."""
        with self._store.lock:
            issue = self._store.issue(self._rs(repo), number)
            found = self._store.issue_by_id(issue.parent_id) if issue.parent_id else None
            return found[1].number if found else None

    # --- the request log -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request so far, oldest first (a copy of the log)."""
        with self._log_lock:
            return list(self._log)

    def writes(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.is_write]

    def reads(self) -> list[RequestRecord]:
        return [r for r in self.requests if not r.is_write]

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _note(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(record)
        hook = self.on_request
        if hook is not None:
            hook(record)

    # --- faults and limits ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 502,
        *,
        mode: FaultMode = "refuse",
        method: str | None = None,
        path: str | None = None,
        writes_only: bool = False,
        nth: int = 1,
        times: int = 1,
        retry_after: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Make the `nth` request matching `method` / `path` (a regex searched in the path
        under the prefix) / `writes_only` fail, `times` times in a row. See `faults.py` for
        the modes; a 403 or 429 answers with GitHub's secondary-rate-limit message."""
        fault = Fault(
            mode=mode,
            status=status,
            method=method,
            path=re.compile(path) if path else None,
            writes_only=writes_only,
            nth=nth,
            times=times,
            retry_after=retry_after,
            body=body,
        )
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def rate_limit(
        self,
        limit: int = 5000,
        remaining: int | None = None,
        *,
        reset_in: float | None = None,
        resource: str = "core",
    ) -> None:
        """Set a budget; at 0 remaining GitHub answers 403 "API rate limit exceeded".

        `reset_in` is seconds until it refills (default: the resource's window). Mind that
        PyGithub's default retry sleeps until the reset on a primary limit.
        """
        budget = self._limits.search if resource == "search" else self._limits.core
        budget.set(limit, remaining, reset_in)

    def rate_remaining(self, resource: str = "core") -> int:
        budget = self._limits.search if resource == "search" else self._limits.core
        return budget.overview()["remaining"]

    # --- helpers -------------------------------------------------------------------------------

    def _rs(self, repo: str) -> RepoState:
        return self._store.repo(repo)
