"""A served workspace and a small cookie-keeping HTTP client for the web page's tests."""

from __future__ import annotations

import http.client
import re
from typing import Any
from urllib.parse import urlencode

from ftorm.server.handlers import Server

KEY = "web-test-key"
USER = "ftorm"


class Counting:
    """Counts the batches and operations ``server.handle`` answers (the API, server-side)."""

    def __init__(self, server: Server) -> None:
        self.batches: list[int] = []
        original = server.handle

        def handle(operations: Any, **options: Any) -> Any:
            self.batches.append(len(operations) if isinstance(operations, list) else 0)
            return original(operations, **options)

        server.handle = handle  # type: ignore[method-assign]

    def reset(self) -> None:
        self.batches.clear()


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.text = response.read().decode("utf-8", "replace")


class Browser:
    """Requests with a cookie jar of one cookie per name (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.set_cookie_lines: list[str] = []

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, **headers: str
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = urlencode(form).encode() if form is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **headers}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = Answer(connection.getresponse())
        finally:
            connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookie_lines.append(line)
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in line:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return answer

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, **headers)

    def post(self, path: str, form: dict[str, str], **headers: str) -> Answer:
        return self.request("POST", path, form, **headers)

    def csrf(self, answer: Answer) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
        assert found is not None, answer.text[:500]
        return found.group(1)

    def login(self, user: str = USER, key: str = KEY) -> Answer:
        form = self.get("/web/login")
        return self.post("/web/login", {"user": user, "key": key, "csrf": self.csrf(form)})
