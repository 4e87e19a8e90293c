"""The GitHub adapter: the only module that imports PyGithub.

It reads repository state into pmflow's plain model objects and performs single writes. Lists are
read 100 to a page, and list items are converted from the data GitHub sent with the list:
reading an attribute that a list answer lacks would make PyGithub fetch every issue again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import ipaddress
import json
import logging
import os
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

from pmflow import graphql, httpcache
from pmflow.limits import (
    Limits,
    PoliteRetry,
    RateLimitWait,
    Sleep,
    backoff_seconds,
    is_primary_message,
    rate_limit_wait,
)
from pmflow.markers import ANY_BOT
from pmflow.model import CommentState, IssueState, MilestoneState

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
PAGE_SIZE = 100
T = TypeVar("T")


class GitHubError(RuntimeError):
    """A GitHub failure explained for a person: what happened and what to do."""


class RateLimited(GitHubError):
    """GitHub asked us to slow down for longer than a run should wait; the rest is deferred."""


class SubIssuesUnsupported(GitHubError):
    """The server has no sub-issues API (older GitHub Enterprise Server)."""


class _NothingFound(GitHubError):
    """Every send of a create failed without a clear answer, and looking for its result after
    the last one found nothing."""


def _when(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _login(user: dict[str, Any] | None) -> str:
    return (user or {}).get("login") or ""


def _number_from_url(url: str | None) -> int | None:
    if not url:
        return None
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def milestone_from_json(data: dict[str, Any]) -> MilestoneState:
    due = _when(data.get("due_on"))
    return MilestoneState(
        number=data["number"],
        title=data.get("title") or "",
        state=data.get("state") or "open",
        due_on=due.date() if due else None,
        description=data.get("description") or "",
        node_id=data.get("node_id") or "",
    )


def issue_from_json(data: dict[str, Any]) -> IssueState:
    milestone = data.get("milestone")
    return IssueState(
        number=data["number"],
        id=data["id"],
        title=data.get("title") or "",
        body=data.get("body") or "",
        state=data.get("state") or "open",
        author=_login(data.get("user")),
        labels=tuple(
            label["name"] if isinstance(label, dict) else str(label)
            for label in data.get("labels") or ()
        ),
        assignees=tuple(_login(user) for user in data.get("assignees") or ()),
        milestone=milestone_from_json(milestone) if milestone else None,
        state_reason=data.get("state_reason"),
        parent_number=_number_from_url(data.get("parent_issue_url")),
        parent_known="parent_issue_url" in data,
        sub_issue_total=(data.get("sub_issues_summary") or {}).get("total"),
        html_url=data.get("html_url") or "",
        created_at=_when(data.get("created_at")),
        closed_at=_when(data.get("closed_at")),
        updated_at=_when(data.get("updated_at")),
        node_id=data.get("node_id") or "",
        comments=data.get("comments"),
    )


def comment_from_json(data: dict[str, Any], issue_number: int | None = None) -> CommentState:
    number = issue_number if issue_number is not None else _number_from_url(data.get("issue_url"))
    return CommentState(
        id=data["id"],
        issue_number=number or 0,
        body=data.get("body") or "",
        author=_login(data.get("user")),
        created_at=_when(data.get("created_at")),
        updated_at=_when(data.get("updated_at")),
    )


def _listed(item: Any) -> dict[str, Any]:
    # The JSON GitHub sent in the list page. `item.raw_data` would first "complete" the object
    # with one GET per item: the hidden N+1 this adapter exists to avoid.
    return item._rawData


def _served_at(item: Any) -> dt.datetime | None:
    """When GitHub sent `item`: its answer's Date header (for a listed item, its page's), on
    the clock that also stamps `updated_at`. Read from the headers PyGithub kept, as
    `item.raw_headers` would first complete the object with a GET."""
    date = (item._headers or {}).get("date")
    try:
        return email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None


def _send_conditionally(github: Github, cache: httpcache.ValidatorCache) -> None:
    """Make every GET of this client conditional on what `cache` kept from earlier runs.

    PyGithub builds its HTTP connection lazily through the requester's connection class; each
    one it builds gets the conditional adapter on its requests session.
    """
    requester = github.requester
    build = requester._Requester__connectionClass  # type: ignore[attr-defined]

    def connection(*args: Any, **kwargs: Any) -> Any:
        made = build(*args, **kwargs)
        httpcache.install(made.session, made.adapter, cache)
        return made

    requester._Requester__connectionClass = connection  # type: ignore[attr-defined]


def _graphql_wanted() -> bool | None:
    """PMFLOW_GRAPHQL: `0` (or false, no, off) never uses GraphQL; `1` or unset tries it on
    every server, and REST does the work for the rest of the run where the server refuses it
    (no GraphQL there, or a schema without `parentIssueId`)."""
    setting = os.environ.get("PMFLOW_GRAPHQL", "").strip().lower()
    return False if setting in ("0", "false", "no", "off") else None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


def _is_ambiguous(error: Exception) -> bool:
    """A failure after which a write may or may not have taken effect."""
    if isinstance(error, GithubException):
        return error.status >= 500
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return False  # never connected: nothing was sent
    return isinstance(error, requests.exceptions.ConnectionError | requests.exceptions.Timeout)


def _rate_limit_of(error: GithubException) -> RateLimitWait | None:
    """GitHub's request to slow down carried by this failure, if it is one (403 or 429)."""
    data = error.data
    message = data.get("message") if isinstance(data, dict) else str(data or "")
    return rate_limit_wait(error.status, error.headers, message)


