"""The page's views: each asks the API at most one batch of at most two operations
(`MAX_OPERATIONS`), and pages every list (`PAGE_SIZE` rows, one more asked to know whether
a next page exists), so no view loads a whole table.

A view takes the `Api` (the logged-in user's batches) and answers ``(title, body HTML)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from ftorm.errors import NotFoundError, QuerySyntaxError, ServerError
from ftorm.query.parser import parse
from ftorm.query.render import quote
from ftorm.schema.types import Kind, Schema
from ftorm.server.web.pages import (
    ENTITY,
    entity_link,
    entity_url,
    esc,
    label,
    pager,
    table,
    url,
    value_html,
)

__all__ = ["LISTS", "MAX_OPERATIONS", "PAGE_SIZE", "Api", "entity", "projects", "query"]

PAGE_SIZE: Final = 50
"""Rows per page."""
MAX_OPERATIONS: Final = 2
"""The most API operations a view asks for."""

Api = Callable[[list[dict[str, Any]]], list[Any]]
"""Runs a batch as the logged-in user; raises the `ServerError` the API answered."""


@attrs.frozen
class Listing:
    """A level of the tree under an entity: the collection ``name`` of its type, listed as
    ``item_type`` rows whose ``key`` is the entity's id, with ``columns``, in ``order``
    (then by id, so pages never overlap)."""

    name: str
    item_type: str
    key: str
    columns: tuple[str, ...]
    order: str


LISTS: Final = (
    Listing(
        "children", "TypedContext", "parent_id", ("name", "object_type.name", "status.name"), "name"
    ),
    Listing("assets", "Asset", "context_id", ("name", "type.name"), "name"),
    Listing(
        "versions",
        "AssetVersion",
        "asset_id",
        ("version", "comment", "date", "status.name"),
        "version",
    ),
    Listing("components", "Component", "version_id", ("name", "file_type", "size"), "name"),
    Listing("notes", "Note", "parent_id", ("content", "date", "author.username"), "date"),
)
"""The lists an entity view offers, when its type has the collection (first is default)."""


_LABELS: Final = ("name", "username")
"""What a link to an entity shows, when its type has it."""


def _has_path(schema: Schema, type_id: str, path: str) -> bool:
    """Whether ``path`` (``a.b``) names attributes of ``type_id`` in ``schema``."""
    current: str | None = type_id
    for name in path.split("."):
        entity = schema.types.get(current or "")
        prop = entity.properties.get(name) if entity is not None else None
        if prop is None:
            return False
        current = prop.target
    return True


def _page(
    api: Api, text: str, operations: Sequence[dict[str, Any]] = ()
) -> tuple[list[Any], list[dict[str, Any]], bool]:
    """Run ``operations`` then the query ``text`` (which asks one row more than a page):
    the other answers, the page's rows and whether more follow."""
    answers = api([*operations, {"action": "query", "expression": text}])
    rows = [r for r in answers[-1].get("data", []) if isinstance(r, Mapping)]
    return answers[:-1], [dict(r) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def _cell(row: Mapping[str, Any], path: str) -> str:
    value: Any = row
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    return value_html(value)


def _rows_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return '<p class="empty">Nothing here.</p>'
    body = [
        [
            entity_link(row),
            esc(row.get(ENTITY, "")),
            *(_cell(row, c) for c in columns),
        ]
        for row in rows
    ]
    return table(["entity", "type", *columns], body, css="rows")


def _error(error: Exception) -> str:
    return f'<pre class="error">{esc(error)}</pre>'


def projects(api: Api, offset: int) -> tuple[str, str]:
    """The projects, a page at a time (one operation)."""
    text = (
        f"select id, name, full_name, status from Project order by name, id limit {PAGE_SIZE + 1}"
    )
    text += f" offset {offset}"
    try:
        _, rows, more = _page(api, text)
    except ServerError as error:
        return "Projects", _error(error)
    listing = _rows_table(rows, ("full_name", "status"))
    return "Projects", listing + pager(
        offset, PAGE_SIZE, more, lambda o: url("/projects", offset=o)
    )


def _projections(schema: Schema, type_id: str) -> list[str]:
    """Everything the entity view shows of ``type_id``: attributes, references (with the
    name of what they point at), custom attributes and metadata, raw."""
    names: list[str] = []
    for name, prop in schema.types[type_id].properties.items():
        if prop.restricted_projection or prop.kind is Kind.COLLECTION:
            continue
        names.append(name)
        if prop.kind is Kind.REFERENCE:
            names.extend(
                f"{name}.{label}"
                for label in _LABELS
                if _has_path(schema, prop.target or "", label)
            )
    return names


def _thumbnail(value: Any) -> str:
    link = value.get("url") if isinstance(value, Mapping) else value
    if not isinstance(link, str):
        return ""
    parts = urlsplit(link)  # shown from this server only (the policy allows 'self')
    if not parts.path.startswith("/component/thumbnail"):
        return ""
    return f'<img class="thumbnail" alt="thumbnail" src="{esc(parts.path)}?{esc(parts.query)}">'


def _breadcrumb(link: Any) -> str:
    if not isinstance(link, list):
        return ""
    crumbs = [
        f'<a href="{entity_url(str(item.get("type")), str(item.get("id")))}">'
        f"{esc(item.get('name'))}</a>"
        if isinstance(item, Mapping) and item.get("type") and item.get("id")
        else esc(item)
        for item in link
    ]
    return '<nav class="crumbs">' + " / ".join(crumbs) + "</nav>"


def _custom_attributes(values: Any) -> str:
    note = (
        '<p class="note">Raw values as the API answers them; hierarchical (inherited) '
        "values are not resolved.</p>"
    )
    if not isinstance(values, list) or not values:
        return note + '<p class="empty">None set.</p>'
    rows = [
        [esc(v.get("key")), value_html(v.get("value")), esc(v.get("configuration_id"))]
        for v in values
        if isinstance(v, Mapping)
    ]
    return note + table(["key", "value", "configuration"], rows, css="custom")


def entity(
    api: Api, schema: Schema, type_id: str, entity_id: str, listing: str | None, offset: int
) -> tuple[str, str]:
    """One entity and a page of one of its lists (one batch of at most two operations);
    `NotFoundError` for an unknown type or id."""
    if type_id not in schema.types:
        msg = f"no entity type {type_id!r}"
        raise NotFoundError(msg)
    offered = [
        item for item in LISTS if schema.types[type_id].properties.get(item.name) is not None
    ]
    chosen = next((item for item in offered if item.name == listing), None)
    if chosen is None and offered:
        chosen = offered[0]
    projections = ", ".join(_projections(schema, type_id))
    where = f"where id is {quote(entity_id)}"
    operations = [{"action": "query", "expression": f"select {projections} from {type_id} {where}"}]
    body = ""
    try:
        if chosen is None:
            answers, rows, more = api(operations), list[dict[str, Any]](), False
        else:
            columns = [c for c in chosen.columns if _has_path(schema, chosen.item_type, c)]
            order = [c for c in (chosen.order, "id") if _has_path(schema, chosen.item_type, c)]
            text = (
                f"select {', '.join(['id', *columns])} from {chosen.item_type} "
                f"where {chosen.key} is {quote(entity_id)} order by {', '.join(order)} "
                f"limit {PAGE_SIZE + 1} offset {offset}"
            )
            answers, rows, more = _page(api, text, operations)
    except ServerError as error:
        return type_id, _error(error)
    found = answers[0].get("data", []) if answers and isinstance(answers[0], Mapping) else []
    if not found:
        msg = f"no {type_id} with id {entity_id!r}"
        raise NotFoundError(msg)
    record: dict[str, Any] = dict(found[0])
    props = schema.types[type_id].properties
    title = f"{record.get(ENTITY, type_id)} {label(record)}"
    body += _breadcrumb(record.get("link"))
    body += _thumbnail(record.get("thumbnail_url"))
    scalars = [
        [esc(n), value_html(v)]
        for n, v in record.items()
        if n in props and props[n].kind in (Kind.SCALAR, Kind.DATETIME) and n != "link"
    ]
    body += "<h2>Attributes</h2>" + table(["attribute", "value"], scalars, css="attributes")
    relations = [
        [esc(n), value_html(v)]
        for n, v in record.items()
        if n in props and props[n].kind is Kind.REFERENCE
    ]
    body += "<h2>Relations</h2>" + table(["relation", "entity"], relations, css="relations")
    if "custom_attributes" in props:
        body += "<h2>Custom attributes</h2>" + _custom_attributes(record.get("custom_attributes"))
    if chosen is not None:
        tabs = " ".join(
            f'<a class="{"current" if item is chosen else ""}" '
            f'href="{entity_url(type_id, entity_id, list=item.name)}">{esc(item.name)}</a>'
            for item in offered
        )
        columns = [c for c in chosen.columns if _has_path(schema, chosen.item_type, c)]
        body += f'<h2>Lists</h2><nav class="tabs">{tabs}</nav>'
        body += _rows_table(rows, columns)
        if chosen.name == "components":
            body += _downloads(rows)
        body += pager(
            offset,
            PAGE_SIZE,
            more,
            lambda o: entity_url(type_id, entity_id, list=chosen.name, offset=o),
        )
    return title, body


def _downloads(rows: list[dict[str, Any]]) -> str:
    links = [
        f'<li><a class="download" href="{url("/component/get", id=row.get("id"))}">'
        f"download {esc(row.get('name'))}</a></li>"
        for row in rows
        if isinstance(row.get("id"), str)
    ]
    return f'<ul class="downloads">{"".join(links)}</ul>' if links else ""


def _query_form(text: str, offset: int, csrf: str, label: str, *, editable: bool) -> str:
    field = (
        f'<textarea name="q" rows="3" cols="80" spellcheck="false">{esc(text)}</textarea>'
        if editable
        else f'<input type="hidden" name="q" value="{esc(text)}">'
    )
    return (
        f'<form class="query" method="post" action="{url("/query")}">{field}'
        f'<input type="hidden" name="offset" value="{offset}">'
        f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
        f'<button type="submit">{esc(label)}</button></form>'
    )


def query(api: Api, text: str, offset: int, csrf: str) -> tuple[str, str]:
    """The query console: its form and, for ``text``, a caret error in place, or the
    canonical text and a page of rows (one operation). The form (and its paging) posts
    with the login's ``csrf`` token."""
    body = _query_form(text, 0, csrf, "Run", editable=True)
    if not text.strip():
        return "Query", body
    try:
        select = parse(text)
    except QuerySyntaxError as error:
        return "Query", body + f'<pre class="error syntax">{esc(error)}</pre>'
    body += f'<p>Canonical text: <code class="canonical">{esc(select)}</code></p>'
    start = (select.offset or 0) + offset
    limit = PAGE_SIZE + 1
    if select.limit is not None:
        limit = max(0, min(limit, select.limit - offset))
    paged = attrs.evolve(select, offset=start, limit=limit)
    try:
        _, rows, more = _page(api, str(paged))
    except ServerError as error:
        return "Query", body + _error(error)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns and k != ENTITY)
    body += _rows_table(rows, columns)
    pages = []
    if offset > 0:
        pages.append(
            _query_form(text, max(0, offset - PAGE_SIZE), csrf, "previous", editable=False)
        )
    pages.append(f"<span>from {offset + 1}</span>")
    if more:
        pages.append(_query_form(text, offset + PAGE_SIZE, csrf, "next", editable=False))
    return "Query", body + '<nav class="pager">' + "".join(pages) + "</nav>"
