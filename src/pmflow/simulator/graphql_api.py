"""GitHub's GraphQL API, the part pmflow uses: `createIssue` (with `parentIssueId`) and `node`.

Served at the GraphQL URL PyGithub derives from the REST base URL (`/api/v3` -> `/api/graphql`
on GitHub Enterprise, `/graphql` on api.github.com). Documents are parsed, validated and executed
by graphql-core against `SCHEMA`, a subset of GitHub's published schema written here; the contract
tests check that every type, field and argument in it exists in `@octokit/graphql-schema` with
the same type. The endpoint answers 404, as a server without GraphQL would (clients fall back to
REST), until switched on (`GitHubSimulator.graphql_enabled = True`).

Errors come back with status 200 as `{"data": ..., "errors": [{"type": ..., "message": ...}]}`, as
GitHub sends them; validation errors carry graphql-core's wording, not GitHub's.
"""

from __future__ import annotations

import base64
from typing import Any

import graphql

from .errors import ApiError, not_found
from .model import Issue, User
from .render import iso
from .state import MAX_ASSIGNEES, RepoState, Store

SCHEMA_SDL = """
scalar DateTime
scalar URI

interface Node {
  id: ID!
}

interface Actor {
  login: String!
  url: URI!
}

type User implements Actor & Node {
  id: ID!
  login: String!
  url: URI!
}

type Bot implements Actor & Node {
  id: ID!
  login: String!
  url: URI!
}

type Organization implements Actor & Node {
  id: ID!
  login: String!
  url: URI!
}

type Repository implements Node {
  id: ID!
  name: String!
  nameWithOwner: String!
}

type Label implements Node {
  id: ID!
  name: String!
  color: String!
  description: String
}

enum MilestoneState {
  CLOSED
  OPEN
}

type Milestone implements Node {
  id: ID!
  number: Int!
  title: String!
  state: MilestoneState!
  dueOn: DateTime
  description: String
}

enum IssueState {
  CLOSED
  OPEN
}

type UserConnection {
  nodes: [User]
  totalCount: Int!
}

type LabelConnection {
  nodes: [Label]
  totalCount: Int!
}

type IssueComment implements Node {
  id: ID!
  databaseId: Int
  body: String!
  author: Actor
  createdAt: DateTime!
  updatedAt: DateTime!
}

type IssueCommentConnection {
  nodes: [IssueComment]
  totalCount: Int!
}

type Issue implements Node {
  id: ID!
  databaseId: Int
  number: Int!
  title: String!
  body: String!
  url: URI!
  state: IssueState!
  createdAt: DateTime!
  updatedAt: DateTime!
  closedAt: DateTime
  author: Actor
  repository: Repository!
  assignees(after: String, before: String, first: Int, last: Int): UserConnection!
  labels(after: String, before: String, first: Int, last: Int): LabelConnection
  milestone: Milestone
  parent: Issue
  comments(after: String, before: String, first: Int, last: Int): IssueCommentConnection!
}

input CreateIssueInput {
  assigneeIds: [ID!]
  body: String
  clientMutationId: String
  labelIds: [ID!]
  milestoneId: ID
  parentIssueId: ID
  repositoryId: ID!
  title: String!
}

type CreateIssuePayload {
  clientMutationId: String
  issue: Issue
}

type Query {
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
}

type Mutation {
  createIssue(input: CreateIssueInput!): CreateIssuePayload
}
"""


# How a server without GraphQL answers a POST to the GraphQL URL: GitHub's JSON 404 (GitHub
# Enterprise Server with GraphQL off), a JSON 405 or 501 (other servers), or "html": 200 with a
# web page, as the catch-all route of a web application does.
OFF_ANSWERS = ("404", "405", "501", "html")
OFF_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Not here</title></head>"
    "<body><p>There is nothing at this address.</p></body></html>\n"
)


