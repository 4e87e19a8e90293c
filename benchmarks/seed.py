"""A synthetic but realistic repository of post-mortems, the same for the same seed.

Bodies are issue forms as GitHub renders them (`### Label`, blank line, answer, `_No response_`),
with action lines in the grammar variants people write, some CRLF bodies (submitted from the
web), a few problem lines (no owner, no ISO date), owners of whom a few cannot be assigned,
example lines in code fences, and incident, meeting and due dates spread over months.

The generator knows what it wrote (`PostMortemSpec.actions`, `.problem_lines`), so the benchmark
computes its minimum from this ground truth, not from pmflow's parser.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

REPO = "acme/shop"
BOT = "pmflow-bot"
TOKEN = "ghp_benchmarkTokenNotARealOne0000000000"
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)  # a Monday: the weekly status day

ASSIGNABLE = (
    "alice",
    "bob",
    "carol",
    "dmitri",
    "esther",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jonas",
    "kemi",
)
NOT_ASSIGNABLE = ("lee-contractor", "vendor-sre", "former-oncall")

SYSTEMS = (
    "checkout API",
    "search indexer",
    "payments gateway",
    "auth service",
    "CDN edge config",
    "order queue",
    "nightly billing batch",
    "mobile push service",
    "warehouse ETL",
    "feature flag service",
    "image resizer",
    "inventory sync",
)
TRIGGERS = (
    "a configuration change raised the connection pool beyond the proxy's limit",
    "a TLS certificate expired on an internal endpoint",
    "the disk holding the write-ahead log filled up",
    "a dependency upgrade changed the default retry policy",
    "traffic doubled during a marketing campaign",
    "a DNS change pointed a service at the old cluster",
    "a schema migration locked the orders table",
    "a cron job ran twice after a daylight-saving change",
)
ACTIONS = (
    "Add alerting for p95 latency above 500ms on the {system}",
    "Roll {system} configuration changes out region by region with a 15-minute canary",
    "Document the {system} connection limits beside the client settings",
    "Automate certificate renewal for the {system}",
    "Load-test the {system} at twice last year's peak traffic",
    "Set a retry budget on clients of the {system}",
    "Add a dashboard panel for {system} queue depth",
    "Page the owning team when the {system} error rate exceeds 2% for 5 minutes",
    "Write a runbook for failing over the {system}",
    "Run a game day on the {system} failover",
    "Add a pre-deploy check that rejects {system} configs over the documented limits",
    "Move {system} secrets to the vault with 30-day rotation",
    "Cap {system} batch size at 10,000 rows",
    "Add a synthetic probe for the {system} every minute from two regions",
)
PROBLEM_LINES = (
    "- [ ] Improve monitoring @{owner} by Friday",
    "- [ ] Review the retry policy of the {system} due:{due}",
    "- [ ] Write the design doc for the {system} @{owner} due:{bad}",
    "- [ ] Look into flaky alerts @{owner} due: next sprint",
)


@dataclass(frozen=True)
class ActionSpec:
    text: str
    owner: str
    due: dt.date


@dataclass
class PostMortemSpec:
    number: int  # the issue number it gets when seeded in order
    title: str
    author: str
    body: str
    created_at: dt.datetime
    incident_type: str
    incident_date: dt.date
    meeting_date: dt.date | None
    report_owner: str
    crlf: bool
    actions: list[ActionSpec] = field(default_factory=list)
    problem_lines: list[str] = field(default_factory=list)

    @property
    def unassignable_owners(self) -> set[str]:
        return {a.owner for a in self.actions if a.owner not in ASSIGNABLE}

    @property
    def has_problems(self) -> bool:
        """pmflow reports something on it: a problem line or an owner it cannot assign."""
        return bool(self.problem_lines or self.unassignable_owners)


@dataclass
class RepoSpec:
    postmortems: list[PostMortemSpec]
    t0: dt.datetime = T0

    @property
    def owners(self) -> set[str]:
        return {a.owner for pm in self.postmortems for a in pm.actions}

    @property
    def action_count(self) -> int:
        return sum(len(pm.actions) for pm in self.postmortems)


def _action_line(rng: random.Random, text: str, owner: str, due: dt.date) -> str:
    d = due.isoformat()
    other = rng.choice(ASSIGNABLE)
    variants = (
        f"- [ ] {text} @{owner} due:{d}",
        f"- [ ] {text} @{owner} due {d}",
        f"- [ ] {text} (@{owner}, by {d})",
        f"- [ ] @{owner}: {text[0].lower()}{text[1:]} Due: {d}",
        f"- [ ] {text} — @{owner}, due: {d}",
        f"* [ ] {text} @{owner} (due {d})",
        f"- [ ] {text} @{owner} BY {d}",
        f"- [ ] {text}, owner @{owner}, due:{d}",
        f"- [ ] {text} @{owner} due:{d} (pair with @{other} and @acme/sre)",
        f"  - [ ] {text} @{owner} by:{d}",
    )
    return rng.choice(variants)


def _meeting_for(rng: random.Random, incident: dt.date, kind: str, t0: dt.date) -> dt.date:
    gap = rng.randint(1, 3) if kind.startswith("Operational") else rng.randint(2, 6)
    meeting = incident + dt.timedelta(days=gap)
    # Keep the follow-up check (21 days after the meeting) out of the week between the first
    # weekly run and the steady-state run: it is either done already or not due yet.
    if t0 - dt.timedelta(days=21) < meeting <= t0 - dt.timedelta(days=14):
        meeting = t0 - dt.timedelta(days=rng.randint(22, 30))
    return min(meeting, t0 - dt.timedelta(days=1))


def postmortem(rng: random.Random, number: int, t0: dt.datetime) -> PostMortemSpec:
    system = rng.choice(SYSTEMS)
    kind = rng.choices(("Operational incident", "Project or delivery failure", "Other"), (7, 2, 1))[
        0
    ]
    today = t0.date()
    incident = today - dt.timedelta(days=rng.randint(3, 180))
    no_meeting = rng.random() < 0.02 and incident < today - dt.timedelta(days=30)
    meeting = None if no_meeting else _meeting_for(rng, incident, kind, today)
    opened = (meeting or incident + dt.timedelta(days=2)) + dt.timedelta(days=rng.randint(0, 1))
    opened = min(opened, today - dt.timedelta(days=1))
    if meeting is None and today - dt.timedelta(days=21) < opened:
        opened = today - dt.timedelta(days=22)
    created_at = dt.datetime.combine(
        opened, dt.time(rng.randint(8, 17), rng.randint(0, 59)), dt.UTC
    )
    report_owner = rng.choice(ASSIGNABLE)
    author = rng.choice((*ASSIGNABLE, report_owner))

    actions: list[ActionSpec] = []
    used: set[str] = set()
    while len(actions) < 5:
        template = rng.choice(ACTIONS)
        text = template.format(system=rng.choice((system, *SYSTEMS)))
        if text in used:
            continue
        used.add(text)
        owner = rng.choice(NOT_ASSIGNABLE) if rng.random() < 0.02 else rng.choice(ASSIGNABLE)
        due = today + dt.timedelta(days=rng.randint(15, 150))
        actions.append(ActionSpec(text, owner, due))
    problems: list[str] = []
    if rng.random() < 0.08:
        for _ in range(rng.randint(1, 2)):
            problems.append(
                rng.choice(PROBLEM_LINES).format(
                    owner=rng.choice(ASSIGNABLE),
                    system=system,
                    due=(today + dt.timedelta(days=30)).isoformat(),
                    bad=f"{today.year}-13-0{rng.randint(1, 9)}",
                )
            )

    lines = [_action_line(rng, a.text, a.owner, a.due) for a in actions]
    for problem in problems:
        lines.insert(rng.randint(0, len(lines)), problem)
    trigger = rng.choice(TRIGGERS)
    minutes = rng.randint(12, 300)
    severity = rng.choice(("SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV4", "_No response_"))
    heading = "Actions" if rng.random() < 0.85 else "Action items"
    fence = (
        "\n\nLines in a code block are examples, not actions:\n\n```\n"
        "- [ ] <specific action> @owner due:YYYY-MM-DD\n```"
        if rng.random() < 0.2
        else ""
    )
    sections = [
        ("Incident type", kind),
        ("Severity", severity),
        ("Incident date", incident.isoformat()),
        (
            "Summary",
            f"On {incident:%d %B}, the {system} degraded for {minutes} minutes after {trigger}. "
            "Customers saw errors or slow pages; no data was lost. Resolved by rolling back "
            "and restarting the affected workers.",
        ),
        (
            "Impact and duration",
            f"{minutes} minutes; about {rng.randint(2, 90) * 100:,} failed requests; "
            f"{rng.randint(0, 40)} support tickets.",
        ),
        (
            "Timeline",
            "\n".join(
                f"- {h:02d}:{m:02d} UTC {event}"
                for h, m, event in (
                    (13, rng.randint(0, 9), "Change deployed to all regions"),
                    (13, rng.randint(10, 29), f"Error rate on the {system} rises above 2%"),
                    (14, rng.randint(0, 29), "On-call engineer paged; incident declared"),
                    (14, rng.randint(30, 59), "Change rolled back; error rate back to normal"),
                )
            ),
        ),
        (
            "Root causes",
            "1. Why did requests fail? " + trigger.capitalize() + ".\n"
            "2. Why did that reach production? The change skipped the canary stage.\n"
            "3. Why? Configuration changes are deployed by a separate, older pipeline.\n"
            "4. Why was the limit not visible? It is documented only in the proxy's repository.\n"
            "5. Why was it not caught earlier? No alert watches the tail latency.",
        ),
        (
            "Contributing factors",
            "_No response_" if rng.random() < 0.4 else "The on-call rotation changed that day.",
        ),
        ("What worked", "The rollback took two minutes once the cause was known."),
        (heading, "\n".join(lines) + fence),
        ("Report owner", f"@{report_owner}"),
        ("Facilitator", "_No response_" if rng.random() < 0.5 else f"@{rng.choice(ASSIGNABLE)}"),
        ("Attendees", ", ".join(f"@{x}" for x in rng.sample(ASSIGNABLE, 3))),
        ("Meeting date", meeting.isoformat() if meeting else "_No response_"),
    ]
    body = "\n\n".join(f"### {label}\n\n{answer}" for label, answer in sections) + "\n"
    crlf = rng.random() < 0.3
    if crlf:
        body = body.replace("\n", "\r\n")
    title = f"Post-mortem: {system} {trigger.split(' ', 2)[1]} on {incident:%Y-%m-%d}"
    return PostMortemSpec(
        number=number,
        title=title,
        author=author,
        body=body,
        created_at=created_at,
        incident_type=kind,
        incident_date=incident,
        meeting_date=meeting,
        report_owner=report_owner,
        crlf=crlf,
        actions=actions,
        problem_lines=problems,
    )


def repository(postmortems: int = 200, seed: int = 8, t0: dt.datetime = T0) -> RepoSpec:
    """`postmortems` post-mortems, numbered 1.. in creation order."""
    rng = random.Random(seed)
    specs = [postmortem(rng, 0, t0) for _ in range(postmortems)]
    specs.sort(key=lambda s: s.created_at)
    for number, spec in enumerate(specs, start=1):
        spec.number = number
    return RepoSpec(specs, t0)


def seed_simulator(sim, spec: RepoSpec) -> None:
    """Put the repository into a started simulator: users, repository, label, post-mortems."""
    sim.add_user(BOT, token=TOKEN)
    for login in (*ASSIGNABLE, *NOT_ASSIGNABLE):
        sim.add_user(login)
    sim.add_repo(REPO, collaborators=[BOT, *ASSIGNABLE])
    # Room for the naive client: it would run out of a real token's 5,000 requests an hour.
    sim.rate_limit(limit=10_000_000)
    # GitHub has GraphQL (the simulator's is off until asked for); pmflow uses it for creates.
    sim.graphql_enabled = True
    sim.add_label(REPO, "postmortem", color="5319e7", description="A blameless post-mortem")
    sim.add_label(REPO, "bug", color="d73a4a")
    for pm in spec.postmortems:
        issue = sim.add_issue(
            REPO,
            pm.title,
            body=pm.body,
            author=pm.author,
            labels=["postmortem"],
            created_at=pm.created_at,
        )
        assert issue.number == pm.number, (issue.number, pm.number)
