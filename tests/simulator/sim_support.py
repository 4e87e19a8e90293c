"""Helpers for the simulator's tests: PyGithub set-up, contract data and schema validation."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pmflow.simulator import GitHubSimulator

TOKEN = "ghp_simulated_token_0001"

OPENAPI = ("@octokit/openapi@23.0.2", "octokit-openapi-23.0.2.tgz")
OPENAPI_SHA256 = "71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c"
FIXTURES = ("@octokit/fixtures@23.1.2", "octokit-fixtures-23.1.2.tgz")
FIXTURES_SHA256 = "5a9b0221d7c18f593dc57b5f292e946e8cadfac2b0d4578b38d7e9bd63836c64"
SPEC_MEMBER = "package/generated/api.github.com.json"
SCENARIOS = "package/scenarios/api.github.com/"
SPEC_URI = "urn:github-openapi"


def make_github(sim: GitHubSimulator, token: str = TOKEN, **kwargs: Any) -> Github:
    """PyGithub as pmflow's tests use it: no pacing, and (unless asked) no retries."""
    kwargs.setdefault("retry", None)
    return Github(
        base_url=sim.api_url,
        auth=Auth.Token(token),
        seconds_between_requests=None,
        seconds_between_writes=None,
        **kwargs,
    )


# --- third-party contract data, fetched at test time ------------------------------------------


def _cache_dir() -> Path:
    return Path(os.environ.get("PMFLOW_CACHE") or Path.home() / ".cache" / "pmflow-contract")


def _unavailable(reason: str) -> None:
    if os.environ.get("PMFLOW_REQUIRE_CONTRACT"):
        pytest.fail(f"contract data unavailable: {reason}")
    pytest.skip(f"contract data unavailable ({reason}); install npm to run the contract tests")


def _npm_pack(spec: str, tarball: str, sha256: str) -> Path:
    cache = _cache_dir()
    path = cache / tarball
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed")
        cache.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [npm, "pack", spec, "--pack-destination", str(cache)],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            detail = getattr(e, "stderr", b"") or b""
            _unavailable(f"`npm pack {spec}` failed: {detail.decode(errors='replace')[-300:]}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        path.unlink()
        pytest.fail(f"{tarball} has sha256 {digest}, expected {sha256}; removed, run again")
    return path


def _extract(tarball: Path, wanted: str, into: Path) -> None:
    """Extract the members under `wanted` (a file or a folder prefix), once."""
    done = into / ".extracted"
    if done.exists():
        return
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(wanted)]
        tar.extractall(into, members=members, filter="data")
    done.touch()


def load_openapi() -> OpenApi:
    tarball = _npm_pack(*OPENAPI, OPENAPI_SHA256)
    into = _cache_dir() / "octokit-openapi-23.0.2"
    _extract(tarball, SPEC_MEMBER, into)
    with open(into / SPEC_MEMBER, encoding="utf-8") as f:
        return OpenApi(json.load(f))


def load_recorded() -> Recorded:
    tarball = _npm_pack(*FIXTURES, FIXTURES_SHA256)
    into = _cache_dir() / "octokit-fixtures-23.1.2"
    _extract(tarball, SCENARIOS, into)
    return Recorded(into / SCENARIOS)


class Recorded:
    """Octokit's recorded scenarios (`normalized-fixture.json`, `raw-fixture.json`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def normalized(self, scenario: str) -> list[dict[str, Any]]:
        with open(self.root / scenario / "normalized-fixture.json", encoding="utf-8") as f:
            return json.load(f)

    def raw(self, scenario: str) -> list[dict[str, Any]]:
        """The scenario's own exchanges (setup and teardown calls left out), with headers."""
        with open(self.root / scenario / "raw-fixture.json", encoding="utf-8") as f:
            exchanges = json.load(f)
        out = []
        for e in exchanges:
            if e.get("reqheaders", {}).get("x-octokit-fixture-ignore"):
                continue
            flat = e.get("rawHeaders", [])
            e["headers"] = {k.lower(): v for k, v in zip(flat[::2], flat[1::2], strict=True)}
            out.append(e)
        return out


# --- the OpenAPI description as JSON Schema -------------------------------------------------


def to_json_schema(node: Any) -> Any:
    """OAS 3.0 -> JSON Schema 2020-12, as the subset's README says: `nullable: true` adds
    "null" to `type` and None to `enum` (or wraps a type-less schema in anyOf with null), and
    local `$ref`s point into the registry's copy of the document."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out["$ref"] = SPEC_URI + ref
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else out["type"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class OpenApi:
    """Operations of GitHub's description, and validators for their bodies."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        components = to_json_schema(spec["components"])
        self.doc = {"components": components}
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self._ops: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self._ops.append((method.upper(), pattern, template, op))
        # Literal segments beat parameters: /issues/comments before /issues/{issue_number}.
        self._ops.sort(key=lambda o: o[2].count("{"))

    def operation(self, method: str, path: str) -> dict[str, Any]:
        path = re.sub(r"^/repositories/\d+", "/repos/{owner}/{repo}", path)
        for m, pattern, _template, op in self._ops:
            if m == method and pattern.match(path):
                return op
        raise KeyError(f"no operation for {method} {path}")

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def response_schema(self, op: dict[str, Any], status: int) -> dict[str, Any] | None:
        """The JSON schema of the operation's answer with this status (None: no body)."""
        responses = op["responses"]
        if str(status) not in responses:
            raise AssertionError(f"{op['operationId']} documents no {status} response")
        response = self._resolve(responses[str(status)])
        content = response.get("content", {}).get("application/json")
        return to_json_schema(content["schema"]) if content else None

    def request_schema(self, op: dict[str, Any]) -> dict[str, Any] | None:
        body = op.get("requestBody")
        if body is None:
            return None
        content = self._resolve(body)["content"].get("application/json")
        return to_json_schema(content["schema"]) if content else None

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=FormatChecker()
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in validator.iter_errors(instance)
        ]

    def component(self, name: str) -> dict[str, Any]:
        return {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
