"""Plan the one comment that links a new post-mortem to similar past ones: a pure function.

How pmflow knows the comment is already there without a read per post-mortem on every run: a
post-mortem counts as new only while it was opened inside the window of pmflow's recent
comments (`followthrough.recent_window_start`: this ISO week and one overdue-reminder period, 8
days by default). The weekly run lists that window's comments once for the whole repository
(`PostMortem.recent_comments`), and every comment pmflow wrote on a post-mortem opened inside
the window is in that listing. So the marker `<!-- pmflow:similar pm=N -->` is found, or known to
be absent, with no read of its own and no label; a post-mortem with nothing similar costs no
write either. Post-mortems opened before the window are never new: turning the feature on does
not comment on a repository's history.

While a post-mortem is new, the comment is posted by the first run that finds a similar past
one, so root causes written a few days after the issue was opened still get their links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pmflow import markers
from pmflow.config import Config
from pmflow.ops import CreateComment, Operation
from pmflow.plan import PostMortem
from pmflow.render import Renderer, truncate
from pmflow.similar import Match, similar_postmortems

SIMILAR = "similar"


@dataclass(frozen=True)
class Link(Match):
    """A match as the comment shows it: with the past post-mortem's state."""

    state: str


def own_labels(config: Config) -> tuple[str, ...]:
    """Labels that say what pmflow did, not what went wrong: similarity ignores them."""
    return (
        config.postmortem_label,
        config.problems_label,
        config.action_label["name"],
        config.section("overdue")["label"],
        config.section("followup")["label"],
        config.section("completion")["complete_label"],
        config.section("completion")["verified_label"],
        config.section("report")["register_label"],
    )


def already_posted(pm: PostMortem, me: str) -> bool:
    comments = (*pm.recent_comments, *(pm.comments or ()))
    return any(
        markers.written_by_pmflow(c.author, me) and markers.find_marker(c.body, SIMILAR)
        for c in comments
        if c.issue_number == pm.issue.number
    )


def _opened_before(other: PostMortem, pm: PostMortem) -> bool:
    if other.issue.created_at and pm.issue.created_at:
        return other.issue.created_at < pm.issue.created_at
    return other.issue.number < pm.issue.number


def plan_similar(
    pm: PostMortem,
    past: Sequence[PostMortem],
    me: str,
    renderer: Renderer,
    *,
    config: Config,
    since: dt.datetime,
) -> list[Operation]:
    """One comment on `pm` linking up to `similar.limit` of the post-mortems opened before it,
    when `pm` was opened at or after `since` (the recent-comments window) and has none yet.

    `past` may hold every post-mortem, `pm` included: only those opened before it count.
    """
    settings = config.section("similar")
    opened = pm.issue.created_at
    if not settings["enabled"] or not pm.issue.is_open or opened is None or opened < since:
        return []
    if already_posted(pm, me):
        return []
    earlier = [other for other in past if _opened_before(other, pm)]
    matches = similar_postmortems(
        pm,
        earlier,
        settings["limit"],
        settings["threshold"],
        ignore_labels=own_labels(config),
    )
    if not matches:
        return []
    states = {other.issue.number: other.issue.state for other in earlier}
    links = [_link(match, states.get(match.number, "open")) for match in matches]
    body = renderer.render(
        "similar_comment.md.j2",
        marker=markers.format_marker(SIMILAR, pm=pm.issue.number),
        postmortem=pm.issue,
        links=links,
    )
    return [CreateComment(pm.issue.number, SIMILAR, truncate(body))]


def _link(match: Match, state: str) -> Link:
    return Link(match.number, match.title, match.score, match.shared_terms, state)
