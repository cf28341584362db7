"""A web page on ``ftorm serve``: log in, browse a workspace, run queries, watch events.

Server-rendered HTML from the standard library (`ftorm.server.web.pages`), one small
static script for the live events view; no build step, nothing loaded from the internet.
Its data comes through the API's own operations, run as the logged-in user
(`ftorm.server.web.app`).
"""

from __future__ import annotations

from ftorm.server.web.app import COOKIE, CSP, OPERATIONS_HEADER, WebApp
from ftorm.server.web.pages import PREFIX
from ftorm.server.web.views import MAX_OPERATIONS, PAGE_SIZE

__all__ = ["COOKIE", "CSP", "MAX_OPERATIONS", "OPERATIONS_HEADER", "PAGE_SIZE", "PREFIX", "WebApp"]
