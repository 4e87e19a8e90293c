"""Contract: pmflow's GraphQL documents and the simulator's GraphQL API against GitHub's schema.

GitHub's published schema comes from `@octokit/graphql-schema` (npm, pinned), fetched at test
time into the contract cache like the OpenAPI description. Checked here: pmflow's documents and
variables are valid for GitHub; every type, field and argument of the simulator's schema exists in
GitHub's with the same type; the simulator's answers to pmflow's documents are answers GitHub's
schema allows.
"""

from __future__ import annotations

import tarfile
from typing import Any

import pytest
from sim_support import TOKEN, _cache_dir, _npm_pack, make_github

from pmflow import graphql as documents
from pmflow.simulator import GitHubSimulator
from pmflow.simulator.graphql_api import SCHEMA_SDL

graphql = pytest.importorskip("graphql", reason="graphql-core is in the test extra")

SCHEMA = ("@octokit/graphql-schema@15.26.1", "octokit-graphql-schema-15.26.1.tgz")
SCHEMA_SHA256 = "053e74249dafce2118fd9b7ae499b067d57c5f910c57745699ac45108bc68d1e"
MEMBER = "package/schema.graphql"


@pytest.fixture(scope="module")
def github_schema() -> Any:
    tarball = _npm_pack(*SCHEMA, SCHEMA_SHA256)
    into = _cache_dir() / "octokit-graphql-schema-15.26.1"
    if not (into / MEMBER).exists():
        with tarfile.open(tarball) as tar:
            tar.extractall(into, members=[tar.getmember(MEMBER)], filter="data")
    # The published SDL defines two fields of EnterpriseOwnerInfo twice (identically), which
    # graphql-core's SDL validation refuses; the rest of the document is used as it is.
    sdl = (into / MEMBER).read_text(encoding="utf-8")
    return graphql.build_schema(sdl, assume_valid_sdl=True)


@pytest.fixture(scope="module")
def ours() -> Any:
    return graphql.build_schema(SCHEMA_SDL)


DOCUMENTS = {"createIssue": documents.CREATE_ISSUE, "comments": documents.ISSUE_COMMENTS}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_pmflows_documents_are_valid_for_github(github_schema: Any, name: str) -> None:
    errors = graphql.validate(github_schema, graphql.parse(DOCUMENTS[name]))
    assert errors == [], [e.message for e in errors]


def test_pmflows_create_issue_variables_are_valid_for_github(github_schema: Any) -> None:
    from graphql.execution.values import get_variable_values

    operation = graphql.parse(documents.CREATE_ISSUE).definitions[0]
    variables = documents.create_issue_input(
        "R_kgDOrepo",
        "Add alerting for p95 latency",
        "body",
        parent_id="I_kwDOparent",
        assignee_ids=["U_kgDOalice"],
        label_ids=["LA_kwDOlabel"],
        milestone_id="MI_kwDOmilestone",
    )
    coerced = get_variable_values(github_schema, operation.variable_definitions, variables)
    assert isinstance(coerced, dict), [e.message for e in coerced]


def _type_text(field_type: Any) -> str:
    return str(field_type)


def test_the_simulators_schema_is_a_subset_of_githubs(github_schema: Any, ours: Any) -> None:
    problems = []
    for name, ours_type in ours.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Boolean", "ID", "Float"):
            continue
        theirs = github_schema.type_map.get(name)
        if theirs is None or type(theirs) is not type(ours_type):
            problems.append(f"type {name}: not in GitHub's schema as {type(ours_type).__name__}")
            continue
        if isinstance(ours_type, graphql.GraphQLEnumType):
            missing = set(ours_type.values) - set(theirs.values)
            problems += [f"{name}.{value}: no such enum value" for value in sorted(missing)]
        fields = getattr(ours_type, "fields", None) or {}
        for field_name, field in fields.items():
            other = theirs.fields.get(field_name)
            if other is None:
                problems.append(f"{name}.{field_name}: no such field")
                continue
            if _type_text(field.type) != _type_text(other.type):
                problems.append(f"{name}.{field_name}: {field.type} here, {other.type} at GitHub")
            for arg_name, arg in getattr(field, "args", {}).items():
                their_arg = other.args.get(arg_name)
                if their_arg is None or _type_text(arg.type) != _type_text(their_arg.type):
                    problems.append(f"{name}.{field_name}({arg_name}: {arg.type}): not GitHub's")
        for interface in getattr(ours_type, "interfaces", ()):
            if interface.name not in {i.name for i in theirs.interfaces}:
                problems.append(f"{name} implements {interface.name}: not at GitHub")
    assert problems == []


