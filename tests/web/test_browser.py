"""The web page in a real browser (headless Chromium driven by Playwright): log in, browse
the generated show of 20,000 entities down to a version, run a good and a bad query, watch
an ``ftrack.update`` arrive; hostile names show as text; each view runs one API batch of at
most two operations (counted server-side).

Set ``FTORM_WEB_SCREENSHOTS`` to a folder to save the screenshots of the how-to page there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.project_data import populate
from ftorm.errors import QuerySyntaxError
from ftorm.query.parser import parse
from ftorm.query.render import quote
from ftorm.server.handlers import Server
from ftorm.server.web import MAX_OPERATIONS, PAGE_SIZE
from tests.server.server_helpers import serving_http
from tests.skip_policy import chromium_executable
from tests.web.helpers import KEY, USER, Counting

pytestmark = pytest.mark.http

HOSTILE = "<script>window.hacked = 1</script><img src=x onerror=window.hacked=2>"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def executable() -> str:
    return chromium_executable()


@pytest.fixture(scope="module")
def show(executable: str) -> Iterator[tuple[Server, str, Counting]]:
    server = Server(api_user=USER, api_key=KEY)
    populate(server, entities=20_000)  # the size the issue names
    created = server.handle(
        [{"action": "create", "entity_type": "Project", "entity_data": {"name": HOSTILE}}]
    )
    assert isinstance(created, list)
    counting = Counting(server)
    with serving_http(server, close=False) as httpd:
        yield server, f"http://127.0.0.1:{httpd.server_address[1]}", counting
    server.close()


@pytest.fixture(scope="module")
def page(executable: str, show: tuple[Server, str, Counting]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.dialogs = dialogs
            yield page
        finally:
            browser.close()


def _shot(page: Any, name: str, *, full_page: bool = False) -> None:
    folder = os.environ.get("FTORM_WEB_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"web-{name}.png"), full_page=full_page)


def _one_view(page: Any, counting: Counting, action: Any) -> None:
    """Run ``action`` (a navigation) and check it ran one batch of at most two operations."""
    counting.reset()
    with page.expect_navigation(wait_until="load"):
        action()
    assert len(counting.batches) == 1, (counting.batches, page.url, page.content()[:1500])
    assert 1 <= counting.batches[0] <= MAX_OPERATIONS


def _open(page: Any, counting: Counting, name: str) -> None:
    """Follow the link labelled ``name`` in the page's list, paging on until it shows."""
    for _ in range(50):
        links = page.locator("table.rows").get_by_role("link", name=name, exact=True)
        if links.count():
            _one_view(page, counting, links.first.click)
            return
        _one_view(page, counting, lambda: page.click("a[rel=next]"))
    raise AssertionError(name)


def test_log_in_and_browse_the_show_down_to_a_version(
    page: Any, show: tuple[Server, str, Counting]
) -> None:
    server, base, counting = show
    page.goto(f"{base}/")
    assert page.url.endswith("/web/login")
    page.fill("input[name=user]", USER)
    page.fill("input[name=key]", KEY)
    _shot(page, "login")
    _one_view(page, counting, lambda: page.click("button[type=submit]"))
    page.wait_for_url(re.compile(r"/web/projects$"))
    assert KEY not in page.url
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "ftorm_session")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert KEY not in session["value"]
    _shot(page, "projects")

    # a hostile project name shows as text and runs nothing
    hostile = page.get_by_role("link", name=HOSTILE, exact=True)
    assert hostile.count() == 1
    assert page.evaluate("window.hacked") is None

    version = server.query(
        "select id, version, asset.name, asset.context_id from AssetVersion"
        ' where components any (name like "%") limit 1'
    )["data"][0]
    context = str(version["asset"]["context_id"])
    chain = server.query(f"select link from Context where id is {quote(context)}")["data"][0]
    names = [str(item["name"]) for item in chain["link"]]  # show, episode, sequence, shot
    for name in names:
        _open(page, counting, name)
        page.wait_for_selector(f"h1:has-text({name!r})")
    assert page.inner_text("h1").startswith("Shot")
    assert page.locator("nav.crumbs a").all_inner_texts() == names
    assert page.locator("h2:has-text('Custom attributes')").count() == 1
    _shot(page, "shot", full_page=True)
    _one_view(page, counting, lambda: page.click("nav.tabs a:has-text('assets')"))
    page.wait_for_url(re.compile(r"list=assets"))
    _open(page, counting, str(version["asset"]["name"]))
    page.wait_for_selector("h1:has-text('Asset')")
    _open(page, counting, f"v{version['version']}")
    page.wait_for_selector("h1:has-text('AssetVersion')")
    _one_view(page, counting, lambda: page.click("nav.tabs a:has-text('components')"))
    page.wait_for_url(re.compile(r"list=components"))
    assert page.locator("a.download").count() >= 1
    _shot(page, "version", full_page=True)


