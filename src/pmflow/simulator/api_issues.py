"""Issues: list, create, get, update, lock, and their labels and assignees."""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import ApiError, field_error, invalid_request, validation_failed
from .model import Issue
from .routing import Ctx, Reply, api, check_body, expect, expect_strings, parse_time
from .state import MAX_ASSIGNEES, STATE_REASONS, RepoState

DOCS = "https://docs.github.com/rest/issues/issues"
LABEL_DOCS = "https://docs.github.com/rest/issues/labels"
ASSIGNEE_DOCS = "https://docs.github.com/rest/issues/assignees"

_UNSET: Any = object()  # a field the request did not send


def _title(fields: dict[str, Any], errors: list[dict[str, Any]]) -> str | None:
    title = expect(fields, "title", (str, int), nullable=True)
    if title is None or str(title).strip() == "":
        errors.append(field_error("Issue", "title", "missing_field"))
        return None
    return str(title)


def _assignees(ctx: Ctx, rs: RepoState, fields: dict[str, Any], errors: list[dict[str, Any]]):
    """Logins from `assignees` (or the closing-down `assignee`), as the repository spells them.

    On issue create and update GitHub rejects a login that cannot be assigned with 422 (code
    `invalid`, the login as `value`): reported in kubernetes/test-infra#1624 (create, field
    `assignee`), zerocracy/farm#1431 (update) and microsoft/vscode-pull-request-github#1868
    ("Value notauser cannot be set for field assignees (code: invalid)"). The documented
    "silently dropped" is about a *caller* without push access, handled by the callers here.
    The add-assignees endpoint, by contrast, ignores such logins (see `add_assignees`).
    """
    names = expect_strings(fields, "assignees")
    field_name = "assignees"
    if names is None and "assignee" in fields:
        one = expect(fields, "assignee", str, nullable=True)
        names, field_name = ([one] if one else []), "assignee"
    if names is None:
        return None
    out: list[str] = []
    for login in names:
        spelled = ctx.store.assignable(rs, login)
        if spelled is None:
            errors.append(field_error("Issue", field_name, "invalid", value=login))
        elif spelled not in out:
            out.append(spelled)
    return out


def _milestone(rs: RepoState, fields: dict[str, Any], errors: list[dict[str, Any]]) -> Any:
    """A milestone number, None to clear (PyGithub sends "" for that), or _UNSET."""
    if "milestone" not in fields:
        return _UNSET
    value = fields["milestone"]
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_request(f"For 'properties/milestone', {value!r} is not an integer.")
    if value not in rs.milestones:
        errors.append(field_error("Issue", "milestone", "invalid", value=value))
    return value


def _show(ctx: Ctx, rs: RepoState, issue: Issue) -> Reply:
    return Reply(200, ctx.render.issue(rs, issue), last_modified=issue.updated_at)


# --- the issue itself ----------------------------------------------------------------------------


