"""The web page over HTTP without a browser: credentials, cookies, anti-forgery tokens, the
Content-Security-Policy, escaping, and how many API operations each view runs."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator

import pytest

from benchmarks.project_data import populate
from ftorm.errors import QuerySyntaxError
from ftorm.query.parser import parse
from ftorm.server.handlers import Server
from ftorm.server.web import COOKIE, CSP, MAX_OPERATIONS, OPERATIONS_HEADER, PAGE_SIZE
from ftorm.server.web.live import stream
from tests.server.server_helpers import serving_http
from tests.web.helpers import KEY, USER, Browser, Counting

pytestmark = pytest.mark.http

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    server = Server(api_user=USER, api_key=KEY)
    populate(server, entities=2000)
    answer = server.handle(
        [
            {
                "action": "create",
                "entity_type": "Project",
                "entity_data": {"name": HOSTILE, "full_name": HOSTILE},
            }
        ]
    )
    assert isinstance(answer, list)
    show = server.query('select id from Project where name is "show"')["data"][0]["id"]
    long = {"__entity_type__": "Sequence", "id": "long-sequence"}
    parent = {"__entity_type__": "Project", "id": show}
    shots = [
        {
            "action": "create",
            "entity_type": "Shot",
            "entity_data": {"name": f"long{n:03}", "parent": long},
        }
        for n in range(PAGE_SIZE + 10)
    ]
    sequence = {"id": "long-sequence", "name": "long", "parent": parent}
    create = {"action": "create", "entity_type": "Sequence", "entity_data": sequence}
    assert isinstance(server.handle([create, *shots]), list)
    yield server
    server.close()


@pytest.fixture(scope="module")
def port(server: Server) -> Iterator[int]:
    with serving_http(server, close=False) as httpd:
        yield int(httpd.server_address[1])


@pytest.fixture
def browser(port: int) -> Browser:
    browser = Browser(port)
    assert browser.login().status == 303
    return browser


def _ids(server: Server, text: str) -> list[str]:
    return [str(row["id"]) for row in server.query(text)["data"]]


def test_pages_need_a_login_and_the_root_leads_to_them(port: int) -> None:
    anonymous = Browser(port)
    assert anonymous.get("/").headers["Location"] == "/web/projects"
    for path in ("/web/projects", "/web/query", "/web/events", "/web/entity/Project/x"):
        answer = anonymous.get(path)
        assert answer.status == 303
        assert answer.headers["Location"] == "/web/login"
    assert anonymous.get("/web/events/stream").status == 303
    assert anonymous.get("/web/component/get?id=x").status == 303


def test_login_cookie_is_http_only_same_site_strict_and_never_the_key(port: int) -> None:
    browser = Browser(port)
    form = browser.get("/web/login")
    assert form.status == 200
    answer = browser.post("/web/login", {"user": USER, "key": KEY, "csrf": browser.csrf(form)})
    assert answer.status == 303
    assert answer.headers["Location"] == "/web/projects"
    session = [line for line in browser.set_cookie_lines if line.startswith(f"{COOKIE}=")]
    assert len(session) == 1
    assert "HttpOnly" in session[0]
    assert "SameSite=Strict" in session[0]
    for line in browser.set_cookie_lines:
        assert KEY not in line
        assert "HttpOnly" in line
        assert "SameSite=Strict" in line
    page = browser.get("/web/projects")
    assert page.status == 200
    assert KEY not in page.text


def test_bad_credentials_are_refused_as_the_api_refuses_them(port: int) -> None:
    browser = Browser(port)
    answer = browser.login(key="wrong")
    assert answer.status == 401
    assert "The supplied API key is not valid." in answer.text
    assert COOKIE not in browser.cookies
    assert browser.get("/web/projects").status == 303


def test_posts_without_the_forms_token_or_from_another_origin_are_refused(port: int) -> None:
    browser = Browser(port)
    form = browser.get("/web/login")
    token = browser.csrf(form)
    assert browser.post("/web/login", {"user": USER, "key": KEY}).status == 403
    assert browser.post("/web/login", {"user": USER, "key": KEY, "csrf": "forged"}).status == 403
    cross = browser.post(
        "/web/login",
        {"user": USER, "key": KEY, "csrf": token},
        Origin="http://evil.example",
    )
    assert cross.status == 403
    assert COOKIE not in browser.cookies
    assert browser.post("/web/login", {"user": USER, "key": KEY, "csrf": token}).status == 303
    # logged in: the query form and logging out need the login's own token
    assert browser.post("/web/query", {"q": "Project", "csrf": token}).status == 403
    assert browser.post("/web/logout", {"csrf": "forged"}).status == 403
    page = browser.get("/web/query")
    assert browser.post("/web/query", {"q": "Project", "csrf": browser.csrf(page)}).status == 200
    assert browser.post("/web/logout", {"csrf": browser.csrf(page)}).status == 303
    assert browser.get("/web/projects").status == 303  # the login is gone


def test_every_answer_sends_the_policy_and_no_page_has_inline_script(
    browser: Browser, server: Server
) -> None:
    project = _ids(server, 'select id from Project where name is "show"')[0]
    for path in (
        "/web/login",
        "/web/projects",
        f"/web/entity/Project/{project}",
        "/web/query",
        "/web/events",
        "/web/static/web.js",
    ):
        answer = browser.get(path)
        assert answer.headers["Content-Security-Policy"] == CSP, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        scripts = re.findall(r"<script[^>]*>", answer.text)
        assert all('src="/web/static/web.js"' in s for s in scripts), path
        assert " on" not in re.sub(r"<[^>]*>", "", "")  # no event-handler attributes below
        assert not re.search(r"<[^>]+\son[a-z]+=", answer.text), path
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP


def test_hostile_names_show_as_text(browser: Browser, server: Server) -> None:
    listing = browser.get("/web/projects")
    assert HOSTILE not in listing.text
    assert html.escape(HOSTILE) in listing.text
    project = _ids(server, f"select id from Project where name is {_quote(HOSTILE)}")[0]
    page = browser.get(f"/web/entity/Project/{project}")
    assert HOSTILE not in page.text
    assert html.escape(HOSTILE) in page.text
    query = browser.post(
        "/web/query", {"q": f"Project where name is {_quote(HOSTILE)}", "csrf": browser.csrf(page)}
    )
    assert HOSTILE not in query.text
    assert html.escape(HOSTILE) in query.text


def _quote(text: str) -> str:
    from ftorm.query.render import quote

    return quote(text)


def test_each_view_runs_one_batch_of_at_most_two_operations_and_pages(
    browser: Browser, server: Server
) -> None:
    counting = Counting(server)
    show = _ids(server, 'select id from Project where name is "show"')[0]
    sequence = "long-sequence"
    shot = _ids(server, f"select id from Shot where parent_id is {_quote(sequence)} limit 1")[0]
    asset = _ids(server, "select id from Asset where versions any (id like '%') limit 1")[0]
    version = _ids(
        server, f"select id from AssetVersion where asset_id is {_quote(asset)} limit 1"
    )[0]
    counting.reset()
    views = [
        "/web/projects",
        f"/web/entity/Project/{show}",
        f"/web/entity/Sequence/{sequence}",
        f"/web/entity/Sequence/{sequence}?offset={PAGE_SIZE}",
        f"/web/entity/Shot/{shot}",
        f"/web/entity/Shot/{shot}?list=assets",
        f"/web/entity/Shot/{shot}?list=notes",
        f"/web/entity/Asset/{asset}",
        f"/web/entity/AssetVersion/{version}",
    ]
    for path in views:
        counting.reset()
        answer = browser.get(path)
        assert answer.status == 200, path
        assert len(counting.batches) == 1, path
        assert 1 <= counting.batches[0] <= MAX_OPERATIONS, path
        assert answer.headers[OPERATIONS_HEADER] == str(counting.batches[0])
        rows = answer.text.count("<tr>") - answer.text.count("<thead><tr>")
        assert rows < 200, path  # a page, never a whole table
    sequence_page = browser.get(f"/web/entity/Sequence/{sequence}")
    assert 'rel="next"' in sequence_page.text  # more shots than a page


def test_query_console_shows_the_caret_error_and_the_canonical_text(browser: Browser) -> None:
    page = browser.get("/web/query")
    bad = "select name fro Shot"
    with pytest.raises(QuerySyntaxError) as caught:
        parse(bad)
    answer = browser.post("/web/query", {"q": bad, "csrf": browser.csrf(page)})
    assert html.escape(str(caught.value)) in answer.text
    assert "^" in str(caught.value)
    good = "select   name from Shot where name like 'sh%'"
    answer = browser.post("/web/query", {"q": good, "csrf": browser.csrf(page)})
    assert html.escape(str(parse(good))) in answer.text
    assert answer.text.count("sh0") >= PAGE_SIZE
    names = re.findall(r">(sh\d+)<", answer.text)
    second = browser.post(
        "/web/query", {"q": good, "offset": str(PAGE_SIZE), "csrf": browser.csrf(page)}
    )
    later = re.findall(r">(sh\d+)<", second.text)
    assert later
    assert not set(later) & set(names)


def test_query_console_keeps_the_texts_own_limit(browser: Browser) -> None:
    page = browser.get("/web/query")
    answer = browser.post(
        "/web/query", {"q": "select name from Shot limit 3", "csrf": browser.csrf(page)}
    )
    assert len(set(re.findall(r">(sh\d+)<", answer.text))) == 3
    assert 'value="next"' not in answer.text


def _stored(server: Server, offset: int, data: bytes) -> tuple[str, str]:
    """A file component (the ``offset``-th) with ``data`` stored: its id and its version's."""
    text = f"select id, version_id from FileComponent order by id limit 1 offset {offset}"
    row = server.query(text)["data"][0]
    server.files.path(str(row["id"])).write_bytes(data)
    return str(row["id"]), str(row["version_id"])


def test_downloads_go_through_component_get_with_the_login(
    browser: Browser, server: Server, port: int
) -> None:
    component, version = _stored(server, 0, b"frame data")
    page = browser.get(f"/web/entity/AssetVersion/{version}?list=components")
    assert f'href="/web/component/get?id={component}"' in page.text
    answer = browser.get(f"/web/component/get?id={component}")
    assert answer.status == 200
    assert answer.text == "frame data"
    assert browser.get("/web/component/get?id=no-such-component").status == 404
    assert Browser(port).get(f"/web/component/get?id={component}").status == 303


def test_events_stream_sends_ftrack_update_and_refuses_a_bad_expression(server: Server) -> None:
    bad = b"".join(stream(server.events, USER, KEY, "topic=", seconds=1))
    assert b"event: problem" in bad
    assert b"^" in bad
    refused = b"".join(stream(server.events, USER, "wrong", "topic=ftrack.update", seconds=1))
    assert b"event: problem" in refused

    chunks: list[bytes] = []
    messages = stream(server.events, USER, KEY, "topic=ftrack.update", seconds=5)

    def read() -> None:
        for chunk in messages:
            chunks.append(chunk)
            if b"event: hub" in chunk:
                break

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    while not any(b"event: ready" in c for c in chunks) and time.monotonic() < deadline:
        time.sleep(0.02)
    server.handle(
        [{"action": "create", "entity_type": "Project", "entity_data": {"name": "watched"}}]
    )
    reader.join(10)
    messages.close()
    hub = [c for c in chunks if c.startswith(b"event: hub")]
    assert hub
    assert b"ftrack.update" in hub[0]
    assert b"watched" in hub[0] or b"add" in hub[0]
    assert not [c for c in server.events.connections if c.closed_reason is None and not c.acking]


