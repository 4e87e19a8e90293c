"""Issue comments: per issue, repository-wide, and one by one."""

from __future__ import annotations

from typing import Any

from .errors import field_error, not_found, validation_failed
from .model import Comment
from .routing import Ctx, Reply, api, check_body, parse_time
from .state import RepoState

DOCS = "https://docs.github.com/rest/issues/comments"
ONE = "/repos/{owner}/{repo}/issues/comments/{comment_id:int}"


def _body(ctx: Ctx) -> str:
    fields = ctx.fields()
    errors: list[dict[str, Any]] = []
    body = check_body(fields, "IssueComment", errors)
    if body is None or body == "":
        errors.insert(0, field_error("IssueComment", "body", "missing_field"))
    if errors:
        raise validation_failed(*errors)
    assert body is not None
    return body


def _comment(ctx: Ctx) -> tuple[RepoState, Comment]:
    rs = ctx.repo()
    comment = rs.comments.get(int(ctx.params["comment_id"]))
    if comment is None:
        raise not_found()
    return rs, comment


def _since(ctx: Ctx, comments: list[Comment]) -> list[Comment]:
    since = parse_time(ctx.query.get("since"), "IssueComment", "since")
    return [c for c in comments if c.updated_at >= since] if since else comments


@api.add(
    "GET",
    "/repos/{owner}/{repo}/issues/{issue_number:int}/comments",
    DOCS + "#list-issue-comments",
)
def list_comments(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    comments = [c for c in rs.comments.values() if c.issue_number == issue.number]
    return ctx.page(_since(ctx, comments), lambda c: ctx.render.comment(rs, c), rs)


@api.add(
    "POST",
    "/repos/{owner}/{repo}/issues/{issue_number:int}/comments",
    DOCS + "#create-an-issue-comment",
)
def create_comment(ctx: Ctx) -> Reply:
    rs, issue = ctx.issue()
    comment = ctx.store.add_comment(rs, issue, _body(ctx), ctx.actor.login)
    data = ctx.render.comment(rs, comment)
    return Reply(201, data, {"location": data["url"]})


@api.add(
    "GET",
    "/repos/{owner}/{repo}/issues/comments",
    DOCS + "#list-issue-comments-for-a-repository",
)
def list_repo_comments(ctx: Ctx) -> Reply:
    rs = ctx.repo()
    comments = _since(ctx, list(rs.comments.values()))
    q = ctx.query
    # Creation order by default; GitHub ignores `direction` without `sort`.
    if "sort" in q:
        key = "updated_at" if q["sort"] == "updated" else "created_at"
        comments.sort(key=lambda c: (getattr(c, key), c.id), reverse=q.get("direction") == "desc")
    return ctx.page(comments, lambda c: ctx.render.comment(rs, c), rs)


@api.add("GET", ONE, DOCS + "#get-an-issue-comment")
def get_comment(ctx: Ctx) -> Reply:
    rs, comment = _comment(ctx)
    return Reply(200, ctx.render.comment(rs, comment), last_modified=comment.updated_at)


@api.add("PATCH", ONE, DOCS + "#update-an-issue-comment")
def update_comment(ctx: Ctx) -> Reply:
    rs, comment = _comment(ctx)
    body = _body(ctx)
    if body != comment.body:
        comment.body = body
        comment.updated_at = ctx.now
    return Reply(200, ctx.render.comment(rs, comment))


@api.add("DELETE", ONE, DOCS + "#delete-an-issue-comment")
def delete_comment(ctx: Ctx) -> Reply:
    rs, comment = _comment(ctx)
    ctx.store.delete_comment(rs, comment)
    return Reply(204)