def test_a_long_level_pages(page: Any, show: tuple[Server, str, Counting]) -> None:
    server, base, counting = show
    sequences = server.query("select id, name from Sequence where project.name is show limit 1")[
        "data"
    ]
    sequence = sequences[0]
    shots = server.query(
        f"select id from Shot where parent_id is {quote(sequence['id'])} limit {PAGE_SIZE + 1}"
    )["data"]
    _one_view(page, counting, lambda: page.goto(f"{base}/web/entity/Sequence/{sequence['id']}"))
    rows = page.locator("table.rows tbody tr").count()
    assert rows == min(len(shots), PAGE_SIZE)
    if len(shots) > PAGE_SIZE:
        _one_view(page, counting, lambda: page.click("a[rel=next]"))
        page.wait_for_url(re.compile(rf"offset={PAGE_SIZE}"))
        assert page.locator("table.rows tbody tr").count() >= 1


def test_query_console_good_and_bad_text(page: Any, show: tuple[Server, str, Counting]) -> None:
    _, base, counting = show
    page.goto(f"{base}/web/query")
    good = "select version,   comment from AssetVersion where version >= 1 order by version"
    page.fill("textarea[name=q]", good)
    _one_view(page, counting, lambda: page.click("form.query button"))
    page.wait_for_selector("code.canonical")
    assert page.inner_text("code.canonical") == str(parse(good))
    assert page.locator("table.rows tbody tr").count() == PAGE_SIZE
    _shot(page, "query")
    _one_view(page, counting, lambda: page.click("nav.pager button:has-text('next')"))
    page.wait_for_selector("code.canonical")
    assert page.inner_text("nav.pager span") == f"from {PAGE_SIZE + 1}"

    bad = "select version from AssetVersion where version >"
    with pytest.raises(QuerySyntaxError) as caught:
        parse(bad)
    page.fill("textarea[name=q]", bad)
    counting.reset()
    page.click("form.query button")
    page.wait_for_selector("pre.syntax")
    assert counting.batches == []  # the parser answered: no API request
    assert page.inner_text("pre.syntax") == str(caught.value)
    assert "^" in page.inner_text("pre.syntax")
    _shot(page, "query-error")

    page.fill("textarea[name=q]", f"Project where name is {quote(HOSTILE)}")
    page.click("form.query button")
    page.wait_for_selector("table.rows")
    assert page.get_by_role("link", name=HOSTILE, exact=True).count() == 1
    assert page.evaluate("window.hacked") is None
    assert page.dialogs == []


def test_events_view_shows_ftrack_update_live(
    page: Any, show: tuple[Server, str, Counting]
) -> None:
    server, base, _ = show
    page.goto(f"{base}/web/events")
    page.wait_for_selector("#live-status:has-text('watching')")
    created = server.handle(
        [{"action": "create", "entity_type": "Project", "entity_data": {"name": "watched"}}]
    )
    assert isinstance(created, list)
    page.wait_for_selector("#live li:has-text('ftrack.update')")
    assert "add Project" in page.inner_text("#live li")
    _shot(page, "events")
    page.fill("input[name=subscription]", "topic=")
    page.click("form.events button")
    page.wait_for_selector("#live-status.error")
    assert "^" in page.inner_text("#live-status")
