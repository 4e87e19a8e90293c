"""Users, rate limits, repositories, and a repository's labels and milestones."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, field_error, not_found, validation_failed
from .model import Label, Milestone
from .render import NEW_API_VERSION
from .routing import Ctx, Reply, api, expect, parse_time
from .state import RepoState

LABEL_DOCS = "https://docs.github.com/rest/issues/labels"
MILESTONE_DOCS = "https://docs.github.com/rest/issues/milestones"
COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
MAX_LABEL_DESCRIPTION = 100


@api.add("GET", "/user", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
def get_authenticated_user(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.full_user(ctx.actor))


@api.add("GET", "/users/{username}", "https://docs.github.com/rest/users/users#get-a-user")
def get_user(ctx: Ctx) -> Reply:
    user = ctx.store.user(ctx.params["username"])
    if user is None:
        raise not_found()
    return Reply(200, ctx.render.full_user(user))


@api.add("GET", "/rate_limit", "https://docs.github.com/rest/rate-limit/rate-limit")
def rate_limit(ctx: Ctx) -> Reply:
    limits = ctx.limits
    core = limits.core.overview()
    resources = {
        "core": core,
        "search": limits.search.overview(),
        "graphql": limits.graphql.overview(),
    }
    body: dict[str, Any] = {"resources": resources}
    if ctx.render.api_version != NEW_API_VERSION:
        body["rate"] = core  # removed in API version 2026-03-10
    return Reply(200, body)


@api.add(
    "GET", "/repos/{owner}/{repo}", "https://docs.github.com/rest/repos/repos#get-a-repository"
)
def get_repo(ctx: Ctx) -> Reply:
    return Reply(200, ctx.render.repository(ctx.repo()))


# --- labels ------------------------------------------------------------------------------------


def _check_label(fields: dict[str, Any], errors: list[dict[str, Any]]) -> None:
    color = expect(fields, "color", str)
    if color is not None and not COLOR.match(color):
        errors.append(field_error("Label", "color", "invalid"))
    description = expect(fields, "description", str, nullable=True)
    if description is not None and len(description) > MAX_LABEL_DESCRIPTION:
        message = f"description is too long (maximum is {MAX_LABEL_DESCRIPTION} characters)"
        errors.append(field_error("Label", "description", "custom", message=message))


def _label(ctx: Ctx) -> tuple[RepoState, Label]:
    rs = ctx.repo()
    label = rs.labels.get(ctx.params["name"].lower())
    if label is None:
        raise not_found()
    return rs, label


@api.add("GET", "/repos/{owner}/{repo}/labels", LABEL_DOCS + "#list-labels-for-a-repository")
def list_labels(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    labels = sorted(rs.labels.values(), key=lambda x: x.name.lower())
    return ctx.page(labels, ctx.render.label, rs)


@api.add("POST", "/repos/{owner}/{repo}/labels", LABEL_DOCS + "#create-a-label")
def create_label(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    name = expect(fields, "name", str)
    if not name:
        errors.append(field_error("Label", "name", "missing_field"))
    _check_label(fields, errors)
    if name and name.lower() in rs.labels:
        errors.append(field_error("Label", "name", "already_exists"))
    if errors:
        raise validation_failed(*errors)
    label = ctx.store.add_label(
        rs, name, (fields.get("color") or "ededed"), fields.get("description")
    )
    data = ctx.render.label(label)
    return Reply(201, data, {"location": data["url"]})


@api.add("GET", "/repos/{owner}/{repo}/labels/{name}", LABEL_DOCS + "#get-a-label")
def get_label(ctx: Ctx) -> Reply:
    _, label = _label(ctx)
    return Reply(200, ctx.render.label(label))


@api.add("PATCH", "/repos/{owner}/{repo}/labels/{name}", LABEL_DOCS + "#update-a-label")
def update_label(ctx: Ctx) -> Reply:
    rs, label = _label(ctx)
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    _check_label(fields, errors)
    new_name = expect(fields, "new_name", str)
    if errors:
        raise validation_failed(*errors)
    if new_name:
        ctx.store.rename_label(rs, label, new_name)
    if fields.get("color"):
        label.color = fields["color"]
    if "description" in fields:
        label.description = fields["description"]
    return Reply(200, ctx.render.label(label))


@api.add("DELETE", "/repos/{owner}/{repo}/labels/{name}", LABEL_DOCS + "#delete-a-label")
def delete_label(ctx: Ctx) -> Reply:
    rs, label = _label(ctx)
    ctx.store.delete_label(rs, label)
    return Reply(204)


# --- milestones ----------------------------------------------------------------------------------


def _due_on(fields: dict[str, Any], errors: list[dict[str, Any]]) -> Any:
    """A full timestamp, as the schema's `date-time` asks; a bare date is refused.

    PyGithub's `Milestone.edit(due_on=date)` sends a bare date (GITHUB-NOTES), which
    GitHub's description does not allow: refusing it here makes such a call visible in tests.
    """
    value = expect(fields, "due_on", str, nullable=True)
    if value is None:
        return None
    if "T" not in value:
        errors.append(field_error("Milestone", "due_on", "invalid", value=value))
        return None
    try:
        return parse_time(value, "Milestone", "due_on")
    except ApiError as e:
        errors.extend(e.errors or [])
        return None


def _milestone(ctx: Ctx) -> tuple[RepoState, Milestone]:
    rs = ctx.repo()
    milestone = rs.milestones.get(int(ctx.params["milestone_number"]))
    if milestone is None:
        raise not_found()
    return rs, milestone


def _state(fields: dict[str, Any], errors: list[dict[str, Any]]) -> str | None:
    state = expect(fields, "state", str)
    if state is not None and state not in ("open", "closed"):
        errors.append(field_error("Milestone", "state", "invalid", value=state))
    return state


MILESTONE = "/repos/{owner}/{repo}/milestones/{milestone_number:int}"


@api.add("GET", "/repos/{owner}/{repo}/milestones", MILESTONE_DOCS + "#list-milestones")
def list_milestones(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    q = ctx.query
    state = q.get("state", "open")
    items = [m for m in rs.milestones.values() if state == "all" or m.state == state]
    if q.get("sort") == "completeness":

        def key(m: Milestone) -> tuple[Any, ...]:
            mine = [i for i in rs.issues.values() if i.milestone == m.number]
            done = sum(1 for i in mine if i.state == "closed")
            return (done / len(mine) if mine else 0.0, m.number)
    else:

        def key(m: Milestone) -> tuple[Any, ...]:
            # Milestones without a due date sort after those with one.
            return (m.due_on is None, m.due_on.timestamp() if m.due_on else 0, m.number)

    items.sort(key=key, reverse=q.get("direction") == "desc")
    return ctx.page(items, lambda m: ctx.render.milestone(rs, m), rs)


@api.add("POST", "/repos/{owner}/{repo}/milestones", MILESTONE_DOCS + "#create-a-milestone")
def create_milestone(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    title = expect(fields, "title", str)
    if not title:
        errors.append(field_error("Milestone", "title", "missing_field"))
    elif any(m.title == title for m in rs.milestones.values()):
        errors.append(field_error("Milestone", "title", "already_exists"))
    state = _state(fields, errors)
    due_on = _due_on(fields, errors)
    description = expect(fields, "description", str, nullable=True)
    if errors:
        raise validation_failed(*errors)
    milestone = ctx.store.add_milestone(
        rs,
        title,
        ctx.actor.login,
        description=description,
        state=state or "open",
        due_on=due_on,
    )
    data = ctx.render.milestone(rs, milestone)
    return Reply(201, data, {"location": data["url"]})


@api.add("GET", MILESTONE, MILESTONE_DOCS + "#get-a-milestone")
def get_milestone(ctx: Ctx) -> Reply:
    rs, milestone = _milestone(ctx)
    return Reply(200, ctx.render.milestone(rs, milestone), last_modified=milestone.updated_at)


@api.add("PATCH", MILESTONE, MILESTONE_DOCS + "#update-a-milestone")
def update_milestone(ctx: Ctx) -> Reply:
    rs, milestone = _milestone(ctx)
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    title = expect(fields, "title", str)
    if title is not None and any(
        m.title == title and m.number != milestone.number for m in rs.milestones.values()
    ):
        errors.append(field_error("Milestone", "title", "already_exists"))
    state = _state(fields, errors)
    due_on = _due_on(fields, errors) if "due_on" in fields else milestone.due_on
    if errors:
        raise validation_failed(*errors)
    if title:
        milestone.title = title
    if "description" in fields:
        milestone.description = fields["description"]
    milestone.due_on = due_on
    if state and state != milestone.state:
        milestone.state = state
        milestone.closed_at = ctx.now if state == "closed" else None
    milestone.updated_at = ctx.now
    return Reply(200, ctx.render.milestone(rs, milestone))


@api.add("DELETE", MILESTONE, MILESTONE_DOCS + "#delete-a-milestone")
def delete_milestone(ctx: Ctx) -> Reply:
    rs, milestone = _milestone(ctx)
    del rs.milestones[milestone.number]
    for issue in rs.issues.values():
        if issue.milestone == milestone.number:
            issue.milestone = None
    return Reply(204)
