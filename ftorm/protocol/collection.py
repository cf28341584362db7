"""Decoding and building many objects at once without Python's cyclic garbage collector
running meanwhile.

CPython starts a collection after every few hundred new container objects, and a full
collection (every tracked object of the process) each time the objects that survived have
grown by a quarter. Hydrating a large query makes two tracked objects per row (the instance
and its ``__dict__``) and keeps them all: without a pause, 100,000 rows cost several full
collections over a growing heap, a large share of the query's time on the client
(``benchmarks/bench_loading.py``). The objects built are all kept (the identity map and the
result list hold them), so collecting meanwhile finds nothing to free.

The JSON decoder's objects are mostly dicts of text, which the collector does not track but
still counts: each few hundred of them start a collection, and the collections add up to
full ones. `paused` switches automatic collection off while one answer is decoded
(`ftorm.transport.http.decode_answer`) or one batch of rows is hydrated
(`ftorm.session.loading.Hydrator.all`), and back on after it, if it was on when the first
pause began: pauses on several threads at once nest, and the collector comes back when the
last one ends. A pause covers ftorm's own decoding and hydration loops only, never the
caller's code (a loop body over the results runs with the collector as the caller left it).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]

_lock = threading.Lock()
_depth = 0  # pauses under way, on every thread
_resume = False  # whether the collector was on when the outermost pause began


@contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic garbage collection inside the block (see the module)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
