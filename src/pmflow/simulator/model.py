"""The simulator's stored objects.

These are the *stored* forms, not GitHub's JSON: an issue keeps label names, assignee logins and
a milestone number, and `render.py` expands them into GitHub's shapes. The simulator hands out
deep copies (snapshots), so a test can read or change one freely without touching the simulated
GitHub; to change GitHub, use the simulator's methods (`edit_issue`, ...) or the HTTP API.

Every record can be read as attributes (`issue.title`) or, for tests written against dicts, as
items (`issue["title"]`).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


class _ItemAccess:
    """Lets a dataclass be read like a dict as well (`rec["title"]`, `rec.get("body")`)."""

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


def legacy_node_id(kind: str, ident: int) -> str:
    """GitHub's legacy global node id: base64 of "0<len(kind)>:<kind><id>".

    Decoding GitHub's own examples shows this format: "MDQ6VXNlcjE=" is "04:User1" and
    "MDEyOklzc3VlQ29tbWVudDE=" is "012:IssueComment1".
    """
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


@dataclass
class User(_ItemAccess):
    login: str
    id: int
    node_id: str
    type: str = "User"  # "User", "Organization" or "Bot", as GitHub spells it
    name: str | None = None
    email: str | None = None
    site_admin: bool = False
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class Repo(_ItemAccess):
    owner: str
    name: str
    id: int
    node_id: str
    collaborators: list[str] = field(default_factory=list)  # logins that can be assigned
    read_only: list[str] = field(default_factory=list)  # logins without push access
    private: bool = False
    description: str | None = None
    default_branch: str = "main"
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Label(_ItemAccess):
    repo: str
    id: int
    node_id: str
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Milestone(_ItemAccess):
    repo: str
    number: int
    id: int
    node_id: str
    title: str
    creator: str
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    state: str = "open"
    due_on: dt.datetime | None = None
    closed_at: dt.datetime | None = None


@dataclass
class Issue(_ItemAccess):
    repo: str
    number: int
    id: int
    node_id: str
    title: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)  # label names, in the repo's spelling
    assignees: list[str] = field(default_factory=list)  # logins
    milestone: int | None = None  # milestone number
    locked: bool = False
    active_lock_reason: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    comments: int = 0  # how many comments it has (GitHub's `comments` field)
    parent_id: int | None = None  # id (not number) of the parent issue, if a sub-issue
    sub_issue_ids: list[int] = field(default_factory=list)  # ids of children, in order


@dataclass
class Comment(_ItemAccess):
    repo: str
    issue_number: int
    id: int
    node_id: str
    body: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