def _answer_is_allowed(schema: Any, document: str, variables: dict, data: dict) -> list[str]:
    """Execute the document against GitHub's schema with the simulator's answer as the root:
    each value must have the type GitHub's schema gives its field (non-null, enums, lists)."""

    def type_of(value: dict, _info: Any, _abstract: Any) -> str:
        # pmflow's documents do not ask for __typename: an actor is a User, a node an Issue.
        return value.get("__typename") or ("Issue" if "number" in value else "User")

    result = graphql.execute(
        schema,
        graphql.parse(document),
        root_value=data,
        variable_values=variables,
        type_resolver=type_of,
    )
    return [e.message for e in result.errors or ()]


def test_the_simulators_answers_are_githubs_shapes(github_schema: Any) -> None:
    with GitHubSimulator() as sim:
        sim.graphql_enabled = True
        sim.add_user("bot", token=TOKEN)
        sim.add_user("alice")
        sim.add_repo("acme/web", collaborators=["alice", "bot"])
        label = sim.add_label("acme/web", "postmortem-action")
        milestone = sim.add_milestone("acme/web", "Post-mortem #1")
        parent = sim.add_issue("acme/web", "Post-mortem", body="...")
        sim.add_comment("acme/web", parent.number, "a comment", author="alice")
        gh = make_github(sim)
        alice = gh.get_user("alice")
        repo = gh.get_repo("acme/web")
        variables = documents.create_issue_input(
            repo.node_id,
            "Add alerting",
            "body",
            parent_id=parent.node_id,
            assignee_ids=[alice.node_id],
            label_ids=[label.node_id],
            milestone_id=milestone.node_id,
        )
        _, created = gh.requester.graphql_query(documents.CREATE_ISSUE, variables)
        assert "errors" not in created
        issue = created["data"]["createIssue"]["issue"]
        assert issue["parent"] == {"number": parent.number}
        assert sim.parent("acme/web", issue["number"]) == parent.number
        assert issue["milestone"]["number"] == milestone.number
        errors = _answer_is_allowed(
            github_schema, documents.CREATE_ISSUE, variables, created["data"]
        )
        assert errors == []

        ids = {"ids": [parent.node_id, issue["id"]]}
        _, comments = gh.requester.graphql_query(documents.ISSUE_COMMENTS, ids)
        nodes = comments["data"]["nodes"]
        assert [n["comments"]["totalCount"] for n in nodes] == [1, 0]
        assert documents.comments_shape(nodes[0])[0]["user"] == {"login": "alice"}
        errors = _answer_is_allowed(github_schema, documents.ISSUE_COMMENTS, ids, comments["data"])
        assert errors == []


def test_a_missing_node_is_githubs_not_found() -> None:
    with GitHubSimulator() as sim:
        sim.graphql_enabled = True
        sim.add_user("bot", token=TOKEN)
        sim.add_repo("acme/web")
        gh = make_github(sim)
        variables = documents.create_issue_input(
            "MDEwOlJlcG9zaXRvcnkx",
            "t",
            "b",
            parent_id=None,
            assignee_ids=[],
            label_ids=[],
            milestone_id=None,
        )
        with pytest.raises(Exception) as raised:
            gh.requester.graphql_query(documents.CREATE_ISSUE, variables)
        data = raised.value.data  # type: ignore[attr-defined]
        assert documents.error_types(data) == ["NOT_FOUND"]
        assert data["data"] == {"createIssue": None}
