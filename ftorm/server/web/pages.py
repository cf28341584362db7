"""HTML for the page, from the standard library: every value goes through `esc` (text) or
`url` (a link's address), so a name like ``<script>`` shows as text.

The layout loads one stylesheet and one script, both files served by the app
(`ftorm.server.web.app`); no page carries inline script or style.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

__all__ = [
    "PREFIX",
    "entity_link",
    "entity_url",
    "esc",
    "label",
    "layout",
    "pager",
    "table",
    "url",
    "value_html",
]

PREFIX: Final = "/web"
"""Where the page's routes live (``/`` redirects here)."""
ENTITY: Final = "__entity_type__"


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def url(path: str, **params: object) -> str:
    """A page address under `PREFIX` with ``params`` (None ones left out), escaped for an
    attribute."""
    query = urlencode({k: str(v) for k, v in params.items() if v is not None})
    return esc(f"{PREFIX}{path}" + (f"?{query}" if query else ""))


def entity_url(entity_type: str, entity_id: object, **params: object) -> str:
    """The entity view's address."""
    path = f"/entity/{quote(entity_type, safe='')}/{quote(str(entity_id), safe='')}"
    return url(path, **params)


def label(entity: Mapping[str, Any]) -> str:
    """What names an answered entity: its name, user name, version number, else its id."""
    version = entity.get("version")
    found = entity.get("name") or entity.get("username")
    found = found or (f"v{version}" if isinstance(version, int) else None)
    return str(found or entity.get("id") or entity.get(ENTITY))


def entity_link(entity: Mapping[str, Any]) -> str:
    """A link to an answered entity (its ``__entity_type__`` and ``id``), else its text."""
    kind, ident = entity.get(ENTITY), entity.get("id")
    label_text = label(entity)
    if not isinstance(kind, str) or not isinstance(ident, str):
        return esc(label_text)
    return f'<a href="{entity_url(kind, ident)}">{esc(label_text)}</a>'


def value_html(value: Any) -> str:
    """An answered value: entities as links, lists as lists, the rest as JSON text."""
    if isinstance(value, Mapping) and isinstance(value.get(ENTITY), str):
        return entity_link(value)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, Mapping) and isinstance(v.get(ENTITY), str) for v in value)
    ):
        return ", ".join(entity_link(v) for v in value)
    if value is None:
        return '<span class="none">none</span>'
    if isinstance(value, Mapping) and value.get("__type__") in ("datetime", "date"):
        return esc(value.get("value"))
    if isinstance(value, str):
        return esc(value)
    return esc(json.dumps(value, ensure_ascii=False, default=str))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, css: str = "") -> str:
    """A table: ``headers`` are text (escaped here), each cell is HTML already built."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    cls = f' class="{esc(css)}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pager(offset: int, page_size: int, more: bool, link: Any) -> str:
    """Previous/next links; ``link(offset)`` is the escaped address of a page."""
    parts = []
    if offset > 0:
        parts.append(f'<a rel="prev" href="{link(max(0, offset - page_size))}">previous</a>')
    parts.append(f"<span>from {offset + 1}</span>")
    if more:
        parts.append(f'<a rel="next" href="{link(offset + page_size)}">next</a>')
    return '<nav class="pager">' + " ".join(parts) + "</nav>"


def layout(title: str, body: str, *, user: str | None = None, csrf: str = "") -> str:
    """A whole page: ``title`` is text, ``body`` HTML already built."""
    nav = ""
    if user is not None:
        nav = (
            '<nav class="top">'
            f'<a href="{url("/projects")}">Projects</a>'
            f'<a href="{url("/query")}">Query</a>'
            f'<a href="{url("/events")}">Events</a>'
            f'<form method="post" action="{url("/logout")}">'
            f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
            f'<button type="submit">Log out {esc(user)}</button></form>'
            "</nav>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)} · ftorm</title>"
        f'<link rel="stylesheet" href="{url("/static/web.css")}">'
        f'<script src="{url("/static/web.js")}" defer></script>'
        f"</head><body><header><strong>ftorm</strong>{nav}</header>"
        f"<main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )
