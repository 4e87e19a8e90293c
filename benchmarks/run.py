"""pmflow's performance benchmark: requests, time and memory at the scale of a busy repository.

    .venv/bin/python benchmarks/run.py              # 200 post-mortems x 5 actions, 100 ms latency
    .venv/bin/python benchmarks/run.py --quick      # 40 post-mortems, 2,000 bodies: a minute
    .venv/bin/python benchmarks/run.py --latency 0  # skip the pass with simulated latency

It seeds the GitHub simulator (in a child process, over real HTTP on 127.0.0.1) with a synthetic
repository (`seed.py`), runs the real CLI in this process for each scenario, and does the same
with a naive one-request-per-issue client (`naive.py`) for comparison. It prints a table and writes
the figures as JSON to benchmarks/results/<timestamp>.json and benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from click.testing import CliRunner
from naive import naive_run, naive_sync
from seed import ASSIGNABLE, BOT, REPO, TOKEN, RepoSpec, repository
from simhost import SimHost

from pmflow.cli import main
from pmflow.config import load
from pmflow.followthrough import Clock
from pmflow.model import IssueState
from pmflow.plan import PostMortem, RepoFacts, plan_postmortem
from pmflow.render import Renderer
from pmflow.sync import advice_for, read_report

RESULTS = Path(__file__).resolve().parent / "results"
PAGE = 100
MAX_WRITES = 1_000_000
GITHUB_SECONDS_BETWEEN_REQUESTS = 0.25
GITHUB_SECONDS_BETWEEN_WRITES = 1.0
GITHUB_LATENCY = 0.1  # per request, for the estimate of a run against GitHub with pacing on

MINIMUM_DEFINITION = (
    "Minimum = the pages any correct client must list (100 items a page; an empty listing is "
    "one page) plus the writes the scenario requires, from the seed's ground truth. Reads: "
    "1 to identify the token's user; the post-mortem listing; the action-issue listing; in a "
    "first sync the label and milestone listings and the assignees listing (one page, fewer "
    "than checking each owner); for `run`, the repository's comments in the follow-through "
    "window; for `sync --issue N`, the issue and its sub-issues (plus its comments if pmflow "
    "reports problems on it). Verifying "
    "an unchanged problems comment in a quiet rerun is not counted (issue 8's figure of 13), "
    "but looking again at owners who could not be assigned is (one assignees page; one check "
    "in scenario 4), as pmflow promises to assign them once they can be. Not reads: the "
    "re-read of each post-mortem right before its checklist is rewritten (pmflow's "
    "loses-nothing guarantee), which asks whether it changed since the listing and is "
    "answered 304, free of rate limit, when it did not (the 304 column). "
    "Writes: in a first sync, the action label, one milestone per post-mortem, one create per "
    "action (with the sub-issue link in the same GraphQL mutation), one checklist rewrite per "
    "post-mortem, and a comment plus a label on each post-mortem with problems; a week later, "
    "one status comment per open post-mortem; nothing in a quiet rerun or in scenario 4. "
    "Client `rest` (PMFLOW_GRAPHQL=0): the same, except that a first sync reads no repository "
    "node id and writes one sub-issue link per action after its create."
)


def pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE))


# --- the minimum, from the seed --------------------------------------------------------------


def followup_due(pm, today: dt.date) -> bool:
    start = pm.meeting_date or pm.created_at.date()
    return start + dt.timedelta(days=21) <= today


def nudge_due(pm, now: dt.datetime) -> bool:
    if pm.meeting_date is not None:
        return False
    hours = {"Operational incident": 72, "Project or delivery failure": 24 * 7}.get(
        pm.incident_type
    )
    start = dt.datetime.combine(pm.incident_date, dt.time(), dt.UTC)
    return hours is not None and now >= start + dt.timedelta(hours=hours)


def expected_comments_after_setup(spec: RepoSpec) -> int:
    """Comments once the first sync and the first weekly run are done (all in the window)."""
    setup = spec.t0 + dt.timedelta(hours=1)
    problems = sum(pm.has_problems for pm in spec.postmortems)
    status = len(spec.postmortems)
    followups = sum(followup_due(pm, setup.date()) for pm in spec.postmortems)
    nudges = sum(nudge_due(pm, setup) for pm in spec.postmortems)
    return problems + status + followups + nudges


def minimum(
    spec: RepoSpec, scenario: str, issue: int | None = None, *, rest: bool = False
) -> dict[str, Any]:
    """The minimum of a scenario; `rest`: for a client that creates through REST only, which
    links each action issue with a write of its own and needs no repository node id."""
    P = len(spec.postmortems)
    A = spec.action_count
    with_problems = sum(pm.has_problems for pm in spec.postmortems)
    assignable_users = 1 + 1 + 11  # the repository owner, the bot and the collaborators
    after_setup = expected_comments_after_setup(spec)
    unassignable = any(pm.unassignable_owners for pm in spec.postmortems)
    if scenario == "1":
        reads = {
            "identify the token's user": 1,
            "post-mortem listing": pages(P),
            "action-issue listing (empty)": 1,
            "labels": 1,
            "milestones (none yet)": 1,
            "assignees": min(len(spec.owners), pages(assignable_users)),
        }
        if not rest:
            reads["the repository's node id (for GraphQL's createIssue)"] = 1
        writes = {
            "action label": 1,
            "milestones": P,
            "checklist rewrites": P,
            "problems comments and labels": 2 * with_problems,
        }
        if rest:
            writes["action issues (REST create)"] = A
            writes["sub-issue links (one REST write each)"] = A
        else:
            writes["action issues (linked in the create)"] = A
    elif scenario == "2":
        reads = {
            "identify the token's user": 1,
            "post-mortem listing": pages(P),
            "action-issue listing": pages(A),
            "comments in the follow-through window": pages(after_setup),
        }
        writes = {"weekly status comments": P}
    elif scenario == "3":
        reads = {
            "identify the token's user": 1,
            "post-mortem listing": pages(P),
            "action-issue listing": pages(A),
        }
        writes = {}
    elif scenario == "3b":
        reads = {
            "identify the token's user": 1,
            "post-mortem listing": pages(P),
            "action-issue listing": pages(A),
            "comments in the follow-through window": pages(after_setup + P),
        }
        writes = {}
    else:  # "4a", "4b": sync --issue N, nothing changed for N
        pm = spec.postmortems[issue - 1]  # type: ignore[operator]
        reads = {"identify the token's user": 1, "the issue": 1, "its sub-issues": 1}
        if pm.has_problems:
            reads["its comments (the problems comment)"] = 1
        if pm.unassignable_owners:
            reads["recheck its owners who could not be assigned"] = 1
        writes = {}
    if scenario in ("2", "3", "3b") and unassignable:
        # "pmflow assigns them on its next run": each run looks again (one assignees page).
        reads["recheck owners who could not be assigned"] = pages(assignable_users)
    return {
        "reads": sum(reads.values()),
        "writes": sum(writes.values()),
        "reads_detail": reads,
        "writes_detail": writes,
    }


# --- measuring ---------------------------------------------------------------------------------


def _peak_rss_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            found = re.search(r"VmHWM:\s+(\d+)\s+kB", f.read())
        if found:
            return int(found[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def paced_estimate(sequence: str, latency: float, cpu: float) -> float:
    """Wall time of the same requests against GitHub with PyGithub's pacing on: each request
    starts 0.25 s after the previous one ended, a write 1 s after the previous write ended."""
    t = 0.0
    last_end: float | None = None
    last_write_end: float | None = None
    for kind in sequence:
        start = t
        if last_end is not None:
            start = max(start, last_end + GITHUB_SECONDS_BETWEEN_REQUESTS)
        if kind == "W" and last_write_end is not None:
            start = max(start, last_write_end + GITHUB_SECONDS_BETWEEN_WRITES)
        t = last_end = start + latency
        if kind == "W":
            last_write_end = t
    return t + cpu


@dataclass
class Measure:
    scenario: str
    client: str
    latency: float
    wall: float
    cpu: float
    peak_rss_mb: float
    stats: dict[str, Any]
    digest: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def measure(
    host: SimHost, scenario: str, client: str, latency: float, work: Callable[[], Any]
) -> Measure:
    host.call("clear_log")
    host.call("set_latency", latency)
    _peak_rss_reset()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak = _peak_rss_mb()
    host.call("set_latency", 0.0)
    stats = host.call("stats")
    digest = host.call("digest")
    return Measure(scenario, client, latency, wall, cpu, peak, stats, digest, {"result": result})


# --- the clients ---------------------------------------------------------------------------------


def pmflow_cli(
    api_url: str, now: dt.datetime, *args: str, cache: str | None = None, graphql: bool = True
) -> int:
    env: dict[str, str | None] = {
        "GITHUB_API_URL": api_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "PMFLOW_NOW": now.isoformat(),
        "PMFLOW_SECONDS_BETWEEN_REQUESTS": "0",
        "PMFLOW_SECONDS_BETWEEN_WRITES": "0",
        # Unset: the default, GraphQL's createIssue (the simulator has GraphQL, as github.com
        # does); "0" for the `rest` rows.
        "PMFLOW_GRAPHQL": None if graphql else "0",
        "PMFLOW_HTTP_CACHE": cache or "",
    }
    # A first sync of 1,000 actions needs more writes than one run's default budget allows (the
    # rest would wait for the next run); the benchmark measures the whole of it in one run.
    args = (*args, "--max-writes", str(MAX_WRITES))
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"pmflow {' '.join(args)} failed:\n{result.output[-3000:]}")
    return result.exit_code


@dataclass
class Client:
    name: str
    sync: Callable[[str, dt.datetime, int | None], Any]
    run: Callable[[str, dt.datetime], Any]
    server_graphql: bool = True  # False: the simulator answers GraphQL with 404 (REST only)


def pmflow_client() -> Client:
    def sync(api_url: str, now: dt.datetime, issue: int | None) -> Any:
        extra = ("--issue", str(issue)) if issue else ()
        return pmflow_cli(api_url, now, "sync", *extra)

    return Client("pmflow", sync, lambda api_url, now: pmflow_cli(api_url, now, "run"))


def rest_client() -> Client:
    """pmflow with PMFLOW_GRAPHQL=0: action issues created by REST, then linked by REST."""

    def sync(api_url: str, now: dt.datetime, issue: int | None) -> Any:
        extra = ("--issue", str(issue)) if issue else ()
        return pmflow_cli(api_url, now, "sync", *extra, graphql=False)

    def run(api_url: str, now: dt.datetime) -> Any:
        return pmflow_cli(api_url, now, "run", graphql=False)

    return Client("rest", sync, run)


def no_graphql_server_client() -> Client:
    """pmflow's defaults on a server without GraphQL (an independent REST-only simulator): it
    tries GraphQL, is refused, and goes on by REST."""
    client = pmflow_client()
    return Client("no-gql", client.sync, client.run, server_graphql=False)


def cached_client(directory: str) -> Client:
    """pmflow with PMFLOW_HTTP_CACHE: validators kept from run to run, as a workflow's cache
    step would keep them."""

    def sync(api_url: str, now: dt.datetime, issue: int | None) -> Any:
        extra = ("--issue", str(issue)) if issue else ()
        return pmflow_cli(api_url, now, "sync", *extra, cache=directory)

    def run(api_url: str, now: dt.datetime) -> Any:
        return pmflow_cli(api_url, now, "run", cache=directory)

    return Client("+cache", sync, run)


def naive_client() -> Client:
    config = load(None)
    renderer = Renderer(Path(config.templates_dir))

    def sync(api_url: str, now: dt.datetime, issue: int | None) -> Any:
        return naive_sync(api_url, TOKEN, REPO, config, renderer, only=issue)

    def run(api_url: str, now: dt.datetime) -> Any:
        return naive_run(api_url, TOKEN, REPO, config, renderer, Clock(now, config.zone))

    return Client("naive", sync, run)


def chain(spec: RepoSpec, client: Client, latency: float, picks: dict[str, int]) -> list[Measure]:
    """Scenarios 1 to 4 in order on one simulator, as a repository lives through them."""
    out: list[Measure] = []
    with SimHost() as host:
        host.call("seed", spec)
        host.call("set_graphql", client.server_graphql)
        url = host.api_url
        t0 = spec.t0

        def at(when: dt.datetime) -> dt.datetime:
            host.call("set_now", when)
            return when

        now = at(t0)
        out.append(measure(host, "1", client.name, latency, lambda: client.sync(url, now, None)))
        # Not measured: the first weekly run, the same day (status, follow-ups, nudges).
        now = at(t0 + dt.timedelta(hours=1))
        client.run(url, now) if client.name in ("+cache", "rest") else pmflow_cli(url, now, "run")
        out[-1].extra["comments_after_setup"] = host.call("comment_count")
        now = at(t0 + dt.timedelta(days=7))
        out.append(measure(host, "2", client.name, latency, lambda: client.run(url, now)))
        now = at(t0 + dt.timedelta(days=7, minutes=1))
        out.append(measure(host, "3", client.name, latency, lambda: client.sync(url, now, None)))
        now = at(t0 + dt.timedelta(days=7, minutes=2))
        out.append(measure(host, "3b", client.name, latency, lambda: client.run(url, now)))
        for name, number in picks.items():
            now = at(t0 + dt.timedelta(days=7, minutes=3))
            host.call(
                "edit_body",
                number,
                "The rollback took two minutes",
                "The rollback took about two minutes",
            )
            now = at(t0 + dt.timedelta(days=7, minutes=4))
            out.append(
                measure(
                    host,
                    name,
                    client.name,
                    latency,
                    lambda number=number, now=now: client.sync(url, now, number),
                )
            )
            out[-1].extra["issue"] = number
    return out


# --- scenario 5: parse and plan, no HTTP --------------------------------------------------------

PASSES = 5  # scenario 5's CPU time is the best of this many passes (timeit repeats 5 times)


def _timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """CPU seconds, wall seconds and result of `work()`."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = work()
    return time.process_time() - cpu0, time.perf_counter() - wall0, result


def parse_and_plan(bodies: int, seed: int) -> dict[str, Any]:
    spec = repository(bodies, seed=seed + 1)
    config = load(None)
    renderer = Renderer(Path(config.templates_dir))
    owners = {a.owner for pm in spec.postmortems for a in pm.actions}
    issues = [
        IssueState(
            number=pm.number,
            id=pm.number,
            title=pm.title,
            body=pm.body,
            state="open",
            author=pm.author,
            labels=("postmortem",),
            assignees=(),
            milestone=None,
            created_at=pm.created_at,
            updated_at=pm.created_at,
        )
        for pm in spec.postmortems
    ]
    _peak_rss_reset()
    # Read once per run, as `pmflow sync` reads them (planning never changes them).
    facts = RepoFacts(
        me=BOT,
        labels=frozenset({"postmortem", config.action_label["name"]}),
        milestones=(),
        assignable={o: not o.startswith(("lee-", "vendor-", "former-")) for o in owners},
        sub_issues_supported=True,
    )

    def parse_only() -> None:
        for issue in issues:
            read_report(issue, config)

    def parse_and_plan_all() -> int:
        operations = 0
        for issue in issues:
            pm = PostMortem(issue=issue, report=read_report(issue, config))
            plan = plan_postmortem(pm, facts, config, renderer)
            assert not plan.needs, plan.needs
            operations += len(plan.operations)
        return operations

    # Each pass timed apart, the best kept (as timeit does): on a shared machine, other work
    # only ever adds time, and one pass can take half as long again as the next.
    parse_runs = [_timed(parse_only)[0] for _ in range(PASSES)]
    runs = [_timed(parse_and_plan_all) for _ in range(PASSES)]
    cpu, wall, operations = min(runs)
    # A sync also runs the quality checks on each body (`checks.in_sync`, on by default) for the
    # advice in its problems comment: measured apart, on at most 1,000 bodies.
    sample = issues[:1000]
    cpu0 = time.process_time()
    for issue in sample:
        advice_for(issue, config)
    advice_ms = (time.process_time() - cpu0) / len(sample) * 1000
    return {
        "what": "parse each body and plan its first sync (five action-issue bodies rendered)",
        "advice_ms_per_body": advice_ms,
        "advice_cpu_all_bodies_estimate": advice_ms * bodies / 1000,
        "parse_only_cpu": min(parse_runs),
        "bodies": bodies,
        "operations": operations,
        "cpu": cpu,
        "cpu_passes": [run[0] for run in runs],
        "wall": wall,
        "peak_rss_mb": _peak_rss_mb(),
    }


