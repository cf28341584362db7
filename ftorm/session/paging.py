"""Reading one query page by page, with the next page on its way while this one is read.

`pages` yields the answer of each page request in order. The paging arithmetic (`Pager`) is
the same on every transport. A query paged by key (``keys``: a query of entities with no
``order by`` of its own, ordered by its primary key, see `ftorm.session.queries.keyset`)
asks for the rows after the last row of the page before (``... and id > "<last id>"``), so
rows deleted or added before the ones read so far move no row into or out of the pages still
to come. Other queries start each request at the server's ``next.offset``. Either way a
request asks for no more rows than the query's ``limit`` leaves, and for as many rows as the
server answered when the server answered fewer than asked (its own page limit) and said more
follow.

Pages may grow (``grow_to``): after each full page the next asks for twice as many rows, up to
``grow_to``, so a large query costs few round trips while its first rows still come quickly
(500, 1,000, 2,000, 4,000, 8,000, 16,000, then 20,000 a page with the session's defaults:
10,000 rows in 5 requests instead of 20, 100,000 in 10 instead of 200). Fewer, larger pages
also leave fewer pauses between the server's answers, where it waits for the next request
(``benchmarks/bench_loading.py``). The limit relied on: ftrack documents no largest page
(its Python client asks for 500 rows a page and takes any ``limit``, and a query without a
``limit`` answers every row at once); a server that answers fewer rows than asked while
more follow has a limit of its own: from then on every page asks for that many, and pages
stop growing.

With ``threaded`` (transports that wait on the network), the second and later pages are
fetched by one background thread, one page ahead of the reader: while the reader turns page
n into objects, page n+1 is on its way. The thread stops when the reader stops, whether the
iteration ends, fails, or is abandoned (``close()``, or garbage collection of the generator):
it finishes at most the request it has in flight and then exits. A failure belongs to the
page whose request failed: the pages before it are read first, then it is raised.
Without ``threaded`` (the in-process transport, whose server runs on the caller's thread
anyway) the same requests are made one after another on the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence

import attrs

from ftorm._typing import JSON
from ftorm.errors import ServerError
from ftorm.protocol.operations import OperationLike, QueryOp
from ftorm.protocol.results import QueryResult, read_query
from ftorm.query import ast
from ftorm.session.queries import after_key

__all__ = ["GROW_TO", "Call", "Pager", "pages"]

GROW_TO = 20_000
"""The largest page a session's pages grow to when its ``page_size`` is the default (40x the
500 rows ftrack's Python client asks for; see the module for the limit relied on)."""

Call = Callable[[Sequence[OperationLike]], list[JSON]]
"""Sends one batch (one request); one result per operation (`ftorm.Session.call`)."""

Fetch = Callable[[ast.Select], QueryResult]


class Pager:
    """The page requests of one query, each made from the answer to the one before."""

    __slots__ = ("_passed", "grow_to", "keys", "node", "remaining", "size")

    def __init__(
        self,
        node: ast.Select,
        size: int,
        keys: Sequence[str] | None = None,
        grow_to: int | None = None,
    ) -> None:
        self.node: ast.Select = node
        """The whole query (its ``offset`` and ``limit`` bound the pages)."""
        self.keys: tuple[str, ...] | None = None if keys is None else tuple(keys)
        """The primary key's wire names when the query is paged by key (it is ordered by
        them), else None: paged by offset."""
        self._passed: set[tuple[object, ...]] = set()  # the keys pages were asked after
        self.size: int = size
        """Rows asked for per page (lowered to the server's own limit when it has one)."""
        self.remaining: int | None = node.limit
        """Rows the query's ``limit`` still allows (None: no limit)."""
        self.grow_to: int = max(size, grow_to or size)
        """The largest page: after a full page the next asks for twice as many, up to this."""

    def first(self) -> ast.Select | None:
        """The first page request (None when the query's ``limit`` is 0)."""
        return self._request(attrs.evolve(self.node, offset=self.node.offset or 0))

    def after(self, request: ast.Select, result: QueryResult) -> ast.Select | None:
        """The request for the page after ``request``, whose answer was ``result``.

        Raises:
            ServerError: when the server's ``next.offset`` does not move forward
                (`QueryResult.following`), or (paged by key) a page ends on a row without
                its key or on a row a page ended on before.
        """
        count = len(result.data)
        if self.remaining is not None:
            self.remaining -= count
        following = result.following(request.offset or 0)
        if following is None:
            return None
        if request.limit is not None and count < request.limit:
            self.size = self.grow_to = count  # the server's own page limit: ask for that
        else:
            self.size = min(self.size * 2, self.grow_to)
        if self.keys is not None:
            return self._request(after_key(self.node, self.keys, self._last_key(result)))
        return self._request(attrs.evolve(self.node, offset=following))

    def _last_key(self, result: QueryResult) -> tuple[object, ...]:
        """The primary key of the last row of ``result``: the next page starts after it."""
        row = result.data[-1]
        keys = self.keys or ()
        values = tuple(row.get(key) for key in keys)
        if not all(type(value) in (str, int) for value in values):
            msg = f"the server answered a row without its key ({', '.join(keys)}): {row!r:.200}"
            raise ServerError(msg)
        if values in self._passed:
            msg = (
                f"the server answered next.offset {result.next_offset} (more rows follow) "
                f"for a page ending on the row {values!r} again: paging stopped instead of "
                "reading the same rows again"
            )
            raise ServerError(msg)
        self._passed.add(values)
        return values

    def _request(self, node: ast.Select) -> ast.Select | None:
        remaining = self.remaining
        if remaining is not None and remaining <= 0:
            return None
        size = self.size if remaining is None else min(self.size, remaining)
        return attrs.evolve(node, limit=size)


