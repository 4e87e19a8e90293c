"""The simulated GitHub's data and the rules that keep it consistent.

One `Store` holds everything behind one re-entrant lock: the HTTP handlers run whole requests
under it (so a request sees and leaves a consistent state) and the test-facing methods take it
too. It knows nothing of HTTP; rule violations are raised as `ApiError`s worded as GitHub's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ApiError, field_error, not_found, validation_failed
from .model import Comment, Issue, Label, Milestone, Repo, User, legacy_node_id

MAX_BODY = 65536  # GitHub's limit for issue and comment bodies, in characters
MAX_SUB_ISSUES = 100  # per parent
MAX_SUB_ISSUE_DEPTH = 8  # levels of nesting
MAX_ASSIGNEES = 10
DEFAULT_LABEL_COLOR = "ededed"  # what GitHub gives labels created on the fly (see fixtures)

STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")


class Clock:
    """UTC now, real by default; frozen once `set` so tests can control timestamps."""

    def __init__(self) -> None:
        self._frozen: dt.datetime | None = None

    def set(self, when: dt.datetime | None) -> None:
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        self._frozen = when.astimezone(dt.UTC) if when else None

    def advance(self, delta: dt.timedelta) -> None:
        self._frozen = self.now() + delta

    def now(self) -> dt.datetime:
        # GitHub's timestamps have whole seconds.
        return (self._frozen or dt.datetime.now(dt.UTC)).replace(microsecond=0)


@dataclass
class RepoState:
    repo: Repo
    issues: dict[int, Issue] = field(default_factory=dict)  # by number
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-cased name
    milestones: dict[int, Milestone] = field(default_factory=dict)  # by number
    comments: dict[int, Comment] = field(default_factory=dict)  # by id, in creation order
    next_number: int = 1  # issues and pull requests share one sequence on GitHub
    next_milestone: int = 1


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        # Ids start high so that no id can be mistaken for an issue number in a test.
        self._ids = itertools.count(10_000_001)
        self.users: dict[str, User] = {}  # by lower-cased login
        self.tokens: dict[str, str] = {}  # token -> login
        self.repos: dict[str, RepoState] = {}  # by lower-cased "owner/name"
        self.repo_ids: dict[int, str] = {}
        self.issue_ids: dict[int, tuple[str, int]] = {}  # issue id -> (repo key, number)
        self.comment_ids: dict[int, str] = {}  # comment id -> repo key
        self.sub_issues_enabled = True

    def next_id(self) -> int:
        return next(self._ids)

    # --- users and repositories -------------------------------------------------------------

    def add_user(self, login: str, *, type: str = "User", name: str | None = None) -> User:
        with self.lock:
            existing = self.users.get(login.lower())
            if existing:
                return existing
            ident = self.next_id()
            kind = "Organization" if type == "Organization" else "User"
            user = User(login, ident, legacy_node_id(kind, ident), type=type, name=name)
            user.created_at = self.clock.now()
            self.users[login.lower()] = user
            return user

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def add_repo(
        self,
        full_name: str,
        *,
        collaborators: Iterable[str] = (),
        read_only: Iterable[str] = (),
        private: bool = False,
        description: str | None = None,
    ) -> RepoState:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be 'owner/name', got {full_name!r}")
        with self.lock:
            if full_name.lower() in self.repos:
                raise ValueError(f"repository {full_name} already exists")
            if self.user(owner) is None:
                self.add_user(owner, type="Organization")
            logins = [self.add_user(login).login for login in collaborators]
            ident = self.next_id()
            repo = Repo(
                owner=self.users[owner.lower()].login,
                name=name,
                id=ident,
                node_id=legacy_node_id("Repository", ident),
                collaborators=logins,
                read_only=list(read_only),
                private=private,
                description=description,
                created_at=self.clock.now(),
            )
            state = RepoState(repo)
            self.repos[full_name.lower()] = state
            self.repo_ids[ident] = full_name.lower()
            return state

    def repo(self, full_name: str) -> RepoState:
        state = self.repos.get(full_name.lower())
        if state is None:
            raise KeyError(f"no repository {full_name} in the simulator")
        return state

    def find_repo(self, owner: str, name: str) -> RepoState | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def can_push(self, rs: RepoState, login: str) -> bool:
        """Everyone with a token may write, except those the test made read-only."""
        return login.lower() not in {x.lower() for x in rs.repo.read_only}

    def assignable(self, rs: RepoState, login: str) -> str | None:
        """The login as GitHub spells it if it may be assigned in this repository, else None."""
        user = self.user(login)
        if user is None:
            return None
        allowed = {x.lower() for x in rs.repo.collaborators}
        if user.type == "User" and user.login.lower() == rs.repo.owner.lower():
            return user.login
        return user.login if user.login.lower() in allowed else None

    # --- labels and milestones ----------------------------------------------------------------

    def add_label(
        self,
        rs: RepoState,
        name: str,
        color: str = DEFAULT_LABEL_COLOR,
        description: str | None = None,
        default: bool = False,
    ) -> Label:
        with self.lock:
            if name.lower() in rs.labels:
                raise validation_failed(field_error("Label", "name", "already_exists"))
            ident = self.next_id()
            label = Label(
                rs.repo.full_name,
                ident,
                legacy_node_id("Label", ident),
                name,
                color,
                description,
                default,
            )
            rs.labels[name.lower()] = label
            return label

    def ensure_labels(self, rs: RepoState, names: Iterable[str]) -> list[str]:
        """The labels' names as the repository spells them, creating the missing ones.

        GitHub creates a label it does not know when one is applied to an issue (on create,
        update or add-labels), with colour ededed: fixture `add-labels-to-issue` shows it.
        """
        out: list[str] = []
        for name in names:
            label = rs.labels.get(name.lower()) or self.add_label(rs, name)
            if label.name not in out:
                out.append(label.name)
        return out

    def rename_label(self, rs: RepoState, label: Label, new_name: str) -> None:
        if new_name.lower() != label.name.lower() and new_name.lower() in rs.labels:
            raise validation_failed(field_error("Label", "name", "already_exists"))
        old = label.name
        del rs.labels[old.lower()]
        label.name = new_name
        rs.labels[new_name.lower()] = label
        for issue in rs.issues.values():
            issue.labels = [new_name if x == old else x for x in issue.labels]

    def delete_label(self, rs: RepoState, label: Label) -> None:
        del rs.labels[label.name.lower()]
        for issue in rs.issues.values():
            if label.name in issue.labels:
                issue.labels.remove(label.name)

    def add_milestone(
        self,
        rs: RepoState,
        title: str,
        creator: str,
        *,
        description: str | None = None,
        state: str = "open",
        due_on: dt.datetime | None = None,
    ) -> Milestone:
        with self.lock:
            if any(m.title == title for m in rs.milestones.values()):
                raise validation_failed(field_error("Milestone", "title", "already_exists"))
            ident = self.next_id()
            now = self.clock.now()
            milestone = Milestone(
                rs.repo.full_name,
                rs.next_milestone,
                ident,
                legacy_node_id("Milestone", ident),
                title,
                creator,
                now,
                now,
                description=description,
                state=state,
                due_on=due_on,
                closed_at=now if state == "closed" else None,
            )
            rs.milestones[milestone.number] = milestone
            rs.next_milestone += 1
            return milestone

    # --- issues ---------------------------------------------------------------------------------

    def add_issue(
        self,
        rs: RepoState,
        title: str,
        author: str,
        *,
        body: str | None = None,
        labels: Iterable[str] = (),
        assignees: Iterable[str] = (),
        milestone: int | None = None,
        state: str = "open",
        state_reason: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> Issue:
        """Store a new issue; callers have validated assignees and the milestone."""
        with self.lock:
            now = self.clock.now()
            created = _utc(created_at) if created_at else now
            ident = self.next_id()
            issue = Issue(
                rs.repo.full_name,
                rs.next_number,
                ident,
                legacy_node_id("Issue", ident),
                title,
                author,
                created,
                created,
                body=body,
                labels=self.ensure_labels(rs, labels),
                assignees=list(dict.fromkeys(assignees)),
                milestone=milestone,
            )
            if state == "closed":
                issue.state = "closed"
                issue.state_reason = state_reason or "completed"
                issue.closed_at = created
                issue.closed_by = author
            rs.issues[issue.number] = issue
            rs.next_number += 1
            self.issue_ids[ident] = (rs.repo.full_name.lower(), issue.number)
            return issue

    def issue(self, rs: RepoState, number: int) -> Issue:
        issue = rs.issues.get(number)
        if issue is None:
            raise not_found()
        return issue

    def issue_by_id(self, ident: int) -> tuple[RepoState, Issue] | None:
        where = self.issue_ids.get(ident)
        if where is None:
            return None
        rs = self.repos[where[0]]
        return rs, rs.issues[where[1]]

    def set_state(
        self, issue: Issue, state: str, reason: str | None, actor: str, now: dt.datetime
    ) -> None:
        """Open or close an issue, keeping closed_at, closed_by and state_reason as GitHub does."""
        if state == "closed":
            if issue.state != "closed":
                issue.closed_at = now
                issue.closed_by = actor
            issue.state = "closed"
            issue.state_reason = reason or "completed"
        elif issue.state == "closed":
            issue.state = "open"
            issue.state_reason = "reopened"
            issue.closed_at = None

    # --- comments -------------------------------------------------------------------------------

    def add_comment(
        self,
        rs: RepoState,
        issue: Issue,
        body: str,
        author: str,
        created_at: dt.datetime | None = None,
    ) -> Comment:
        with self.lock:
            now = _utc(created_at) if created_at else self.clock.now()
            ident = self.next_id()
            comment = Comment(
                rs.repo.full_name,
                issue.number,
                ident,
                legacy_node_id("IssueComment", ident),
                body,
                author,
                now,
                now,
            )
            rs.comments[ident] = comment
            self.comment_ids[ident] = rs.repo.full_name.lower()
            issue.comments += 1
            # A new comment makes the issue "updated" on GitHub too.
            issue.updated_at = max(issue.updated_at, now)
            return comment

    def delete_comment(self, rs: RepoState, comment: Comment) -> None:
        del rs.comments[comment.id]
        del self.comment_ids[comment.id]
        issue = rs.issues.get(comment.issue_number)
        if issue is not None:
            issue.comments -= 1

    # --- sub-issues -----------------------------------------------------------------------------

    def add_sub_issue(self, parent: Issue, child: Issue, replace_parent: bool) -> None:
        def fail(message: str) -> ApiError:
            return validation_failed(
                field_error("Issue", "sub_issue_id", "custom", message=message)
            )

        if child.id == parent.id:
            raise fail("An issue cannot be a sub-issue of itself")
        if child.id in parent.sub_issue_ids:
            raise fail("Issue may not contain duplicate sub-issues")
        if child.parent_id is not None and not replace_parent:
            raise fail("Sub issue may only have one parent")
        if len(parent.sub_issue_ids) >= MAX_SUB_ISSUES:
            raise fail(f"Parent cannot have more than {MAX_SUB_ISSUES} sub-issues")
        ancestors = self._ancestors(parent)
        if child.id in ancestors:
            raise fail("Sub issue cannot be an ancestor of its parent")
        if len(ancestors) + 1 + self._height(child) > MAX_SUB_ISSUE_DEPTH:
            raise fail(f"Sub issues cannot be nested more than {MAX_SUB_ISSUE_DEPTH} levels deep")
        if child.parent_id is not None:
            found = self.issue_by_id(child.parent_id)
            if found:
                found[1].sub_issue_ids.remove(child.id)
        child.parent_id = parent.id
        parent.sub_issue_ids.append(child.id)

    def remove_sub_issue(self, parent: Issue, child: Issue) -> None:
        if child.id not in parent.sub_issue_ids:
            raise not_found()
        parent.sub_issue_ids.remove(child.id)
        child.parent_id = None

    def _ancestors(self, issue: Issue) -> list[int]:
        out: list[int] = []
        current = issue
        while current.parent_id is not None:
            out.append(current.parent_id)
            found = self.issue_by_id(current.parent_id)
            if found is None:
                break
            current = found[1]
        return out

    def _height(self, issue: Issue) -> int:
        """Levels in the tree rooted at `issue`, counting itself."""
        children = [self.issue_by_id(i) for i in issue.sub_issue_ids]
        return 1 + max((self._height(c[1]) for c in children if c), default=0)

    def sub_issues(self, issue: Issue) -> list[Issue]:
        found = (self.issue_by_id(i) for i in issue.sub_issue_ids)
        return [f[1] for f in found if f]


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0)