class GraphQLFailure(Exception):
    """A GraphQL error of GitHub's kind: `type` is NOT_FOUND, FORBIDDEN, UNPROCESSABLE, ..."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def graphql_path(rest_prefix: str) -> str:
    """Where PyGithub sends GraphQL for a REST prefix: `/api/v3` -> `/api/graphql`."""
    prefix = rest_prefix.rstrip("/")
    if prefix.endswith("/v3"):
        prefix = prefix[: -len("/v3")]
    return prefix + "/graphql"


def decode_node_id(node_id: Any) -> tuple[str, int] | None:
    """("Issue", 10000042) from the legacy node id "MDU6SXNzdWUxMDAwMDA0Mg==", else None."""
    if not isinstance(node_id, str):
        return None
    try:
        text = base64.b64decode(node_id, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    head, _, rest = text.partition(":")
    if not head.startswith("0") or not head[1:].isdigit():
        return None
    size = int(head[1:])
    kind, ident = rest[:size], rest[size:]
    return (kind, int(ident)) if len(kind) == size and ident.isdigit() else None


class GraphQLApi:
    """Executes documents against the store; `parent_issue_field=False` plays an older GitHub
    Enterprise Server whose `CreateIssueInput` has no `parentIssueId`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Off by default, so tests that count REST writes keep their meaning; tests of the
        # GraphQL path, the benchmark and `pmflow demo` switch it on.
        self.enabled = False
        self.parent_issue_field = True
        self.off_answer = "404"  # how the URL answers while off: one of OFF_ANSWERS
        self._schemas: dict[bool, Any] = {}

    def unavailable(self) -> ApiError:
        """The JSON error a server without GraphQL answers (see `off_answer`)."""
        if self.off_answer == "405":
            return ApiError(405, "Method Not Allowed")
        if self.off_answer == "501":
            return ApiError(501, "Not Implemented")
        return not_found()

    def _schema(self) -> Any:
        key = self.parent_issue_field
        if key not in self._schemas:
            sdl = SCHEMA_SDL
            if not key:
                sdl = sdl.replace("  parentIssueId: ID\n", "")
            schema = graphql.build_schema(sdl)
            fields = {
                name: schema.type_map[name].fields  # type: ignore[attr-defined]
                for name in ("Mutation", "Query", "Issue")
            }
            fields["Mutation"]["createIssue"].resolve = self._create_issue
            fields["Query"]["node"].resolve = self._node
            fields["Query"]["nodes"].resolve = self._nodes
            for connection in ("assignees", "labels", "comments"):
                fields["Issue"][connection].resolve = _connection(connection)
            self._schemas[key] = schema
        return self._schemas[key]

    def execute(self, body: Any, actor: User, api_url: str, web_url: str) -> dict[str, Any]:
        """The JSON answer (status 200) to a POST of `body`, as GitHub gives it."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise ApiError(400, "Problems parsing JSON")
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return {"errors": [{"message": "Variables are invalid JSON."}]}
        context = {"actor": actor, "api": api_url, "web": web_url}
        result = graphql.graphql_sync(
            self._schema(),
            body["query"],
            variable_values=variables,
            operation_name=body.get("operationName"),
            context_value=context,
        )
        out: dict[str, Any] = {}
        if result.data is not None or result.errors is None:
            out["data"] = result.data
        if result.errors:
            out["errors"] = [_error_json(e) for e in result.errors]
        return out

    # --- resolvers -------------------------------------------------------------------------

    def _find(self, node_id: Any, kind: str) -> Any:
        """The stored object of a node id, checked to be of `kind`."""
        decoded = decode_node_id(node_id)
        found: Any = None
        if decoded is not None and decoded[0] == kind:
            ident = decoded[1]
            store = self.store
            if kind == "Issue":
                where = store.issue_by_id(ident)
                found = where
            elif kind == "Repository":
                key = store.repo_ids.get(ident)
                found = store.repos[key] if key else None
            elif kind == "User":
                found = next((u for u in store.users.values() if u.id == ident), None)
            elif kind in ("Label", "Milestone"):
                for rs in store.repos.values():
                    items = rs.labels.values() if kind == "Label" else rs.milestones.values()
                    hit = next((x for x in items if x.id == ident), None)
                    if hit is not None:
                        found = (rs, hit)
                        break
        if found is None:
            raise GraphQLFailure(
                "NOT_FOUND", f"Could not resolve to a node with the global id of '{node_id}'."
            )
        return found

    def _create_issue(self, _root: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        store = self.store
        actor: User = info.context["actor"]
        with store.lock:
            rs: RepoState = self._find(input["repositoryId"], "Repository")
            title = input["title"]
            if not title.strip():
                raise GraphQLFailure("UNPROCESSABLE", "Title can't be blank")
            body = input.get("body")
            if body is not None and len(body) > 65_536:
                raise GraphQLFailure(
                    "UNPROCESSABLE", "Body is too long (maximum is 65536 characters)"
                )
            assignees: list[str] = []
            for node_id in input.get("assigneeIds") or ():
                user: User = self._find(node_id, "User")
                spelled = store.assignable(rs, user.login)
                if spelled is None:
                    raise GraphQLFailure(
                        "UNPROCESSABLE", f"{user.login} cannot be assigned to this issue"
                    )
                if spelled not in assignees:
                    assignees.append(spelled)
            if len(assignees) > MAX_ASSIGNEES:
                raise GraphQLFailure("UNPROCESSABLE", "Too many assignees")
            labels = []
            for node_id in input.get("labelIds") or ():
                where, label = self._find(node_id, "Label")
                if where is not rs:
                    raise GraphQLFailure("NOT_FOUND", f"Could not resolve label '{node_id}'.")
                labels.append(label.name)
            milestone = None
            if input.get("milestoneId") is not None:
                where, found = self._find(input["milestoneId"], "Milestone")
                if where is not rs:
                    raise GraphQLFailure("NOT_FOUND", "Could not resolve the milestone.")
                milestone = found.number
            parent: Issue | None = None
            if input.get("parentIssueId") is not None:
                _, parent = self._find(input["parentIssueId"], "Issue")
            if not store.can_push(rs, actor.login):
                labels, assignees, milestone = [], [], None
            if parent is not None:
                # Check the sub-issue rules before creating: a refused link creates nothing.
                probe = Issue(
                    rs.repo.full_name,
                    0,
                    -1,
                    "",
                    title,
                    actor.login,
                    store.clock.now(),
                    store.clock.now(),
                )
                try:
                    store.add_sub_issue(parent, probe, False)
                except ApiError as error:
                    errors = error.body().get("errors") or [{}]
                    message = errors[0].get("message") or error.body().get("message")
                    raise GraphQLFailure("UNPROCESSABLE", str(message)) from error
                parent.sub_issue_ids.remove(probe.id)
            issue = store.add_issue(
                rs,
                title,
                actor.login,
                body=body,
                labels=labels,
                assignees=assignees,
                milestone=milestone,
            )
            if parent is not None:
                store.add_sub_issue(parent, issue, False)
            return {
                "clientMutationId": input.get("clientMutationId"),
                "issue": self._issue(rs, issue, info.context),
            }

    def _node(self, _root: Any, info: Any, id: str) -> dict[str, Any] | None:
        decoded = decode_node_id(id)
        if decoded is None:
            raise GraphQLFailure(
                "NOT_FOUND", f"Could not resolve to a node with the global id of '{id}'."
            )
        kind = decoded[0]
        with self.store.lock:
            if kind == "Issue":
                rs, issue = self._find(id, "Issue")
                return self._issue(rs, issue, info.context)
            if kind == "User":
                return self._user(self._find(id, "User"), info.context)
            if kind == "Repository":
                return _repository(self._find(id, "Repository"))
        raise GraphQLFailure(
            "NOT_FOUND", f"Could not resolve to a node with the global id of '{id}'."
        )

    def _nodes(self, root: Any, info: Any, ids: list[str]) -> list[Any]:
        return [self._node(root, info, node_id) for node_id in ids]

    # --- shapes ----------------------------------------------------------------------------

    def _user(self, user: User | None, context: dict[str, Any]) -> dict[str, Any] | None:
        if user is None:
            return None
        kind = (
            "Bot"
            if user.type == "Bot"
            else "Organization"
            if user.type == "Organization"
            else "User"
        )
        login = user.login
        if kind == "Bot":
            login = login.removesuffix("[bot]")  # GraphQL names apps without REST's suffix
        return {
            "__typename": kind,
            "id": user.node_id,
            "login": login,
            "url": f"{context['web']}/{user.login}",
        }

    def _issue(self, rs: RepoState, issue: Issue, context: dict[str, Any]) -> dict[str, Any]:
        store = self.store
        milestone = rs.milestones.get(issue.milestone) if issue.milestone else None
        parent = store.issue_by_id(issue.parent_id) if issue.parent_id else None
        labels = [rs.labels[n.lower()] for n in issue.labels if n.lower() in rs.labels]
        comments = [c for c in rs.comments.values() if c.issue_number == issue.number]
        return {
            "__typename": "Issue",
            "id": issue.node_id,
            "databaseId": issue.id,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body or "",
            "url": f"{context['web']}/{rs.repo.full_name}/issues/{issue.number}",
            "state": issue.state.upper(),
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "closedAt": iso(issue.closed_at),
            "author": self._user(store.user(issue.author), context),
            "repository": _repository(rs),
            "assignees": [self._user(store.user(a), context) for a in issue.assignees],
            "labels": [
                {
                    "__typename": "Label",
                    "id": label.node_id,
                    "name": label.name,
                    "color": label.color,
                    "description": label.description,
                }
                for label in labels
            ],
            "milestone": (
                {
                    "__typename": "Milestone",
                    "id": milestone.node_id,
                    "number": milestone.number,
                    "title": milestone.title,
                    "state": milestone.state.upper(),
                    "dueOn": iso(milestone.due_on),
                    "description": milestone.description,
                }
                if milestone
                else None
            ),
            "comments": [
                {
                    "__typename": "IssueComment",
                    "id": c.node_id,
                    "databaseId": c.id,
                    "body": c.body,
                    "author": self._user(store.user(c.author), context),
                    "createdAt": iso(c.created_at),
                    "updatedAt": iso(c.updated_at),
                }
                for c in comments
            ],
            "parent": self._issue(*parent, context)
            if parent and self.store.sub_issues_enabled
            else None,
        }


def _repository(rs: RepoState) -> dict[str, Any]:
    return {
        "__typename": "Repository",
        "id": rs.repo.node_id,
        "name": rs.repo.name,
        "nameWithOwner": rs.repo.full_name,
    }


def _connection(name: str) -> Any:
    def resolve(
        parent: dict[str, Any],
        _info: Any,
        first: int | None = None,
        last: int | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        if first is None and last is None:
            raise GraphQLFailure(
                "MISSING_PAGINATION_BOUNDARIES",
                f"You must provide a `first` or `last` value to properly paginate the `{name}` "
                "connection.",
            )
        items = parent[name]
        for bound in (first, last):
            if bound is not None and not 0 <= bound <= 100:
                raise GraphQLFailure(
                    "UNPROCESSABLE",
                    f"Requesting {bound} records on the `{name}` connection exceeds the `first` "
                    "limit of 100 records.",
                )
        chosen = items[:first] if first is not None else items[-last:] if last else []
        return {"nodes": chosen, "totalCount": len(items)}

    return resolve


def _error_json(error: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    original = getattr(error, "original_error", None)
    if isinstance(original, GraphQLFailure):
        out["type"] = original.kind
    if error.path:
        out["path"] = list(error.path)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["message"] = error.message
    return out