# --- report ------------------------------------------------------------------------------------

SCENARIOS = {
    "1": "first sync (P post-mortems x 5 actions)",
    "2": "pmflow run a week later (status comments only)",
    "3": "quiet rerun: pmflow sync a minute later",
    "3b": "quiet rerun: pmflow run a minute later",
    "4a": "sync --issue N after an edit (no problems on N)",
    "4b": "sync --issue N after an edit (problems on N)",
}


def rows(
    spec: RepoSpec, measures: list[Measure], latency: float, picks: dict[str, int]
) -> list[dict[str, Any]]:
    fast = {(m.scenario, m.client): m for m in measures if m.latency == 0}
    slow = {(m.scenario, m.client): m for m in measures if m.latency != 0}
    reference = {m.scenario: m.digest for m in measures if m.client == "pmflow"}
    out = []
    for (scenario, client), m in fast.items():
        # Without GraphQL (either side), the minimum is that of a client that uses REST only.
        low = minimum(spec, scenario, picks.get(scenario), rest=client in ("rest", "no-gql"))
        s = m.stats
        created = spec.action_count if scenario == "1" else 0
        lat = slow.get((scenario, client))
        requests = s["reads"] + s["not_modified"] + s["writes"]
        at_latency = lat.wall if lat else m.wall + requests * latency if latency else None
        out.append(
            {
                "scenario": scenario,
                "description": SCENARIOS[scenario],
                "client": client,
                "reads": s["reads"],
                "not_modified": s["not_modified"],
                "writes": s["writes"],
                "errors": s["errors"],
                "graphql_requests": s["graphql"],
                "min_reads": low["reads"],
                "min_writes": low["writes"],
                "reads_over_min": round(s["reads"] / low["reads"], 2),
                "writes_over_min": round(s["writes"] / low["writes"], 2) if low["writes"] else None,
                "wall_s": round(m.wall, 2),
                f"wall_s_at_{int(latency * 1000)}ms": (
                    round(at_latency, 2) if at_latency is not None else None
                ),
                "wall_at_latency_measured": lat is not None,
                "cpu_s": round(m.cpu, 2),
                "peak_rss_mb": round(m.peak_rss_mb, 1),
                "writes_per_action_created": round(s["writes"] / created, 2) if created else None,
                "github_paced_estimate_s": round(
                    paced_estimate(s["sequence"], GITHUB_LATENCY, m.cpu), 1
                ),
                "same_end_state_as_pmflow": m.digest == reference.get(scenario),
                "minimum": low,
                "requests_by_route": s["by_route"],
                **{k: v for k, v in m.extra.items() if k != "result"},
            }
        )
    return out


