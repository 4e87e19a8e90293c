"""GET /search/issues: a small subset of GitHub's issue search syntax.

Understood: free words (all must appear in the title or body, or where `in:title` / `in:body`
says), `repo:o/r`, `is:issue`, `is:pr`, `is:open`, `is:closed`, `state:open|closed`,
`label:name` (quotes for spaces; repeat for AND), `-label:name`, `author:`, `assignee:`,
`no:assignee`, `no:label`, `milestone:"title"`. Search has its own budget (30 a minute).
"""

from __future__ import annotations

import shlex
from typing import Any

from .errors import field_error, validation_failed
from .model import Issue
from .routing import Ctx, Reply, api
from .state import RepoState

DOCS = "https://docs.github.com/rest/search/search#search-issues-and-pull-requests"


def _terms(q: str) -> list[str]:
    try:
        return shlex.split(q)
    except ValueError:  # an unbalanced quote: GitHub still searches, word by word
        return q.split()


def _qualifier_holds(rs: RepoState, issue: Issue, key: str, value: str) -> bool:
    labels = {x.lower() for x in issue.labels}
    checks = {
        "repo": lambda: value == rs.repo.full_name.lower(),
        "is": lambda: (
            issue.state == value
            if value in ("open", "closed")
            else value not in ("pr", "pull-request")  # the simulator has no pull requests
        ),
        "state": lambda: issue.state == value,
        "label": lambda: value in labels,
        "-label": lambda: value not in labels,
        "author": lambda: issue.author.lower() == value,
        "assignee": lambda: value in {a.lower() for a in issue.assignees},
        "no": lambda: not (issue.assignees if value == "assignee" else issue.labels),
        "milestone": lambda: _milestone_title(rs, issue) == value,
    }
    check = checks.get(key)
    return check() if check else True  # GitHub ignores what it does not know, so do we


def _milestone_title(rs: RepoState, issue: Issue) -> str | None:
    m = rs.milestones.get(issue.milestone) if issue.milestone else None
    return m.title.lower() if m else None


def _matches(rs: RepoState, issue: Issue, terms: list[str]) -> bool:
    where = ["title", "body"]
    words: list[str] = []
    for term in terms:
        key, sep, value = term.partition(":")
        if not sep:
            words.append(term.lower())
        elif key == "in":
            where = value.lower().split(",")
        elif not _qualifier_holds(rs, issue, key, value.lower()):
            return False
    title = issue.title if "title" in where else ""
    body = (issue.body or "") if "body" in where else ""
    text = f"{title} {body}".lower()
    return all(w in text for w in words)


@api.add("GET", "/search/issues", DOCS)
def search_issues(ctx: Ctx) -> Reply:
    q = ctx.query.get("q", "").strip()
    if not q:
        raise validation_failed(field_error("Search", "q", "missing"))
    terms = _terms(q)
    found: list[tuple[RepoState, Issue]] = [
        (rs, issue)
        for rs in ctx.store.repos.values()
        for issue in rs.issues.values()
        if _matches(rs, issue, terms)
    ]
    sort = ctx.query.get("sort")
    key = {"updated": "updated_at", "comments": "comments"}.get(sort or "", "created_at")
    found.sort(key=lambda p: (getattr(p[1], key), p[1].id), reverse=ctx.query.get("order") != "asc")
    reply = ctx.page(found, lambda p: _item(ctx, *p))
    body: dict[str, Any] = {
        "total_count": len(found),
        "incomplete_results": False,
        "search_type": "lexical",
        "items": reply.body,
    }
    reply.body = body
    return reply


def _item(ctx: Ctx, rs: RepoState, issue: Issue) -> dict[str, Any]:
    # Recorded answers show a whole-number score ("score": 1) for plain matches.
    return {**ctx.render.issue(rs, issue, single=False), "score": 1}
