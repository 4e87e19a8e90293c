"""Operations: what a plan asks the adapter to do, as data with finished text.

Each is printable (`describe`) for `--dry-run` and serialisable (`as_json`) for `--json`, and
made as the records in `model` are (a first sync plans thousands).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from pmflow.model import stored_directly


@dataclass(frozen=True)
class Operation:
    @property
    def kind(self) -> str:
        return type(self).__name__

    def as_json(self) -> dict[str, Any]:
        def encode(value: Any) -> Any:
            if isinstance(value, dt.date | dt.datetime):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [encode(item) for item in value]
            return value

        data = {f.name: encode(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {"op": self.kind, **data}

    def describe(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@stored_directly
@dataclass(frozen=True)
class CreateLabel(Operation):
    name: str
    color: str
    description: str

    def describe(self) -> str:
        return f"create label {self.name!r}"


@stored_directly
@dataclass(frozen=True)
class CreateMilestone(Operation):
    title: str
    due_on: dt.date | None
    description: str

    def describe(self) -> str:
        due = f" due {self.due_on.isoformat()}" if self.due_on else ""
        return f"create milestone {self.title!r}{due}"


@stored_directly
@dataclass(frozen=True)
class UpdateMilestone(Operation):
    number: int
    title: str
    due_on: dt.date | None

    def describe(self) -> str:
        due = self.due_on.isoformat() if self.due_on else "none"
        return f"set due date of milestone {self.title!r} to {due}"


@stored_directly
@dataclass(frozen=True)
class CreateActionIssue(Operation):
    postmortem: int
    key: str
    title: str
    body: str
    assignees: tuple[str, ...]
    labels: tuple[str, ...]
    milestone_title: str | None

    def describe(self) -> str:
        owner = f" assigned to @{self.assignees[0]}" if self.assignees else " unassigned"
        milestone = f" in milestone {self.milestone_title!r}" if self.milestone_title else ""
        return f"create action issue {self.title!r} for #{self.postmortem}{owner}{milestone}"


@stored_directly
@dataclass(frozen=True)
class UpdateActionIssue(Operation):
    number: int
    reason: str
    body: str | None = None
    assignees: tuple[str, ...] | None = None

    def describe(self) -> str:
        return f"update #{self.number}: {self.reason}"


@stored_directly
@dataclass(frozen=True)
class LinkSubIssue(Operation):
    parent: int
    child: int
    child_id: int

    def describe(self) -> str:
        return f"link #{self.child} as a sub-issue of #{self.parent}"


@stored_directly
@dataclass(frozen=True)
class UnlinkSubIssue(Operation):
    parent: int
    child: int
    child_id: int

    def describe(self) -> str:
        return f"unlink #{self.child} from the sub-issues of #{self.parent}"


@stored_directly
@dataclass(frozen=True)
class EditPostMortemBody(Operation):
    number: int
    expected_body: str
    body: str
    changes: tuple[str, ...]

    def describe(self) -> str:
        return f"edit the checklist of #{self.number}: " + "; ".join(self.changes)


@stored_directly
@dataclass(frozen=True)
class CreateComment(Operation):
    issue: int
    purpose: str
    body: str

    def describe(self) -> str:
        return f"comment on #{self.issue} ({self.purpose})"


@stored_directly
@dataclass(frozen=True)
class EditComment(Operation):
    issue: int
    comment_id: int
    purpose: str
    body: str

    def describe(self) -> str:
        return f"update pmflow's {self.purpose} comment on #{self.issue}"


@stored_directly
@dataclass(frozen=True)
class DeleteComment(Operation):
    """Only ever one of pmflow's own comments, repeating another (two runs at once)."""

    issue: int
    comment_id: int
    purpose: str

    def describe(self) -> str:
        return f"delete a second copy of pmflow's {self.purpose} comment on #{self.issue}"


@stored_directly
@dataclass(frozen=True)
class CloseIssue(Operation):
    issue: int
    reason: str

    def describe(self) -> str:
        return f"close #{self.issue} as {self.reason.replace('_', ' ')}"


@stored_directly
@dataclass(frozen=True)
class AddLabel(Operation):
    issue: int
    label: str

    def describe(self) -> str:
        return f"label #{self.issue} {self.label!r}"


@stored_directly
@dataclass(frozen=True)
class RemoveLabel(Operation):
    issue: int
    label: str

    def describe(self) -> str:
        return f"remove label {self.label!r} from #{self.issue}"


@stored_directly
@dataclass(frozen=True)
class CreateIssue(Operation):
    """An issue of pmflow's own outside any post-mortem (the register); `purpose` is its marker
    kind, by which a create that got no clear answer is looked for before it is sent again."""

    purpose: str
    title: str
    body: str
    labels: tuple[str, ...]

    def describe(self) -> str:
        return f"create the {self.purpose} issue {self.title!r}"


@stored_directly
@dataclass(frozen=True)
class EditIssueBody(Operation):
    """Replace the whole body of one of pmflow's own issues (never a person's)."""

    number: int
    purpose: str
    body: str

    def describe(self) -> str:
        return f"update the {self.purpose} issue #{self.number}"