def print_table(table: list[dict[str, Any]], latency: float, five: dict[str, Any]) -> None:
    lat = f"wall_s_at_{int(latency * 1000)}ms"
    head = (
        f"{'scenario':<9}{'client':<8}{'reads':>8}{'304':>5}{'writes':>7}{'min r':>7}"
        f"{'min w':>7}{'r/min':>9}{'wall s':>9}{f'@{int(latency * 1000)}ms':>10}{'cpu s':>8}"
        f"{'RSS MB':>8}{'w/act':>7}{'GitHub s':>10}  same"
    )
    print(head)
    print("-" * len(head))
    for r in table:
        at = r.get(lat)
        same = "yes" if r["same_end_state_as_pmflow"] else "NO"
        print(
            f"{r['scenario']:<9}{r['client']:<8}{r['reads']:>8}{r['not_modified']:>5}"
            f"{r['writes']:>7}{r['min_reads']:>7}{r['min_writes']:>7}{r['reads_over_min']:>9}"
            f"{r['wall_s']:>9}{(at if at is not None else '-'):>10}{r['cpu_s']:>8}"
            f"{r['peak_rss_mb']:>8}{(r['writes_per_action_created'] or '-'):>7}"
            f"{r['github_paced_estimate_s']:>10}  {same}"
        )
    print(
        "(@latency for +cache and naive: computed as wall + requests x latency, as both send "
        "their requests one after another; pmflow's is measured)"
    )
    print(
        f"5        parse+plan {five['bodies']:,} bodies: {five['cpu']:.2f} s CPU, the best of "
        f"{', '.join(f'{cpu:.2f}' for cpu in five['cpu_passes'])} "
        f"(parsing alone {five['parse_only_cpu']:.2f} s), "
        f"{five['wall']:.2f} s wall, peak RSS {five['peak_rss_mb']:.0f} MB, "
        f"{five['operations']:,} operations planned; the quality checks' advice (apart): "
        f"{five['advice_ms_per_body']:.2f} ms per body, "
        f"{five['advice_cpu_all_bodies_estimate']:.1f} s for all"
    )


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.1, help="simulated seconds per request")
    parser.add_argument("--quick", action="store_true", help="40 post-mortems, 2,000 bodies")
    parser.add_argument("--postmortems", type=int, default=None)
    parser.add_argument("--bodies", type=int, default=None, help="scenario 5 (default 10,000)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-naive", action="store_true", help="measure pmflow only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    count = args.postmortems or (40 if args.quick else 200)
    bodies = args.bodies or (2_000 if args.quick else 10_000)

    spec = repository(count, seed=args.seed)
    with_problems = [pm for pm in spec.postmortems if pm.has_problems]
    clean = [pm for pm in spec.postmortems if not pm.has_problems]
    picks = {
        "4a": clean[len(clean) // 2].number,
        "4b": with_problems[len(with_problems) // 2].number,
    }
    print(
        f"seed {args.seed}: {count} post-mortems, {spec.action_count} actions, "
        f"{len(spec.owners)} owners ({len(spec.owners - set(ASSIGNABLE))} not assignable), "
        f"{len(with_problems)} with problems, "
        f"{sum(pm.crlf for pm in spec.postmortems)} CRLF bodies",
        file=sys.stderr,
    )
    five = parse_and_plan(bodies, args.seed)
    cache = tempfile.mkdtemp(prefix="pmflow-http-cache-")
    clients = [pmflow_client(), cached_client(cache), rest_client(), no_graphql_server_client()]
    clients += [] if args.no_naive else [naive_client()]
    measures: list[Measure] = []
    for latency in [0.0] + ([args.latency] if args.latency > 0 else []):
        # The naive client's tens of thousands of requests would take hours at 100 ms each; as
        # it (and pmflow with the cache) sends them one after another, their time with latency
        # is computed instead.
        for client in clients if latency == 0 else clients[:1]:
            started = time.perf_counter()
            measures += chain(spec, client, latency, picks)
            print(
                f"  {client.name} at {latency * 1000:.0f} ms: "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    shutil.rmtree(cache, ignore_errors=True)
    table = rows(spec, measures, args.latency, picks)
    order = {"pmflow": 0, "+cache": 1, "rest": 2, "no-gql": 3, "naive": 4}
    table.sort(key=lambda r: (r["scenario"], order[r["client"]]))
    print_table(table, args.latency, five)
    print()
    print(MINIMUM_DEFINITION)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "postmortems": count,
        "actions": spec.action_count,
        "latency_s": args.latency,
        "github_estimate": {
            "latency_s": GITHUB_LATENCY,
            "seconds_between_requests": GITHUB_SECONDS_BETWEEN_REQUESTS,
            "seconds_between_writes": GITHUB_SECONDS_BETWEEN_WRITES,
        },
        "memory": "peak RSS of the client process during the scenario (VmHWM after clear_refs; "
        "the simulator runs in a child process)",
        "cpu": "process CPU time of the client process (the simulator is a child process)",
        "minimum_definition": MINIMUM_DEFINITION,
        "scenarios": table,
        "scenario_5": five,
        "expected_comments_after_setup": expected_comments_after_setup(spec),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=2, default=str)
    (args.out / f"{stamp}.json").write_text(text)
    (args.out / "latest.json").write_text(text)
    print(f"\nwrote {args.out / (stamp + '.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main_())
