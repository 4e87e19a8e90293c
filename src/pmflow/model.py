"""Plain data that flows between pmflow's parser, planner and GitHub adapter.

Nothing here does I/O; the adapter turns GitHub's answers into these objects and the core never
sees a PyGithub object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: an error stops an action issue; a warning is advice."""

    ERROR = "error"
    WARNING = "warning"


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


@dataclass(frozen=True)
class Section:
    """A `### Heading` of an issue-form body and the text under it (None when `_No response_`)."""

    heading: str
    level: int
    line_index: int
    content: str | None


@dataclass(frozen=True)
class PostMortemReport:
    """What the parser reads from a post-mortem issue body."""

    sections: tuple[Section, ...]
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


@dataclass(frozen=True)
class MilestoneState:
    number: int
    title: str
    state: str
    due_on: dt.date | None
    description: str = ""
    node_id: str = ""  # GraphQL's global id (GitHub sends it with every milestone)


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
