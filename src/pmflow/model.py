"""Plain data that flows between pmflow's parser, planner and GitHub adapter.

Nothing here does I/O; the adapter turns GitHub's answers into these objects and the core never
sees a PyGithub object.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pmflow.parse import Sections

_Record = TypeVar("_Record")


def stored_directly(cls: type[_Record]) -> type[_Record]:
    """The frozen dataclass `cls`, its __init__ writing the fields straight into the instance's
    __dict__: the __init__ a frozen dataclass gets calls object.__setattr__ for each field, which
    makes the same object in twice the time (a parse makes twenty of these per post-mortem).

    Same signature, same defaults; only for plain fields (no default_factory, no init=False, no
    keyword-only field and no __post_init__, which this __init__ would not honour).
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    plain = all(
        f.init and not f.kw_only and f.default_factory is dataclasses.MISSING for f in fields
    )
    if not plain or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: only a dataclass of plain fields can be stored directly")
    defaults = {f"_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    parameters = ", ".join(
        f.name if f"_{f.name}" not in defaults else f"{f.name}=_{f.name}" for f in fields
    )
    stores = "".join(f"\n    stored[{f.name!r}] = {f.name}" for f in fields)
    namespace = dict(defaults)
    exec(f"def __init__(self, {parameters}):\n    stored = self.__dict__{stores}", namespace)
    init = namespace["__init__"]
    init.__module__, init.__qualname__ = cls.__module__, f"{cls.__qualname__}.__init__"
    init.__annotations__ = cls.__init__.__annotations__
    cls.__init__ = init  # type: ignore[misc]
    return cls


class Severity(StrEnum):
    """How bad a problem is: an error stops an action issue; a warning is advice."""

    ERROR = "error"
    WARNING = "warning"


@stored_directly
@dataclass(frozen=True)
class Problem:
    """Something wrong with a post-mortem that a person has to fix.

    `line` is the text of the offending line as its author wrote it (quoted back to them),
    `line_number` is 1-based within the body, `code` a stable identifier (`missing-owner`, ...).
    """

    code: str
    message: str
    hint: str
    line: str = ""
    line_number: int | None = None
    severity: Severity = Severity.ERROR


@stored_directly
@dataclass(frozen=True)
class ActionLine:
    """One checklist line of the actions section, as parsed.

    `line_index` is the 0-based index into the body's lines (see `parse.split_lines`).
    `issue_number` is the `#123` reference pmflow inserted after the box, if any.
    `key` identifies the action before it has an issue: stable while the title is unchanged.
    """

    line_index: int
    text: str
    checked: bool
    title: str
    owner: str | None
    due: dt.date | None
    issue_number: int | None
    key: str
    due_text: str | None = None
    due_from_policy: bool = False  # no date on the line; the team's deadline policy gave one


@stored_directly
@dataclass(frozen=True)
class Section:
    """A `### Heading` of an issue-form body and the text under it (None when `_No response_`)."""

    heading: str
    level: int
    line_index: int
    content: str | None


@stored_directly
@dataclass(frozen=True)
class PostMortemReport:
    """What the parser reads from a post-mortem issue body."""

    sections: Sections  # cut out of the body when first asked for
    actions: tuple[ActionLine, ...]
    problems: tuple[Problem, ...]
    has_actions_section: bool
    report_owner: str | None = None
    incident_type: str | None = None
    incident_date: dt.date | None = None
    meeting_date: dt.date | None = None
    severity: str | None = None

    def section(self, *names: str) -> Section | None:
        wanted = {name.casefold() for name in names}
        for section in self.sections:
            if section.heading.casefold() in wanted:
                return section
        return None


@stored_directly
@dataclass(frozen=True)
class MilestoneState:
    number: int
    title: str
    state: str
    due_on: dt.date | None
    description: str = ""
    node_id: str = ""  # GraphQL's global id (GitHub sends it with every milestone)


@stored_directly
@dataclass(frozen=True)
class IssueState:
    """An issue (post-mortem or action) as the adapter read it from GitHub."""

    number: int
    id: int
    title: str
    body: str
    state: str  # "open" | "closed"
    author: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone: MilestoneState | None = None
    state_reason: str | None = None
    parent_number: int | None = None
    # False when GitHub's answer did not say (no `parent_issue_url`): then only the parent's list
    # of sub-issues can tell whether this issue is linked.
    parent_known: bool = True
    sub_issue_total: int | None = None  # `sub_issues_summary.total`, where GitHub sends it
    html_url: str = ""
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    node_id: str = ""  # GraphQL's global id
    comments: int | None = None  # how many comments it has (GitHub's `comments`), if known

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def completed(self) -> bool:
        return self.state == "closed" and self.state_reason in (None, "completed")


@stored_directly
@dataclass(frozen=True)
class CommentState:
    id: int
    issue_number: int
    body: str
    author: str
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass
class RepoSnapshot:
    """Everything a sync run reads before planning."""

    me: str
    postmortems: list[IssueState] = field(default_factory=list)
    action_issues: list[IssueState] = field(default_factory=list)
    labels: set[str] | None = None  # None: not listed (nothing needed it)
    milestones: list[MilestoneState] | None = None
