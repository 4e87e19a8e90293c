"""Pages and `Link` headers, as GitHub makes them.

Fixture `paginate-issues` shows the rules: the first page has rel next and last; a middle page
prev, next, last, first (in that order); the last page prev and first; one page has no `Link`.
The links keep the request's query, with `page` moved to the end, and point at the alias path
`/repositories/{id}/...` when the list belongs to a repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def page_params(query: dict[str, str]) -> tuple[int, int]:
    """(page, per_page); GitHub ignores values it cannot use rather than failing."""
    per_page = _int(query.get("per_page"), DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
    page = max(_int(query.get("page"), 1), 1)
    return page, per_page


def paginate(
    items: Sequence[T], query_pairs: list[tuple[str, str]], link_base: str
) -> tuple[list[T], str | None]:
    """The requested page of `items` and the `Link` header value (None when not needed)."""
    query = dict(query_pairs)
    page, per_page = page_params(query)
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])
    last = max((len(items) + per_page - 1) // per_page, 1)
    if last == 1 and page == 1:
        return chunk, None
    kept = [(k, v) for k, v in query_pairs if k != "page"]

    def url(n: int) -> str:
        return f"{link_base}?{urlencode([*kept, ('page', str(n))])}"

    rels: list[tuple[str, int]] = []
    if page > 1:
        rels.append(("prev", min(page - 1, last)))
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels.append(("first", 1))
    link = ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in rels)
    return chunk, link or None
