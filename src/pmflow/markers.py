"""The one hidden-marker format pmflow writes into issue bodies and comments.

A marker is an HTML comment GitHub does not render: `<!-- pmflow:<kind> key=value ... -->`.
Values are percent-encoded so that no value can close the comment or smuggle in another marker.
Markers are only trusted on text authored by pmflow's own user (the adapter checks the author);
a marker copied into a person's issue is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

_MARKER = re.compile(r"<!-- pmflow:(?P<kind>[a-z][a-z0-9-]*)(?P<fields>(?: [a-z_]+=[^\s>]*)*) -->")
# Fields whose values are all what `quote` leaves as it is.
_PLAIN_FIELDS = re.compile(r"(?: [a-z_]+=[A-Za-z0-9_.~-]*)*")
_FIELD = re.compile(r" (?P<name>[a-z_]+)=(?P<value>[^\s>]*)")


@dataclass(frozen=True)
class Marker:
    kind: str
    fields: dict[str, str]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)


# pmflow's own login when the token cannot say who it is (an Actions or App installation token
# gets 403 from /user): then any bot account counts, as a person cannot write as a bot.
ANY_BOT = "[bot]"


def written_by_pmflow(author: str, me: str) -> bool:
    """Whether text by `author` may carry trusted markers, pmflow being `me`."""
    if me == ANY_BOT:
        return author.endswith(ANY_BOT)
    return author == me


def format_marker(kind: str, /, **fields: object) -> str:
    """Render a marker; `None` values are left out, everything else is str()-ed and encoded."""
    written = "".join([f" {name}={value}" for name, value in fields.items() if value is not None])
    # Numbers, keys, dates and logins need no encoding: one check of them all, not one `quote`
    # each, matters when a first sync formats thousands of markers.
    if _PLAIN_FIELDS.fullmatch(written):
        return f"<!-- pmflow:{kind}{written} -->"
    encoded = [
        f" {name}={quote(str(value), safe='')}"
        for name, value in fields.items()
        if value is not None
    ]
    return f"<!-- pmflow:{kind}{''.join(encoded)} -->"


def find_markers(text: str, kind: str | None = None) -> list[Marker]:
    found = []
    for match in _MARKER.finditer(text or ""):
        if kind is not None and match["kind"] != kind:
            continue
        fields = {m["name"]: unquote(m["value"]) for m in _FIELD.finditer(match["fields"])}
        found.append(Marker(match["kind"], fields))
    return found


def find_marker(text: str, kind: str) -> Marker | None:
    markers = find_markers(text, kind)
    return markers[0] if markers else None


def strip_markers(text: str) -> str:
    """Text with every pmflow marker removed (used when quoting a person's text back)."""
    return _MARKER.sub("", text)