def pages(
    call: Call,
    node: ast.Select,
    size: int,
    *,
    threaded: bool,
    keys: Sequence[str] | None = None,
    grow_to: int | None = None,
) -> Generator[QueryResult, None, None]:
    """The answers to ``node``'s page requests, ``size`` rows each (growing to ``grow_to``),
    in order (see module); paged by key when ``keys`` names the primary key ``node`` is
    ordered by.

    Each request is sent through ``call`` on its own.
    """

    def fetch(request: ast.Select) -> QueryResult:
        return read_query(call([QueryOp(str(request))])[0])

    pager = Pager(node, size, keys, grow_to)
    request = pager.first()
    while request is not None:
        result = fetch(request)
        try:
            request = pager.after(request, result)
        except ServerError:
            yield result
            raise
        if request is not None and threaded:
            break
        yield result
    else:
        return
    # A second page exists: fetch it, and each one after it, on a thread one page ahead.
    ahead = _Ahead(fetch, pager, request)
    try:
        yield result
        while True:
            item = ahead.take()
            if item is None:
                return
            yield item
    finally:
        ahead.stop()


class _Ahead:
    """One background thread fetching pages for one reader, one page ahead of it."""

    __slots__ = ("_pages", "_stopped", "_wanted")

    def __init__(self, fetch: Fetch, pager: Pager, request: ast.Select) -> None:
        self._pages: queue.SimpleQueue[QueryResult | Exception | None] = queue.SimpleQueue()
        self._wanted = threading.Semaphore(1)  # the first page is wanted at once
        self._stopped = threading.Event()
        thread = threading.Thread(
            target=_fetch_ahead,
            args=(fetch, pager, request, self._pages, self._wanted, self._stopped),
            name="ftorm-pages",
            daemon=True,
        )
        thread.start()

    def take(self) -> QueryResult | None:
        """The next page (None after the last); its failure is raised here, in order."""
        item = self._pages.get()
        if isinstance(item, Exception):
            raise item
        if item is not None:
            self._wanted.release()  # fetch the next page while this one is read
        return item

    def stop(self) -> None:
        """Tell the thread to stop (after the request it has in flight, if any)."""
        self._stopped.set()
        self._wanted.release()


def _fetch_ahead(
    fetch: Fetch,
    pager: Pager,
    request: ast.Select | None,
    out: queue.SimpleQueue[QueryResult | Exception | None],
    wanted: threading.Semaphore,
    stopped: threading.Event,
) -> None:
    # Holds no reference to the reader's generator, so the reader can be collected (and
    # its close() stops this thread) while the thread waits.
    while request is not None:
        wanted.acquire()
        if stopped.is_set():
            return
        try:
            result = fetch(request)
        except Exception as error:  # the reader raises it, after the pages before it
            out.put(error)
            return
        try:
            request = pager.after(request, result)
        except Exception as error:
            out.put(result)
            out.put(error)
            return
        out.put(result)
    out.put(None)  # the end
