"""No mention amplification end to end: a post-mortem full of mentions pings only the owners."""

from __future__ import annotations

from pmflow.simulator import GitHubSimulator

from ..unit.test_hostile_input import pinged
from .conftest import BOT, REPO, add_postmortem, run

BODY = """### Actions

- [ ] Page @everyone-on-call and @acme/sre about _@dave_ \\@erin &#64;trent @alice due:2026-12-04
- [ ] `Rotate` keys ``with @mallory` then <b>@oscar</b> @bob due:2026-12-05
- [ ] Thank @@carol.@grace for the fix @outsider due:2026-12-06
- [ ] Ask @heidi about it due:2026-13-01
"""


def test_a_postmortem_full_of_mentions_pings_only_assigned_owners(sim: GitHubSimulator) -> None:
    number = add_postmortem(sim, BODY, title="Outage after @mallory's deploy")
    assert run(sim, "sync").exit_code == 0
    for issue in sim.issues(REPO):
        if issue.number == number:
            continue
        assert pinged(issue.body or "") <= {a.casefold() for a in issue.assignees}, issue.body
    outsider = next(i for i in sim.issues(REPO) if "Thank" in i.title)
    assert outsider.assignees == [] and "`@outsider`" in (outsider.body or "")
    for comment in sim.comments(REPO):
        assert comment.author == BOT
        assert pinged(comment.body) == set(), comment.body
