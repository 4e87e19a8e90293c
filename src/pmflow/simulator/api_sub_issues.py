"""Sub-issues: list, add, remove, and a sub-issue's parent.

Requests name the child by its issue `id`, not its number. When the simulator's
`sub_issues_enabled` is off, every route answers 404, as an old GitHub Enterprise Server does.
Add and remove answer with the parent issue (the resource the path names), whose
`sub_issues_summary` shows the change.
"""

from __future__ import annotations

from .errors import field_error, invalid_request, not_found, validation_failed
from .model import Issue
from .routing import Ctx, Reply, api, expect
from .state import RepoState

DOCS = "https://docs.github.com/rest/issues/sub-issues"
BASE = "/repos/{owner}/{repo}/issues/{issue_number:int}"


def _parent(ctx: Ctx) -> tuple[RepoState, Issue]:
    if not ctx.store.sub_issues_enabled:
        raise not_found()
    return ctx.issue()


def _child(ctx: Ctx, rs: RepoState) -> tuple[RepoState, Issue]:
    fields = ctx.fields()
    ident = expect(fields, "sub_issue_id", int)
    if ident is None:
        raise invalid_request('"sub_issue_id" wasn\'t supplied.')
    found = ctx.store.issue_by_id(ident)
    if found is None:
        raise not_found()
    crs, child = found
    if crs.repo.owner.lower() != rs.repo.owner.lower():
        message = "Sub-issue must belong to the same owner as the parent issue"
        raise validation_failed(field_error("Issue", "sub_issue_id", "custom", message=message))
    return crs, child


@api.add("GET", BASE + "/sub_issues", DOCS + "#list-sub-issues")
def list_sub_issues(ctx: Ctx) -> Reply:
    rs, parent = _parent(ctx)
    children = [found for found in map(ctx.store.issue_by_id, parent.sub_issue_ids) if found]
    return ctx.page(children, lambda pair: ctx.render.issue(pair[0], pair[1], single=False), rs)


@api.add("POST", BASE + "/sub_issues", DOCS + "#add-sub-issue")
def add_sub_issue(ctx: Ctx) -> Reply:
    rs, parent = _parent(ctx)
    _, child = _child(ctx, rs)
    replace = expect(ctx.fields(), "replace_parent", bool) or False
    ctx.store.add_sub_issue(parent, child, replace)
    data = ctx.render.issue(rs, parent)
    return Reply(201, data, {"location": f"{data['url']}/sub_issues"})


@api.add("DELETE", BASE + "/sub_issue", DOCS + "#remove-sub-issue")
def remove_sub_issue(ctx: Ctx) -> Reply:
    rs, parent = _parent(ctx)
    _, child = _child(ctx, rs)
    ctx.store.remove_sub_issue(parent, child)
    data = ctx.render.issue(rs, parent)
    return Reply(200, data, {"location": f"{data['url']}/sub_issue"})


@api.add("GET", BASE + "/parent", DOCS + "#get-parent-issue")
def get_parent(ctx: Ctx) -> Reply:
    _, issue = _parent(ctx)
    found = ctx.store.issue_by_id(issue.parent_id) if issue.parent_id else None
    if found is None:
        raise not_found()
    return Reply(200, ctx.render.issue(*found))
