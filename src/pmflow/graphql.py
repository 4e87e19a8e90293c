"""GitHub's GraphQL `createIssue`: one write that creates an action issue already linked as a
sub-issue of its post-mortem (`parentIssueId`), assigned, labelled and in its milestone.

REST needs two writes for that (create, then link). This module holds the mutation text (checked
against GitHub's published schema by the contract tests) and turns its answer into the JSON
shape of a REST issue, so the adapter converts both the same way. It imports no PyGithub.
"""

from __future__ import annotations

from typing import Any

CREATE_ISSUE = """\
mutation CreateActionIssue($input: CreateIssueInput!) {
  createIssue(input: $input) {
    issue {
      id
      databaseId
      number
      title
      body
      url
      state
      createdAt
      updatedAt
      closedAt
      author { __typename login }
      assignees(first: 10) { nodes { login } }
      labels(first: 20) { nodes { name } }
      milestone { id number title state dueOn description }
      parent { number }
    }
  }
}
"""

# The comments of several issues in one request (pmflow's own are among the last 100 of each,
# else the REST listing reads them all). `nodes` keeps the order of `ids`.
ISSUE_COMMENTS = """\
query IssueComments($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Issue {
      number
      comments(last: 100) {
        totalCount
        nodes { databaseId body createdAt updatedAt author { __typename login } }
      }
    }
  }
}
"""
COMMENTS_PAGE = 100

# A server whose schema lacks a field, argument or type pmflow sends (an older GitHub Enterprise
# Server without `parentIssueId`) says so in its errors: GitHub's wording and codes, then
# graphql-core's (other servers). REST does the work there for the rest of the run.
UNSUPPORTED_HINTS = (
    "doesn't accept argument",
    "doesn't exist on type",
    "isn't a defined input type",
    "no such type",
    "is not defined by type",
    "cannot query field",
    "unknown argument",
    "unknown type",
)
UNSUPPORTED_CODES = frozenset(
    {"argumentNotAccepted", "undefinedField", "undefinedType", "variableMismatch"}
)


class Refused(Exception):
    """The server answered a GraphQL request without carrying it out, so there is nothing to look
    for and nothing to send again: REST does the work instead.

    `unsupported`: it would refuse every such request (no GraphQL there, or a schema without what
    pmflow sends), so that request is not tried again in this run. `endpoint`: the URL does not
    speak GraphQL at all, so no GraphQL request is tried again in this run (a schema that lacks
    `parentIssueId` may still answer the comments query). `maybe_made`: an answer that looks
    like GraphQL's but holds neither the issue nor an error, after which pmflow looks for the
    issue by its marker before creating it by REST.
    """

    def __init__(
        self, reason: str, *, unsupported: bool, maybe_made: bool = False, endpoint: bool = False
    ) -> None:
        super().__init__(reason)
        self.unsupported = unsupported or endpoint
        self.maybe_made = maybe_made
        self.endpoint = endpoint


def check_answer(answer: Any) -> dict[str, Any]:
    """A GraphQL answer (status 2xx or 4xx, body parsed) whose `data` can be read; Refused when
    the server did not run the document: not a GraphQL answer at all (a non-JSON page arrives as
    `{"data": "<text>"}` from PyGithub), errors and no `data` (the document failed validation,
    so nothing was executed), or errors naming a field, argument or type the server lacks."""
    if not isinstance(answer, dict) or not {"data", "errors"} & answer.keys():
        raise Refused("the answer is not GraphQL's", unsupported=True, endpoint=True)
    data, errors = answer.get("data"), answer.get("errors")
    if not isinstance(data, dict | None) or not isinstance(errors, list | None):
        raise Refused("the answer is not GraphQL's", unsupported=True, endpoint=True)
    if errors and data is None:
        raise Refused(f"the document was refused: {error_text(answer)}", unsupported=True)
    if errors and unknown_to_schema(answer):
        raise Refused(f"the schema lacks what pmflow sends: {error_text(answer)}", unsupported=True)
    return answer


def unknown_to_schema(answer: Any) -> bool:
    """Whether the errors say the server's schema lacks a field, argument or type."""
    text = error_text(answer).casefold()
    codes = {
        str((e.get("extensions") or {}).get("code") or e.get("code") or "")
        for e in (answer.get("errors") or () if isinstance(answer, dict) else ())
        if isinstance(e, dict) and isinstance(e.get("extensions") or {}, dict)
    }
    return bool(codes & UNSUPPORTED_CODES) or any(hint in text for hint in UNSUPPORTED_HINTS)