def _explain(error: Exception, doing: str) -> GitHubError:
    if isinstance(error, BadCredentialsException):
        return GitHubError(
            f"GitHub refused the token while {doing} (401 Bad credentials). Set GITHUB_TOKEN "
            "(or GH_TOKEN) to a valid token with issues: read and write."
        )
    if isinstance(error, RateLimitExceededException) or (
        isinstance(error, GithubException) and error.status == 429
    ):
        return RateLimited(
            f"GitHub's rate limit stopped pmflow while {doing}; the next run continues."
        )
    if isinstance(error, GithubException):
        message = error.data.get("message") if isinstance(error.data, dict) else error.data
        details = ""
        if isinstance(error.data, dict) and error.data.get("errors"):
            details = " " + "; ".join(
                str(e.get("message") or f"{e.get('field')} {e.get('code')}")
                for e in error.data["errors"]
                if isinstance(e, dict)
            )
        return GitHubError(f"GitHub answered {error.status} while {doing}: {message}.{details}")
    if isinstance(error, requests.exceptions.RetryError):
        return GitHubError(f"GitHub kept failing while {doing} (gave up after retries).")
    return GitHubError(f"could not reach GitHub while {doing}: {error}")


class GitHubRepo:
    """One repository, seen through PyGithub."""

    def __init__(
        self,
        repository: str,
        token: str,
        api_url: str | None = None,
        *,
        seconds_between_requests: float | None = None,
        seconds_between_writes: float | None = None,
        retries: int | None = None,
        limits: Limits | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        """`limits`: pacing, waits and retries (default: the defaults, pacing from the
        environment); `sleep` does every wait pmflow decides on (tests pass one that records)."""
        if "/" not in repository:
            raise GitHubError(
                f"repository {repository!r} should be written owner/name (e.g. octo-org/app)"
            )
        limits = limits or Limits.from_config()
        changes: dict[str, Any] = {
            "retries": retries,
            "seconds_between_requests": seconds_between_requests,
            "seconds_between_writes": seconds_between_writes,
        }
        limits = dataclasses.replace(
            limits, **{name: value for name, value in changes.items() if value is not None}
        )
        self.limits = limits
        self._sleep_with = sleep
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.full_name = repository
        self.github = Github(
            base_url=self.api_url,
            auth=Auth.Token(token),
            per_page=100,
            lazy=True,
            # Not PyGithub's GithubRetry: it re-sends a POST that got a 5xx (a duplicate issue
            # when GitHub had made it) and waits as long as GitHub says. PoliteRetry repeats only
            # what is safe to repeat, with bounded waits; rate limits are handled in _attempt.
            retry=PoliteRetry.for_limits(limits, self._sleep),
            seconds_between_requests=limits.seconds_between_requests or None,
            seconds_between_writes=limits.seconds_between_writes or None,
        )
        self.repo = self.github.get_repo(repository)  # lazy: no request until one is needed
        self.http_cache = httpcache.ValidatorCache.from_env()
        if self.http_cache is not None:
            _send_conditionally(self.github, self.http_cache)
        self._me: str | None = None
        # GraphQL's createIssue links a sub-issue in the same write. None: to be tried; True: it
        # has worked in this run; False: REST for the rest of the run (this server cannot, or
        # PMFLOW_GRAPHQL says not to). `_graphql_comments` is the same for the comments query:
        # a schema without `parentIssueId` (an older Enterprise Server) still answers that.
        self._graphql: bool | None = _graphql_wanted()
        self._graphql_comments: bool | None = self._graphql
        self._node_ids: dict[tuple[str, str], str] = {}  # ("label", name), ("user", login)
        # Each issue's body as last read, and when GitHub sent it: `reread_issue` asks whether
        # it changed since, which GitHub answers with a 304 free of rate limit.
        self._read: dict[int, tuple[dt.datetime, str]] = {}

    def _sleep(self, seconds: float) -> None:
        (self._sleep_with or time.sleep)(seconds)

    def _attempt(self, doing: str, action: Callable[[], T]) -> T:
        """Run `action`, waiting out GitHub's rate limits when the wait is short enough.

        A rate-limited request was refused, not carried out, so sending it again is safe even for
        a create. A wait longer than `max_wait_seconds`, or limits that keep coming, end the run
        cleanly (RateLimited): the rest is deferred to the next run. Other failures propagate.
        """
        waits = 0
        while True:
            try:
                return action()
            except GithubException as error:
                wait = _rate_limit_of(error)
                if wait is None:
                    raise
                if wait.seconds > self.limits.max_wait_seconds:
                    raise RateLimited(
                        f"GitHub's {wait.kind} rate limit asks pmflow to wait "
                        f"{wait.seconds:.0f} s while {doing}, longer than max_wait_seconds "
                        f"({self.limits.max_wait_seconds:g}); the rest is deferred to the next run."
                    ) from error
                if waits >= self.limits.retries:
                    raise RateLimited(
                        f"GitHub's {wait.kind} rate limit stopped pmflow {waits + 1} times while "
                        f"{doing}; the rest is deferred to the next run."
                    ) from error
                waits += 1
                log.warning(
                    "GitHub's %s rate limit while %s: waiting %.0f s",
                    wait.kind,
                    doing,
                    wait.seconds,
                )
                self._sleep(wait.seconds)

    def wait_for_write_slot(self) -> None:
        """Wait now for the pause PyGithub keeps between writes (`seconds_between_writes`).

        Called before re-reading a post-mortem that is about to be rewritten, so that the pause
        falls before the read, not between the read and the write, where a person's edit would
        be lost. PyGithub keeps the time of the last request per method in its requester.
        """
        gap = self.limits.seconds_between_writes
        last = getattr(self.github.requester, "_Requester__last_requests", None)
        if not gap or not isinstance(last, dict):
            return
        writes = [float(t) for verb, t in last.items() if verb != "GET"]
        wait = max(writes) + gap - time.time() if writes else 0.0
        if wait > 0:
            self._sleep(min(wait, gap))

    def rate_remaining(self) -> tuple[int, int] | None:
        """(remaining, limit) of the primary rate limit from the last answer's headers, without a
        request; None before the first answer or when GitHub sends no rate-limit headers."""
        remaining, limit = self.github.requester.rate_limiting
        return None if limit < 0 or remaining < 0 else (remaining, limit)

    def _call(self, doing: str, action: Callable[[], T]) -> T:
        try:
            return self._attempt(doing, action)
        except UnknownObjectException as error:
            raise GitHubError(
                f"GitHub answered 404 while {doing}: check that {self.full_name} exists and that "
                "the token can read its issues."
            ) from error
        except (GithubException, requests.exceptions.RequestException) as error:
            raise _explain(error, doing) from error

    def _create_once(
        self,
        doing: str,
        send: Callable[[], T],
        find_existing: Callable[[], T | None],
        sends: int | None = None,
    ) -> T:
        """Send a create; after an ambiguous failure, look for its result before sending again.

        A refusal (rate limit, 4xx) was not carried out: `_attempt` waits and re-sends, or it is
        reported. A 5xx or a lost answer may hide a create that happened (GitHub does this), so
        the next attempt is made only once `find_existing` (by pmflow's marker) found nothing;
        at most `sends` attempts (default: 1 + retries), then _NothingFound.
        """
        sends = sends or 1 + max(self.limits.retries, 0)
        for attempt in range(1, sends + 1):
            try:
                return self._attempt(doing, send)
            except (GithubException, requests.exceptions.RequestException) as error:
                if not _is_ambiguous(error):
                    raise _explain(error, doing) from error
                log.warning(
                    "%s: no clear answer from GitHub (%s); checking what was made", doing, error
                )
                last = error
            existing = self._call(f"checking after {doing}", find_existing)
            if existing is not None:
                return existing
            if attempt < sends:
                self._sleep(backoff_seconds(self.limits, attempt))
        raise _NothingFound(str(_explain(last, doing))) from last

    def _repeatable(self, doing: str, send: Callable[[], T]) -> T:
        """A write that is safe to send twice (adding a label, linking a sub-issue): after an
        ambiguous failure it is simply sent again, a bounded number of times, with backoff."""
        sends = 1 + max(self.limits.retries, 0)
        for attempt in range(1, sends + 1):
            try:
                return self._attempt(doing, send)
            except (GithubException, requests.exceptions.RequestException) as error:
                if not _is_ambiguous(error) or attempt == sends:
                    raise
                log.warning("%s: no clear answer from GitHub (%s); sending again", doing, error)
                self._sleep(backoff_seconds(self.limits, attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # --- reads ---

    def whoami(self) -> str:
        """The login pmflow writes as: markers are trusted only on issues it authored."""
        if self._me is None:
            try:
                self._me = self._attempt(
                    "identifying the token's user", lambda: self.github.get_user().login
                )
            except GithubException as error:
                # An Actions GITHUB_TOKEN or App installation token cannot read /user (403).
                if error.status not in (403, 404) or isinstance(error, BadCredentialsException):
                    raise _explain(error, "identifying the token's user") from error
                self._me = os.environ.get("PMFLOW_BOT_LOGIN") or ANY_BOT
            except requests.exceptions.RequestException as error:
                raise _explain(error, "identifying the token's user") from error
        return self._me

    def list_issues(
        self,
        labels: Iterable[str],
        *,
        state: str = "all",
        since: dt.datetime | None = None,
        sort: str | None = None,
        direction: str | None = None,
        first_page_only: bool = False,
    ) -> list[IssueState]:
        kwargs: dict[str, Any] = {"state": state, "labels": list(labels)}
        if since is not None:
            kwargs["since"] = since
        if sort is not None:
            kwargs["sort"] = sort
        if direction is not None:
            kwargs["direction"] = direction

        def read() -> list[IssueState]:
            pages = self.repo.get_issues(**kwargs)
            items = pages.get_page(0) if first_page_only else pages
            return [self._kept(item) for item in items if "pull_request" not in _listed(item)]

        return self._call("listing issues", read)

    def _kept(self, item: Any) -> IssueState:
        """The issue GitHub sent as `item`, its body and time of sending kept for a re-read."""
        issue = issue_from_json(_listed(item))
        when = _served_at(item)
        if when is not None:
            self._read[issue.number] = (when, issue.body or "")
        return issue

    def get_issue(self, number: int) -> IssueState:
        def read() -> IssueState:
            issue = self.repo.get_issue(number)
            issue.update()  # the GET: `Github(lazy=True)` made the object without one
            return self._kept(issue)

        return self._call(f"reading issue #{number}", read)

    def reread_issue(self, number: int, body: str) -> IssueState | None:
        """Issue #number read again, right before pmflow rewrites it; None when GitHub answers
        that it has not changed since pmflow read it with this `body`.

        Sent with If-Modified-Since, so an unchanged issue costs a 304, free of rate limit (the
        sub-issues pmflow has since linked to it do not change it). It is asked as of two
        seconds before that read was sent: GitHub's times have whole seconds, so an edit made
        after the read is always later than that."""
        last = self._read.get(number)
        if last is None or last[1] != body:
            return self.get_issue(number)
        since = email.utils.format_datetime(last[0] - dt.timedelta(seconds=2), usegmt=True)

        def read() -> IssueState | None:
            issue = self.repo.get_issue(number)
            return self._kept(issue) if issue.update({"If-Modified-Since": since}) else None

        return self._call(f"reading issue #{number} again", read)

    def list_sub_issues(self, number: int) -> list[IssueState]:
        def read() -> list[IssueState]:
            return [
                issue_from_json(_listed(i)) for i in self.repo.get_issue(number).get_sub_issues()
            ]

        try:
            return self._attempt(f"listing sub-issues of #{number}", read)
        except GithubException as error:
            if error.status == 404:
                raise SubIssuesUnsupported("this GitHub has no sub-issues API") from error
            raise _explain(error, f"listing sub-issues of #{number}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"listing sub-issues of #{number}") from error

    def list_comments(self, number: int) -> list[CommentState]:
        return self._call(
            f"reading comments of #{number}",
            lambda: [
                comment_from_json(_listed(c), number)
                for c in self.repo.get_issue(number).get_comments()
            ],
        )

    @property
    def graphql_expected(self) -> bool:
        """Whether to ask GraphQL before REST for a read that both can do in one request.

        GitHub answers GraphQL (github.com, GHE.com, Enterprise Server). A server on this
        machine is a stand-in (a simulator, a recording proxy) that may not, and a refused
        request would be one more: there REST goes first. Known for sure after one answer."""
        if self._graphql_comments is not None:  # answered, refused, or turned off
            return self._graphql_comments
        if self._graphql is not None:  # createIssue was answered, if only to refuse an argument
            return True
        return not _is_loopback(urllib.parse.urlsplit(self.api_url).hostname or "")

    def comments_of_issues(self, issues: Iterable[IssueState]) -> dict[int, list[CommentState]]:
        """The comments of many issues in one GraphQL request per 50, where GraphQL is used;
        issues it could not answer for in full are left out (read them with list_comments).
        A server that cannot answer (no GraphQL, another schema, a failure) is not asked again
        in this run: REST reads them."""
        wanted = [issue for issue in issues if issue.node_id]
        found: dict[int, list[CommentState]] = {}
        if self._graphql_comments is False or not wanted:
            return found
        for start in range(0, len(wanted), 50):
            variables = {"ids": [issue.node_id for issue in wanted[start : start + 50]]}

            def read(variables: dict[str, Any] = variables) -> dict[str, Any]:
                return self._graphql_answer(graphql.ISSUE_COMMENTS, variables)

            try:
                data = self._attempt("reading comments", read)
            except (
                graphql.Refused,
                GithubException,
                requests.exceptions.RequestException,
            ) as error:
                # A read: nothing to look for. Rate limits are waited out or end the run above.
                # A server where this query has not worked yet is not asked again in this run.
                log.info("could not read comments through GraphQL (%s); using REST", error)
                if self._graphql_comments is None or isinstance(error, graphql.Refused):
                    self._graphql_comments = False
                if isinstance(error, graphql.Refused):
                    self._graphql_refused(error)
                return found
            self._graphql_comments = True
            for node in (data.get("data") or {}).get("nodes") or ():
                comments = graphql.comments_shape(node) if isinstance(node, dict) else None
                if comments is not None and isinstance(node.get("number"), int):
                    number = node["number"]
                    found[number] = [comment_from_json(c, number) for c in comments]
        return found

    def comments_since(
        self,
        since: dt.datetime,
        max_pages: int,
        enough: Callable[[list[CommentState]], bool] | None = None,
    ) -> list[CommentState]:
        """The repository's comments created since `since`, oldest first: up to `max_pages`
        pages, fewer where the listing ends or `enough` (asked after each page, with all listed
        so far) says so."""

        def read() -> list[CommentState]:
            pages = self.repo.get_issues_comments(sort="created", direction="asc", since=since)
            found: list[CommentState] = []
            for index in range(max_pages):
                page = pages.get_page(index)
                found.extend(comment_from_json(_listed(c)) for c in page)
                if len(page) < 100 or (enough is not None and enough(found)):
                    break
            return found

        return self._call("listing the repository's comments", read)

    def list_repo_comments(self, since: dt.datetime) -> list[CommentState]:
        """Every comment of the repository updated since `since`: one listing, not one per issue."""
        return self._call(
            "listing the repository's recent comments",
            lambda: [
                comment_from_json(_listed(c))
                for c in self.repo.get_issues_comments(sort="updated", direction="asc", since=since)
            ],
        )

    def list_labels(self) -> frozenset[str]:
        def read() -> frozenset[str]:
            names = set()
            for label in self.repo.get_labels():
                data = _listed(label)
                names.add(data["name"])
                self._note_node("label", data["name"], data.get("node_id"))
            return frozenset(names)

        return self._call("listing labels", read)

    def _note_node(self, kind: str, key: str, node_id: str | None) -> None:
        if node_id:
            self._node_ids[(kind, key.lower())] = node_id

    def check_assignable(self, logins: Iterable[str]) -> dict[str, bool]:
        """Whether each login can be assigned: from the assignees listing (one page for most
        repositories) when that costs fewer requests than one check per login, else one each."""
        wanted = {login.lower(): login for login in logins}
        found: dict[str, bool] = {}
        if len(wanted) > 1:
            pages_allowed = len(wanted) - 1  # never more requests than checking each login

            def read() -> bool:
                listing = self.repo.get_assignees()
                for page in range(pages_allowed):
                    users = listing.get_page(page)
                    for user in users:
                        data = _listed(user)
                        self._note_node("user", data["login"], data.get("node_id"))
                        if data["login"].lower() in wanted:
                            found[wanted[data["login"].lower()]] = True
                    if len(users) < PAGE_SIZE:
                        return True
                return False

            if self._call("listing assignees", read):
                return {login: found.get(login, False) for login in wanted.values()}
        for login in wanted.values():
            if login not in found:
                found[login] = self.is_assignable(login)
        return found

    def list_milestones(self) -> list[MilestoneState]:
        return self._call(
            "listing milestones",
            lambda: [
                milestone_from_json(_listed(m)) for m in self.repo.get_milestones(state="all")
            ],
        )

    def is_assignable(self, login: str) -> bool:
        return self._call(
            f"checking whether @{login} can be assigned", lambda: self.repo.has_in_assignees(login)
        )

    # --- writes ---

    def create_label(self, name: str, color: str, description: str) -> None:
        try:
            self._repeatable(
                f"creating label {name!r}",
                lambda: self._note_node(
                    "label",
                    name,
                    _listed(self.repo.create_label(name, color, description)).get("node_id"),
                ),
            )
        except GithubException as error:
            if error.status == 422 and "already_exists" in str(error.data):
                return  # made meanwhile (another run, or a person): fine
            raise _explain(error, f"creating label {name!r}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"creating label {name!r}") from error

    def create_milestone(
        self, title: str, due_on: dt.date | None, description: str
    ) -> MilestoneState:
        def send() -> MilestoneState:
            kwargs: dict[str, Any] = {"description": description}
            if due_on is not None:
                kwargs["due_on"] = due_on
            return milestone_from_json(self.repo.create_milestone(title, **kwargs).raw_data)

        def find() -> MilestoneState | None:
            return next((m for m in self.list_milestones() if m.title == title), None)

        try:
            return self._create_once(f"creating milestone {title!r}", send, find)
        except GitHubError:
            existing = find()
            if existing is not None:  # 422 already_exists: another run made it
                return existing
            raise

    def update_milestone(self, number: int, due_on: dt.date | None) -> MilestoneState:
        # PyGithub's Milestone.edit sends due_on as a bare date, which GitHub's schema
        # (date-time) does not accept; send the timestamp GitHub documents instead.
        due = f"{due_on.isoformat()}T00:00:00Z" if due_on else None

        def send() -> MilestoneState:
            _, data = self.repo.requester.requestJsonAndCheck(
                "PATCH", f"{self.repo.url}/milestones/{number}", input={"due_on": due}
            )
            return milestone_from_json(data)

        return self._call(f"updating milestone {number}", send)

    def create_issue(
        self,
        title: str,
        body: str,
        *,
        assignees: Iterable[str] = (),
        labels: Iterable[str] = (),
        milestone: int | None = None,
        find_existing: Callable[[], IssueState | None] | None = None,
        parent: IssueState | None = None,
        milestone_node_id: str | None = None,
    ) -> IssueState:
        """Create an issue; with `parent`, linked as its sub-issue in the same write (GraphQL)
        where the server can, else created by REST and left for the caller to link."""
        assignees, labels = list(assignees), list(labels)
        if parent is not None and self._graphql is not False:
            made = self._create_linked(
                title, body, assignees, labels, milestone, milestone_node_id, parent, find_existing
            )
            if made is not None:
                return made
        kwargs: dict[str, Any] = {"body": body, "assignees": assignees, "labels": labels}
        if milestone is not None:
            kwargs["milestone"] = self.repo.get_milestone(milestone)

        def send() -> IssueState:
            return issue_from_json(self.repo.create_issue(title, **kwargs).raw_data)

        return self._create_once(f"creating issue {title!r}", send, find_existing or (lambda: None))

    def _repository_node_id(self) -> str | None:
        if ("repository", "") not in self._node_ids:
            node_id = self._call("reading the repository", lambda: self.repo.node_id)
            self._note_node("repository", "", node_id)
        return self._node_ids.get(("repository", ""))

    def _create_linked(
        self,
        title: str,
        body: str,
        assignees: list[str],
        labels: list[str],
        milestone: int | None,
        milestone_node_id: str | None,
        parent: IssueState,
        find_existing: Callable[[], IssueState | None] | None,
    ) -> IssueState | None:
        """GraphQL createIssue with `parentIssueId`; None when REST must do it instead (a node
        id pmflow does not know, or a server that cannot)."""
        user_ids = [self._node_ids.get(("user", login.lower())) for login in assignees]
        label_ids = [self._node_ids.get(("label", name.lower())) for name in labels]
        known = all(user_ids) and all(label_ids) and parent.node_id
        if not known or (milestone is not None and not milestone_node_id):
            return None
        repository_id = self._repository_node_id()
        if not repository_id:
            return None
        variables = graphql.create_issue_input(
            repository_id,
            title,
            body,
            parent_id=parent.node_id,
            assignee_ids=[i for i in user_ids if i],
            label_ids=[i for i in label_ids if i],
            milestone_id=milestone_node_id,
        )
        doing = f"creating issue {title!r}"

        def send() -> IssueState:
            answer = self._graphql_answer(graphql.CREATE_ISSUE, variables)
            issue = graphql.created_issue(answer)
            if issue is not None:
                try:
                    return issue_from_json(graphql.rest_shape(issue, self.api_url, self.full_name))
                except (AttributeError, KeyError, TypeError, ValueError) as error:
                    # Made, but answered in a shape of its own: found again by its marker.
                    raise graphql.Refused(
                        f"createIssue's answer cannot be read ({error!r})",
                        unsupported=True,
                        maybe_made=True,
                    ) from error
            if answer.get("errors"):
                # Refused as a whole (an issue-specific rule: a parent with too many sub-issues, a
                # node GitHub cannot resolve): nothing was made, so REST makes it.
                raise graphql.Refused(graphql.error_text(answer), unsupported=False)
            raise graphql.Refused(
                "createIssue answered neither an issue nor an error",
                unsupported=True,
                maybe_made=True,
            )

        # Until createIssue has worked in this run, a lost answer or a 5xx is looked for once
        # and then left to REST (a server whose GraphQL fails gets one request, not a resend).
        sends = None if self._graphql else 1
        try:
            made = self._create_once(doing, send, find_existing or (lambda: None), sends)
        except _NothingFound:
            if self._graphql or find_existing is None:
                raise
            self._graphql = False
            log.warning("%s: GraphQL gave no clear answer and made nothing; using REST", doing)
            return None
        except graphql.Refused as refusal:
            # Until createIssue has worked once in this run, any refusal ends GraphQL for the run:
            # a server that cannot do it costs one request, not one per action issue.
            if refusal.unsupported or self._graphql is None:
                self._graphql = False
            self._graphql_refused(refusal)
            log.info("GraphQL createIssue refused (%s); %s by REST", refusal, doing)
            if refusal.maybe_made and find_existing is not None:
                return self._call(f"checking after {doing}", find_existing)
            return None
        self._graphql = True
        return made

    def _graphql_refused(self, refusal: graphql.Refused) -> None:
        """A URL that does not speak GraphQL is asked nothing more in this run; a schema that
        lacks what one request sends may still answer the other."""
        if refusal.endpoint:
            self._graphql = self._graphql_comments = False

    def _graphql_answer(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST a GraphQL document; its answer when the server ran it (`errors` may come with
        `data`, for the caller to read).

        Raises graphql.Refused when the server did not run it: 404, 405, 501 or any other
        refusal (4xx), an answer that is not GraphQL's (a page that is not JSON), errors with no
        `data`. Rate limits (a 403 or 429, or GraphQL's RATE_LIMITED) raise GithubException for
        `_attempt` to wait out or defer; so do other 5xx, and a lost answer raises requests'
        exception: after those the caller cannot know whether a mutation took effect.
        """
        requester = self.repo.requester
        payload = {"query": document, "variables": variables}
        try:
            headers, answer = requester.requestJsonAndCheck(
                "POST", requester.graphql_url, input=payload
            )
        except GithubException as error:
            if _rate_limit_of(error) is not None or (error.status >= 500 and error.status != 501):
                raise
            if not (isinstance(error.data, dict) and isinstance(error.data.get("errors"), list)):
                raise graphql.Refused(
                    f"GitHub answered {error.status}", unsupported=True, endpoint=True
                ) from error
            headers, answer = error.headers or {}, error.data  # a GraphQL answer sent as a 4xx
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise graphql.Refused(
                "the answer is not JSON", unsupported=True, endpoint=True
            ) from error
        if graphql.rate_limited(answer):
            text = graphql.error_text(answer)
            message = text if is_primary_message(text) else f"API rate limit exceeded: {text}"
            raise GithubException(403, {"message": message}, headers, message)
        return graphql.check_answer(answer)

    def edit_issue(
        self,
        number: int,
        *,
        body: str | None = None,
        assignees: Iterable[str] | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["body"] = body
        if assignees is not None:
            kwargs["assignees"] = list(assignees)
        if state is not None:
            kwargs["state"] = state
        if state_reason is not None:
            kwargs["state_reason"] = state_reason

        self._read.pop(number, None)  # what it was is no longer what it is
        self._call(f"editing issue #{number}", lambda: self.repo.get_issue(number).edit(**kwargs))

    def add_sub_issue(self, parent: int, child_id: int) -> None:
        try:
            self._repeatable(
                f"linking a sub-issue to #{parent}",
                lambda: self.repo.get_issue(parent).add_sub_issue(child_id),
            )
        except GithubException as error:
            if error.status == 404:
                raise SubIssuesUnsupported("this GitHub has no sub-issues API") from error
            if error.status == 422:
                # Already linked (a repeat after a lost answer, another run) or refused: the text
                # link works either way.
                log.warning("GitHub did not link a sub-issue of #%s: %s", parent, error.data)
                return
            raise _explain(error, f"linking a sub-issue to #{parent}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"linking a sub-issue to #{parent}") from error

    def create_comment(
        self, number: int, body: str, find_existing: Callable[[], CommentState | None] | None = None
    ) -> CommentState:
        def send() -> CommentState:
            return comment_from_json(
                self.repo.get_issue(number).create_comment(body).raw_data, number
            )

        return self._create_once(f"commenting on #{number}", send, find_existing or (lambda: None))

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        self._call(
            f"editing a comment on #{number}",
            lambda: self.repo.get_issue(number).get_comment(comment_id).edit(body),
        )

    def delete_comment(self, number: int, comment_id: int) -> None:
        try:
            self._attempt(
                f"deleting a comment on #{number}",
                lambda: self.repo.get_issue(number).get_comment(comment_id).delete(),
            )
        except GithubException as error:
            if error.status == 404:
                return  # already gone
            raise _explain(error, f"deleting a comment on #{number}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"deleting a comment on #{number}") from error

    def close_issue(self, number: int, reason: str = "completed") -> None:
        self.edit_issue(number, state="closed", state_reason=reason)

    def add_label(self, number: int, label: str) -> None:
        doing = f"labelling #{number}"
        self._call(
            doing,
            lambda: self._repeatable(
                doing, lambda: self.repo.get_issue(number).add_to_labels(label)
            ),
        )

    def remove_sub_issue(self, parent: int, child_id: int) -> None:
        try:
            self._attempt(
                f"unlinking a sub-issue from #{parent}",
                lambda: self.repo.get_issue(parent).remove_sub_issue(child_id),
            )
        except GithubException as error:
            if error.status == 404:
                return  # not linked (any more), or no sub-issues API: nothing to undo
            raise _explain(error, f"unlinking a sub-issue from #{parent}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"unlinking a sub-issue from #{parent}") from error

    def remove_label(self, number: int, label: str) -> None:
        try:
            self._attempt(
                f"removing label {label!r} from #{number}",
                lambda: self.repo.get_issue(number).remove_from_labels(label),
            )
        except GithubException as error:
            if error.status == 404:
                # Already gone: GitHub says "Label does not exist" (a person removed it, or this
                # DELETE is a repeat after a lost answer).
                return
            raise _explain(error, f"removing label {label!r} from #{number}") from error
        except requests.exceptions.RequestException as error:
            raise _explain(error, f"removing label {label!r} from #{number}") from error
