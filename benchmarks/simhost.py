"""The simulator in a child process, so that the client's CPU time and memory are its own.

`SimHost` forks a process that runs a `GitHubSimulator` and answers calls sent over a pipe:
`host.call("set_now", when)` runs `sim.set_now(when)` there; `host.call("stats")` and friends
run the helpers below, which summarise the request log instead of shipping it whole.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import traceback
from typing import Any

from seed import REPO, RepoSpec, seed_simulator

from pmflow.simulator import GitHubSimulator


def _is_graphql(path: str) -> bool:
    return path.endswith("/graphql")


def stats(sim: GitHubSimulator) -> dict[str, Any]:
    """Counts of the request log: reads, 304s, writes, and the order of reads and writes."""
    reads = not_modified = writes = errors = graphql = 0
    sequence = []
    kinds: dict[str, int] = {}
    for r in sim.requests:
        query = (r.json or {}).get("query", "") if isinstance(r.json, dict) else ""
        graphql_read = _is_graphql(r.path) and query.lstrip().startswith(("query", "{"))
        write = r.is_write and not graphql_read
        if _is_graphql(r.path):
            graphql += 1
        if r.status >= 400 or r.status == 0:
            errors += 1
        if write:
            writes += 1
            sequence.append("W")
        elif r.not_modified:
            not_modified += 1
            sequence.append("N")
        else:
            reads += 1
            sequence.append("R")
        key = f"{r.method} {_shape(r.path)}"
        kinds[key] = kinds.get(key, 0) + 1
    return {
        "reads": reads,
        "not_modified": not_modified,
        "writes": writes,
        "errors": errors,
        "graphql": graphql,
        "sequence": "".join(sequence),
        "by_route": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
    }


def _shape(path: str) -> str:
    parts = ["{n}" if p.isdigit() else p for p in path.split("/")]
    text = "/".join(parts)
    return text.replace(f"/repos/{REPO}", "/repos/{o}/{r}")


def _issue_rows(sim: GitHubSimulator) -> tuple[list[tuple[Any, ...]], dict[int, Any]]:
    """Every issue as a user sees it (no ids, no times), and the milestones by number."""
    milestones = {m.number: (m.title, str(m.due_on)) for m in sim.milestones(REPO)}
    issues = [
        (
            i.number,
            i.title,
            i.body,
            i.state,
            sorted(i.labels),
            sorted(i.assignees),
            milestones.get(i.milestone) if i.milestone else None,
            sim.parent(REPO, i.number),
        )
        for i in sim.issues(REPO)
    ]
    return issues, milestones


def _comment_rows(sim: GitHubSimulator) -> list[tuple[int, str, str]]:
    return sorted((c.issue_number, c.author, c.body) for c in sim.comments(REPO))


def digest(sim: GitHubSimulator) -> dict[str, Any]:
    """What a user sees, without ids and times: two clients that did the same work match."""
    issues, milestones = _issue_rows(sim)
    comments = _comment_rows(sim)
    labels = sorted(label.name for label in sim.labels(REPO))
    text = json.dumps([issues, comments, labels, sorted(milestones.values())], default=str)
    return {
        "sha256": hashlib.sha256(text.encode()).hexdigest()[:16],
        "issues": len(issues),
        "comments": len(comments),
        "milestones": len(milestones),
    }


def digest_full(sim: GitHubSimulator) -> list[Any]:
    issues, _ = _issue_rows(sim)
    return [*issues, *_comment_rows(sim)]


def issue_body(sim: GitHubSimulator, number: int) -> str:
    return sim.issue(REPO, number).body or ""


def edit_body(sim: GitHubSimulator, number: int, old: str, new: str) -> None:
    body = issue_body(sim, number)
    assert old in body, (number, old)
    sim.edit_issue(REPO, number, body=body.replace(old, new, 1), actor="carol")


def comment_count(sim: GitHubSimulator) -> int:
    return len(sim.comments(REPO))


def set_latency(sim: GitHubSimulator, seconds: float) -> None:
    sim.latency = seconds


def set_graphql(sim: GitHubSimulator, on: bool) -> None:
    sim.graphql_enabled = on


def seed(sim: GitHubSimulator, spec: RepoSpec) -> None:
    seed_simulator(sim, spec)


HELPERS = {
    f.__name__: f
    for f in (
        stats,
        digest,
        digest_full,
        issue_body,
        edit_body,
        comment_count,
        set_latency,
        set_graphql,
        seed,
    )
}


def _serve(conn: Any) -> None:
    with GitHubSimulator() as sim:
        conn.send(sim.api_url)
        while True:
            message = conn.recv()
            if message is None:
                break
            name, args, kwargs = message
            try:
                helper = HELPERS.get(name)
                result = helper(sim, *args, **kwargs) if helper else getattr(sim, name)(*args)
                conn.send(("ok", result))
            except Exception as error:  # sent back and raised in the parent
                conn.send(("error", f"{error!r}\n{traceback.format_exc()}"))


class SimHost:
    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.api_url: str = self._conn.recv()

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        status, result = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"simulator call {name} failed: {result}")
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=10)

    def __enter__(self) -> SimHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