def rate_limited(answer: Any) -> bool:
    """GitHub's GraphQL API answers its own rate limit with an error of type RATE_LIMITED."""
    return "RATE_LIMITED" in error_types(answer)


def created_issue(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The issue a createIssue answer holds, if it holds one pmflow can read."""
    payload = (answer.get("data") or {}).get("createIssue")
    issue = payload.get("issue") if isinstance(payload, dict) else None
    if isinstance(issue, dict) and type(issue.get("number")) is int:
        return issue
    return None


def create_issue_input(
    repository_id: str,
    title: str,
    body: str,
    *,
    parent_id: str | None,
    assignee_ids: list[str],
    label_ids: list[str],
    milestone_id: str | None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "repositoryId": repository_id,
        "title": title,
        "body": body,
        "assigneeIds": assignee_ids,
        "labelIds": label_ids,
    }
    if parent_id is not None:
        variables["parentIssueId"] = parent_id
    if milestone_id is not None:
        variables["milestoneId"] = milestone_id
    return {"input": variables}


def rest_shape(issue: dict[str, Any], api_url: str, full_name: str) -> dict[str, Any]:
    """The mutation's `issue` as the fields of a REST issue that the adapter reads."""

    def nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
        return [n for n in (connection or {}).get("nodes") or () if n]

    milestone = issue.get("milestone")
    parent = issue.get("parent")
    repo_url = f"{api_url}/repos/{full_name}"
    return {
        "number": issue["number"],
        "id": issue.get("databaseId"),
        "node_id": issue.get("id"),
        "title": issue.get("title"),
        "body": issue.get("body"),
        "state": (issue.get("state") or "OPEN").lower(),
        "user": {"login": rest_login(issue.get("author"))},
        "labels": [{"name": n["name"]} for n in nodes(issue.get("labels"))],
        "assignees": [{"login": n["login"]} for n in nodes(issue.get("assignees"))],
        "milestone": (
            {
                "number": milestone["number"],
                "node_id": milestone.get("id"),
                "title": milestone.get("title"),
                "state": (milestone.get("state") or "OPEN").lower(),
                "due_on": milestone.get("dueOn"),
                "description": milestone.get("description"),
            }
            if milestone
            else None
        ),
        # The REST answer's way of naming the parent, which the adapter already reads.
        "parent_issue_url": f"{repo_url}/issues/{parent['number']}" if parent else None,
        "html_url": issue.get("url"),
        "created_at": issue.get("createdAt"),
        "updated_at": issue.get("updatedAt"),
        "closed_at": issue.get("closedAt"),
        "comments": 0,
    }


def error_types(data: Any) -> list[str]:
    """GitHub's error types (`NOT_FOUND`, `FORBIDDEN`, ...) in a GraphQL answer."""
    if not isinstance(data, dict):
        return []
    return [str(e.get("type") or "") for e in data.get("errors") or () if isinstance(e, dict)]


def error_text(data: Any) -> str:
    if not isinstance(data, dict):
        return str(data)
    return "; ".join(str(e.get("message")) for e in data.get("errors") or () if isinstance(e, dict))


def comments_shape(issue: dict[str, Any]) -> list[dict[str, Any]] | None:
    """An issue's comments from ISSUE_COMMENTS as REST comment fields; None when the answer
    does not hold all of them (more than COMMENTS_PAGE)."""
    connection = issue.get("comments") or {}
    nodes = [n for n in connection.get("nodes") or () if n]
    if connection.get("totalCount") != len(nodes):
        return None
    out = []
    for node in nodes:
        out.append(
            {
                "id": node.get("databaseId"),
                "body": node.get("body"),
                "user": {"login": rest_login(node.get("author"))},
                "created_at": node.get("createdAt"),
                "updated_at": node.get("updatedAt"),
            }
        )
    return out


def rest_login(actor: dict[str, Any] | None) -> str:
    """An actor's login as REST spells it: GraphQL names an app "github-actions", REST (and so
    pmflow's trust in its own markers) "github-actions[bot]"."""
    login = str((actor or {}).get("login") or "")
    if (actor or {}).get("__typename") == "Bot" and login and not login.endswith("[bot]"):
        login += "[bot]"
    return login
