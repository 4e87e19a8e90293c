"""The register issue: one issue of pmflow's own, found by its marker, created once, then edited.

Pure: the issues carrying the register label (one listing) in, at most one operation out. The
issue is found by the marker at the top of its body, on an issue pmflow's own user wrote, so a
copy of the marker in someone else's issue is never edited. Pinning an issue is only possible
through GraphQL (`pinIssue`); pmflow does not pin it (pin it once by hand, it stays pinned).
"""

from __future__ import annotations

from collections.abc import Sequence

from pmflow import markers
from pmflow.model import IssueState
from pmflow.ops import CreateIssue, EditIssueBody
from pmflow.render import truncate

REGISTER = "register"


def register_marker() -> str:
    return markers.format_marker(REGISTER)


def find_register(issues: Sequence[IssueState], me: str) -> IssueState | None:
    """pmflow's register issue among `issues`: the oldest, if a race ever made two."""
    own = [
        issue
        for issue in issues
        if markers.written_by_pmflow(issue.author, me)
        and markers.find_marker(issue.body, REGISTER) is not None
    ]
    return min(own, key=lambda issue: issue.number, default=None)


def plan_register_issue(
    issues: Sequence[IssueState], me: str, title: str, body: str, label: str
) -> list[CreateIssue | EditIssueBody]:
    """Create the register issue, or edit its body when the register changed; else nothing.

    `body` starts with `register_marker()`; GitHub keeps 65,536 characters, so a longer register
    is cut (the marker at the top survives).
    """
    body = truncate(body)
    existing = find_register(issues, me)
    if existing is None:
        return [CreateIssue(REGISTER, title, body, (label,))]
    if existing.body.replace("\r\n", "\n") == body.replace("\r\n", "\n"):
        return []
    return [EditIssueBody(existing.number, REGISTER, body)]
