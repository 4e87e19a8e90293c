"""A year of post-mortems with known dates, played into the simulator as it would have happened.

Each post-mortem is opened at its time and synced by pmflow then (which opens its action
issues); each action issue is closed at its own time, so the simulator's clock gives every issue
the created_at and closed_at GitHub would have. The tests recompute the figures from this table
alone, without pmflow's code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pmflow.simulator import GitHubSimulator

from .conftest import BOT, REPO, run

TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
OPERATIONAL = "Operational incident"
PROJECT = "Project or delivery failure"


@dataclass
class Action:
    title: str
    owner: str
    due: dt.date
    closed: dt.datetime | None = None  # None: still open
    reason: str = "completed"
    number: int = 0  # set once pmflow has opened its issue


@dataclass
class Spec:
    title: str
    kind: str
    severity: str
    incident: dt.date
    meeting: dt.date | None
    opened: dt.datetime
    causes: str
    labels: tuple[str, ...] = ()
    actions: list[Action] = field(default_factory=list)
    number: int = 0


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def year() -> list[Spec]:
    return [
        Spec(
            "Checkout timeouts after the payment client change",
            OPERATIONAL,
            "SEV2",
            d("2025-12-08"),
            d("2025-12-10"),
            t("2025-12-08T18:00"),
            "The payment client's connection pool exceeded the database proxy's connection "
            "limit, so the proxy refused connections. Pool sizes are set per service.",
            ("area/checkout",),
            [
                Action(
                    "Alert on p95 checkout latency", "alice", d("2025-12-19"), t("2025-12-18T10:00")
                ),
                Action("Document the proxy limit", "bob", d("2025-12-31"), t("2026-01-06T09:30")),
            ],
        ),
        Spec(
            "Certificate expiry on the public API",
            OPERATIONAL,
            "SEV1",
            d("2026-01-17"),
            d("2026-01-19"),
            t("2026-01-18T08:00"),
            "The TLS certificate expired because renewal was manual and no alert watched the "
            "expiry date.",
            ("area/edge",),
            [
                Action(
                    "Automate certificate renewal", "carol", d("2026-02-13"), t("2026-02-10T15:00")
                ),
                Action(
                    "Alert 21 days before certificate expiry",
                    "alice",
                    d("2026-01-30"),
                    t("2026-01-29T11:00"),
                ),
                Action(
                    "Inventory certificates by hand",
                    "bob",
                    d("2026-02-06"),
                    t("2026-02-02T10:00"),
                    "not_planned",
                ),
            ],
        ),
        Spec(
            "Billing migration delivered late",
            PROJECT,
            "SEV3",
            d("2026-02-20"),
            d("2026-02-26"),
            t("2026-02-23T09:00"),
            "Scope grew without a decision to move the deadline; requirements were never agreed.",
            ("project",),
            [
                Action(
                    "Write a scope change procedure",
                    "carol",
                    d("2026-03-20"),
                    t("2026-04-02T12:00"),
                ),
            ],
        ),
        Spec(
            "Disk full on the ingest hosts",
            OPERATIONAL,
            "SEV3",
            d("2026-03-09"),
            d("2026-03-16"),  # a week later: outside the 72-hour target
            t("2026-03-09T14:00"),
            "Debug logs filled the root volume because log rotation missed the new file.",
            ("area/ingest",),
            [
                Action("Rotate the debug log", "bob", d("2026-03-20"), t("2026-03-19T16:00")),
                Action(
                    "Alert on disk usage at 80%", "alice", d("2026-03-27"), t("2026-03-27T20:00")
                ),
            ],
        ),
        Spec(
            "Orders API 503s during the sale",
            OPERATIONAL,
            "SEV2",
            d("2026-04-14"),
            d("2026-04-16"),
            t("2026-04-14T20:00"),
            "Autoscaled pods opened more database connections than the connection proxy allows; "
            "the connection pool total was not budgeted.",
            ("area/orders", "database"),
            [
                Action(
                    "Budget connection pool sizes across services",
                    "alice",
                    d("2026-05-15"),
                    t("2026-05-29T10:00"),
                ),
                Action(
                    "Load test with autoscaling on", "bob", d("2026-05-08"), t("2026-05-07T10:00")
                ),
                Action(
                    "Cap connections per client at the proxy",
                    "carol",
                    d("2026-05-22"),
                    t("2026-05-20T10:00"),
                ),
            ],
        ),
        Spec(
            "Invoices sent twice",
            OPERATIONAL,
            "SEV3",
            d("2026-05-24"),
            None,  # no meeting recorded
            t("2026-05-25T10:00"),
            "The invoicing cron job ran twice when daylight saving time ended.",
            ("area/billing",),
            [
                Action("Schedule jobs in UTC", "bob", d("2026-06-12"), t("2026-06-11T10:00")),
            ],
        ),
        Spec(
            "Search empty in all regions",
            OPERATIONAL,
            "SEV1",
            d("2026-06-30"),
            d("2026-07-02"),
            t("2026-06-30T22:00"),
            "A configuration change reached every region at once: configuration skips the canary "
            "stage.",
            ("area/search", "deploy"),
            [
                Action(
                    "Canary configuration changes", "carol", d("2026-07-31"), t("2026-08-14T10:00")
                ),
                Action(
                    "Validate index aliases before publishing",
                    "alice",
                    d("2026-07-17"),
                    t("2026-07-16T10:00"),
                ),
            ],
        ),
        Spec(
            "Warehouse integration shipped late",
            PROJECT,
            "SEV4",
            d("2026-08-03"),
            d("2026-08-07"),
            t("2026-08-04T09:00"),
            "The vendor API was late and the plan had no buffer for the dependency.",
            ("project", "vendors"),
            [],  # no action agreed
        ),
        Spec(
            "Login failures while adding an index",
            OPERATIONAL,
            "SEV2",
            d("2026-09-08"),
            d("2026-09-10"),
            t("2026-09-08T16:00"),
            "An index was created without CONCURRENTLY and its lock blocked writes to users.",
            ("database",),
            [
                Action(
                    "Lint migrations for locks", "alice", d("2026-10-02"), t("2026-10-01T10:00")
                ),
                Action("Run migrations outside business hours", "bob", d("2026-10-09")),  # overdue
            ],
        ),
        Spec(
            "Notification provider rate limited us",
            OPERATIONAL,
            "SEV3",
            d("2026-10-12"),
            d("2026-10-15"),  # 72 hours: on target
            t("2026-10-12T13:00"),
            "Retries without backoff exceeded the provider's rate limit.",
            ("area/notifications",),
            [
                Action(
                    "Exponential backoff for the SMS worker",
                    "carol",
                    d("2026-10-30"),
                    t("2026-11-03T10:00"),
                ),
                Action("Cap concurrent retries", "alice", d("2026-11-13")),  # overdue
                Action("Dashboard of retries per provider", "alice", d("2026-11-20")),  # overdue
            ],
        ),
        Spec(
            "Proxy refused connections after scaling out",
            OPERATIONAL,
            "SEV2",
            d("2026-11-23"),
            d("2026-11-24"),
            t("2026-11-23T19:00"),
            "Scaling out multiplied connection pools past the proxy's connection limit.",
            ("area/accounts", "database"),
            [
                Action(
                    "Alert on proxy connection usage", "bob", d("2026-11-27"), t("2026-11-26T10:00")
                ),
                Action("Per-client connection cap", "carol", d("2026-12-18")),  # open, not due
            ],
        ),
    ]


def _actions_of(sim: GitHubSimulator, pm_number: int) -> dict[str, int]:
    marker = f"<!-- pmflow:action pm={pm_number} "
    return {
        issue.title: issue.number
        for issue in sim.issues(REPO)
        if issue.author == BOT and marker in issue.body
    }


def body_of(spec: Spec) -> str:
    lines = [f"- [ ] {a.title} @{a.owner} due:{a.due.isoformat()}" for a in spec.actions]
    return (
        f"### Incident type\n\n{spec.kind}\n\n"
        f"### Severity\n\n{spec.severity}\n\n"
        f"### Incident date\n\n{spec.incident.isoformat()}\n\n"
        "### Summary\n\nSee the timeline.\n\n"
        f"### Root causes\n\n{spec.causes}\n\n"
        f"### Actions\n\n{chr(10).join(lines) or '_No response_'}\n\n"
        "### Report owner\n\n@carol\n\n"
        f"### Meeting date\n\n{spec.meeting.isoformat() if spec.meeting else '_No response_'}\n"
    )


def play(sim: GitHubSimulator, specs: list[Spec]) -> None:
    """Open, sync and close everything in the order it happened."""
    events: list[tuple[dt.datetime, int, Spec, Action | None]] = []
    for spec in specs:
        events.append((spec.opened, 0, spec, None))
        for action in spec.actions:
            if action.closed is not None:
                events.append((action.closed, 1, spec, action))
    for when, _, spec, action in sorted(events, key=lambda e: (e[0], e[1])):
        sim.set_now(when)
        if action is None:
            spec.number = sim.add_issue(
                REPO,
                spec.title,
                body=body_of(spec),
                author="carol",
                labels=["postmortem", *spec.labels],
                created_at=when,
            ).number
            result = run(
                sim, "sync", "--issue", str(spec.number), env={"PMFLOW_NOW": when.isoformat()}
            )
            assert result.exit_code == 0, result.output
            numbers = _actions_of(sim, spec.number)
            for each in spec.actions:
                each.number = numbers[each.title]
        else:
            sim.edit_issue(REPO, action.number, state="closed", state_reason=action.reason)
    sim.set_now(TODAY)