def test_the_page_can_be_left_out(server: Server) -> None:
    with serving_http(server, close=False, web=False) as httpd:
        answer = Browser(int(httpd.server_address[1])).get("/web/login")
    assert answer.status == 404
    assert "/api" in answer.text


def test_a_thumbnail_shows_from_this_server_through_its_signed_address(
    browser: Browser, server: Server, port: int
) -> None:
    component, version = _stored(server, 1, b"\x89PNG thumbnail")
    update = {
        "action": "update",
        "entity_type": "AssetVersion",
        "entity_key": [version],
        "entity_data": {"thumbnail_id": component},
    }
    assert isinstance(server.handle([update]), list)
    page = browser.get(f"/web/entity/AssetVersion/{version}")
    found = re.search(r'<img class="thumbnail" alt="thumbnail" src="([^"]+)"', page.text)
    assert found is not None
    address = html.unescape(found.group(1))
    assert address.startswith(f"/component/thumbnail?id={component}&token=")
    answer = Browser(port).get(address)  # the signed address needs no login
    assert answer.status == 200
    assert answer.text.endswith("thumbnail")


def test_an_unknown_type_or_id_is_a_404_with_the_name_as_text(browser: Browser) -> None:
    hostile_type = browser.get("/web/entity/%3Cscript%3Ex%3C%5Cscript%3E/1")
    assert hostile_type.status == 404
    assert "<script>x" not in hostile_type.text
    assert html.escape("'<script>x<\\\\script>'") in hostile_type.text
    missing = browser.get("/web/entity/Shot/%22%20or%20id%20like%20%22%25")
    assert missing.status == 404
    assert "no Shot with id" in missing.text
    assert browser.get("/web/nowhere").status == 404