@api.add("GET", "/repos/{owner}/{repo}/issues", DOCS + "#list-repository-issues")
def list_issues(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    q = ctx.query
    state = q.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed(field_error("Issue", "state", "invalid", value=state))
    items = [i for i in rs.issues.values() if state == "all" or i.state == state]
    wanted = [x.strip().lower() for x in q.get("labels", "").split(",") if x.strip()]
    if wanted:
        items = [i for i in items if set(wanted) <= {x.lower() for x in i.labels}]
    if "creator" in q:
        items = [i for i in items if i.author.lower() == q["creator"].lower()]
    if "assignee" in q:
        who = q["assignee"].lower()
        if who == "none":
            items = [i for i in items if not i.assignees]
        elif who == "*":
            items = [i for i in items if i.assignees]
        else:
            items = [i for i in items if who in {a.lower() for a in i.assignees}]
    if "milestone" in q:
        m = q["milestone"]
        if m == "none":
            items = [i for i in items if i.milestone is None]
        elif m == "*":
            items = [i for i in items if i.milestone is not None]
        else:
            items = [i for i in items if str(i.milestone) == m]
    if "mentioned" in q:
        mention = "@" + q["mentioned"].lower()
        items = [i for i in items if mention in (i.body or "").lower()]
    since = parse_time(q.get("since"), "Issue", "since")
    if since:
        items = [i for i in items if i.updated_at >= since]
    sort = q.get("sort", "created")
    key = {"updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
    items.sort(key=lambda i: (getattr(i, key), i.id), reverse=q.get("direction") != "asc")
    return ctx.page(items, lambda i: ctx.render.issue(rs, i, single=False), rs)


@api.add("POST", "/repos/{owner}/{repo}/issues", DOCS + "#create-an-issue")
def create_issue(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    title = _title(fields, errors)
    body = check_body(fields, "Issue", errors)
    labels = expect_strings(fields, "labels")
    assignees = _assignees(ctx, rs, fields, errors)
    milestone = _milestone(rs, fields, errors)
    if errors or title is None:
        raise validation_failed(*errors, docs=ctx.docs)
    if not ctx.can_push(rs):
        # "Only users with push access can set labels [assignees, milestone] for new issues.
        # [They] are silently dropped otherwise." (issues/create in GitHub's description)
        labels, assignees, milestone = None, None, None
    issue = ctx.store.add_issue(
        rs,
        title,
        ctx.actor.login,
        body=body,
        labels=labels or (),
        assignees=assignees or (),
        milestone=None if milestone is _UNSET else milestone,
    )
    data = ctx.render.issue(rs, issue)
    return Reply(201, data, {"location": data["url"]})


@api.add("GET", "/repos/{owner}/{repo}/issues/{issue_number:int}", DOCS + "#get-an-issue")
def get_issue(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    return _show(ctx, rs, issue)


@api.add("PATCH", "/repos/{owner}/{repo}/issues/{issue_number:int}", DOCS + "#update-an-issue")
def update_issue(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    title = _title(fields, errors) if "title" in fields else _UNSET
    body = check_body(fields, "Issue", errors) if "body" in fields else _UNSET
    state = expect(fields, "state", str)
    if state is not None and state not in ("open", "closed"):
        errors.append(field_error("Issue", "state", "invalid", value=state))
    reason = expect(fields, "state_reason", str, nullable=True)
    if reason is not None and reason not in STATE_REASONS:
        errors.append(field_error("Issue", "state_reason", "invalid", value=reason))
    labels = expect_strings(fields, "labels")
    assignees = _assignees(ctx, rs, fields, errors)
    milestone = _milestone(rs, fields, errors)
    if errors:
        raise validation_failed(*errors, docs=ctx.docs)

    before = dataclasses.asdict(issue)
    if title is not _UNSET:
        issue.title = title
    if body is not _UNSET:
        issue.body = body
    if state is not None:
        ctx.store.set_state(issue, state, reason, ctx.actor.login, ctx.now)
    elif reason is not None and issue.state == "closed" and reason != "reopened":
        issue.state_reason = reason
    if ctx.can_push(rs):  # without push access these changes are silently dropped
        if labels is not None:
            issue.labels = ctx.store.ensure_labels(rs, labels)
        if assignees is not None:
            issue.assignees = assignees
        if milestone is not _UNSET:
            issue.milestone = milestone
    if dataclasses.asdict(issue) != before:
        issue.updated_at = ctx.now
    return _show(ctx, rs, issue)


@api.add("PUT", "/repos/{owner}/{repo}/issues/{issue_number:int}/lock", DOCS + "#lock")
def lock_issue(ctx: Ctx) -> Reply:
    _, issue = ctx.issue()
    reason = expect(ctx.fields(), "lock_reason", str)
    issue.locked, issue.active_lock_reason = True, reason
    issue.updated_at = ctx.now
    return Reply(204)


@api.add(
    "DELETE", "/repos/{owner}/{repo}/issues/{issue_number:int}/lock", DOCS + "#unlock-an-issue"
)
def unlock_issue(ctx: Ctx) -> Reply:
    _, issue = ctx.issue()
    issue.locked, issue.active_lock_reason = False, None
    issue.updated_at = ctx.now
    return Reply(204)


# --- an issue's labels -------------------------------------------------------------------------

LABELS = "/repos/{owner}/{repo}/issues/{issue_number:int}/labels"


def _label_list(ctx: Ctx, rs: RepoState, issue: Issue) -> Reply:
    return Reply(200, [ctx.render.label(rs.labels[n.lower()]) for n in issue.labels])


def _label_names(ctx: Ctx) -> list[str]:
    """`{"labels": [...]}` or, as GitHub also takes, a bare list."""
    fields = {"labels": ctx.body} if isinstance(ctx.body, list) else ctx.fields()
    names = expect_strings(fields, "labels")
    return names or []


@api.add("GET", LABELS, LABEL_DOCS + "#list-labels-for-an-issue")
def list_issue_labels(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    labels = [rs.labels[n.lower()] for n in issue.labels]
    return ctx.page(labels, ctx.render.label, rs)


@api.add("POST", LABELS, LABEL_DOCS + "#add-labels-to-an-issue")
def add_issue_labels(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    names = ctx.store.ensure_labels(rs, _label_names(ctx))
    added = [n for n in names if n not in issue.labels]
    if added:
        issue.labels += added
        issue.updated_at = ctx.now
    return _label_list(ctx, rs, issue)


@api.add("PUT", LABELS, LABEL_DOCS + "#set-labels-for-an-issue")
def set_issue_labels(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    names = ctx.store.ensure_labels(rs, _label_names(ctx))
    if names != issue.labels:
        issue.labels = names
        issue.updated_at = ctx.now
    return _label_list(ctx, rs, issue)


@api.add("DELETE", LABELS, LABEL_DOCS + "#remove-all-labels-from-an-issue")
def clear_issue_labels(ctx: Ctx) -> Reply:
    _, issue = ctx.issue()
    if issue.labels:
        issue.labels = []
        issue.updated_at = ctx.now
    return Reply(204)


@api.add("DELETE", LABELS + "/{name}", LABEL_DOCS + "#remove-a-label-from-an-issue")
def remove_issue_label(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    name = ctx.params["name"].lower()
    found = [n for n in issue.labels if n.lower() == name]
    if not found:
        # GitHub's wording; PyGithub turns it into a plain GithubException (no "not found").
        raise ApiError(404, "Label does not exist", documentation_url=ctx.docs)
    issue.labels.remove(found[0])
    issue.updated_at = ctx.now
    return _label_list(ctx, rs, issue)


# --- assignees ---------------------------------------------------------------------------------


@api.add("GET", "/repos/{owner}/{repo}/assignees", ASSIGNEE_DOCS + "#list-assignees")
def list_assignees(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    logins = [rs.repo.owner, *rs.repo.collaborators]
    users = [
        u for u in (ctx.store.user(x) for x in logins) if u and ctx.store.assignable(rs, u.login)
    ]
    return ctx.page(users, lambda u: ctx.render.user(u.login), rs)


@api.add(
    "GET",
    "/repos/{owner}/{repo}/assignees/{assignee}",
    ASSIGNEE_DOCS + "#check-if-a-user-can-be-assigned",
)
def check_assignee(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    if ctx.store.assignable(rs, ctx.params["assignee"]) is None:
        raise ApiError(404, "Not Found", documentation_url=ctx.docs)
    return Reply(204)


@api.add(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number:int}/assignees",
    ASSIGNEE_DOCS + "#add-assignees-to-an-issue",
)
def add_assignees(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    names = expect_strings(ctx.fields(), "assignees") or []
    if ctx.can_push(rs):
        # This endpoint ignores logins it cannot assign, answering 201 all the same
        # (reviewpad/reviewpad#201), and keeps at most 10 assignees.
        for login in names:
            spelled = ctx.store.assignable(rs, login)
            if spelled and spelled not in issue.assignees and len(issue.assignees) < MAX_ASSIGNEES:
                issue.assignees.append(spelled)
                issue.updated_at = ctx.now
    return Reply(201, ctx.render.issue(rs, issue))


@api.add(
    "DELETE",
    "/repos/{owner}/{repo}/issues/{issue_number:int}/assignees",
    ASSIGNEE_DOCS + "#remove-assignees-from-an-issue",
)
def remove_assignees(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    names = {n.lower() for n in expect_strings(ctx.fields(), "assignees") or []}
    kept = [a for a in issue.assignees if a.lower() not in names]
    if ctx.can_push(rs) and kept != issue.assignees:
        issue.assignees = kept
        issue.updated_at = ctx.now
    return Reply(200, ctx.render.issue(rs, issue))
