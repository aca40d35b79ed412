"""Login that holds for every route, slowed-down password guessing, and no uploads.

Gradio's own ``auth`` checks only some routes (``/openapi.json``, ``/gradio_api/reset``,
``/gradio_api/cancel`` answered anyone) and answers wrong passwords as fast as they
come. ``Guard`` is an ASGI middleware inside Gradio's app that:

- refuses uploads always: the app has no upload control, so ``/gradio_api/upload``, the
  other routes that store a client's bytes, and any multipart body but the login form
  serve only an attacker;
- with login on, lets through without a session only the login page, its static
  files and the login form itself (the login page no longer carries the API description);
- after ``free`` failed logins from one client address, answers 429 with ``Retry-After``,
  doubling the wait with each further failure (up to ``max_s``); a success resets it.

The session is Gradio's own (the cookie its ``/login`` sets, checked against its tokens).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from corpus.errors import AssistantError

AUTH_ENV = "ASSISTANT_UI_AUTH"  # "user:password" or "u1:p1,u2:p2"
API = "/gradio_api"
# Routes that write a client's bytes to disk. Nothing in this app reads an upload.
UPLOAD_ROUTES = (f"{API}/upload", f"{API}/process_recording", f"{API}/stream/", f"{API}/vibe-edit",
                 f"{API}/undo-vibe-edit")
# Open without a session: the login page and what it loads (its scripts, styles, fonts, theme),
# the login form, and the server's own start-up check (Gradio's launch calls it).
PUBLIC_EXACT = {"/", "/login", "/login/", "/logout", "/favicon.ico", "/theme.css", f"{API}/theme.css",
                "/manifest.json", "/robots.txt", f"{API}/startup-events"}
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.DOTALL)  # toorjson escapes "<" inside


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """``user:password[,user2:password2]`` -> Gradio's auth list; None when unset."""
    if not value:
        return None
    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise AssistantError(f"{AUTH_ENV} must look like user:password (comma-separated for several users)")
        pairs.append((user, password))
    return pairs


@dataclass(frozen=True)
class Throttle:
    """How failed logins slow down: ``free`` tries, then waits of ``base_s`` × 2^k seconds, at most ``max_s``."""

    free: int = 5
    base_s: float = 2.0
    max_s: float = 300.0
    clients: int = 10_000  # addresses remembered (oldest forgotten first), so the table cannot grow without bound

    def wait_s(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_s, self.base_s * 2 ** min(failures - self.free, 30))


class LoginAttempts:
    """Login attempts per client address, and the time until which each address is refused. Thread-safe.

    An attempt counts as failed when it is admitted and stops counting when it succeeds, so
    parallel guesses cannot all slip in before the first of them has been answered.
    """

    def __init__(self, throttle: Throttle = Throttle()):
        self.throttle = throttle
        self._by_client: OrderedDict[str, tuple[int, float]] = OrderedDict()  # address -> (failures, refused until)
        self._lock = threading.Lock()

    def admit(self, client: str) -> float:
        """0 when ``client`` may try now (the try is counted); else the seconds it must wait."""
        now = time.monotonic()
        with self._lock:
            failures, until = self._by_client.pop(client, (0, 0.0))
            if until > now:
                self._by_client[client] = (failures, until)
                return until - now
            failures += 1
            self._by_client[client] = (failures, now + self.throttle.wait_s(failures))
            while len(self._by_client) > self.throttle.clients:
                self._by_client.popitem(last=False)
            return 0.0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._by_client.pop(client, None)


def _is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def _is_multipart(scope) -> bool:
    return any(name == b"content-type" and value.lower().startswith(b"multipart/") for name, value in scope.get("headers", ()))


def _has_session(scope, app) -> bool:
    """True when the request carries a cookie Gradio's ``/login`` issued (Gradio keeps them in ``app.tokens``)."""
    cookies = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                cookies[key] = val
    for name in (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}"):
        if cookies.get(name) and cookies[name] in app.tokens:
            return True
    return False


async def _reply(send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    head += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware for Gradio's app (``launch(app_kwargs={"middleware": [Middleware(Guard, ...)]})``)."""

    def __init__(self, app, logins: LoginAttempts | None = None):
        self.app = app
        self.logins = logins or LoginAttempts()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path, gradio_app = scope.get("path", ""), scope.get("app")
        if path.startswith(UPLOAD_ROUTES) or (_is_multipart(scope) and path.rstrip("/") != "/login"):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _reply(send, 403, "uploads are not accepted by this app")
        if getattr(gradio_app, "auth", None) is None:  # login off: nothing else to guard
            return await self.app(scope, receive, send)
        if _has_session(scope, gradio_app):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket" or not _is_public(path):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _reply(send, 401, "Not authenticated: log in first")
        if path.rstrip("/") == "/login" and scope.get("method") == "POST":
            return await self._login(scope, receive, send)
        if path == "/" and scope.get("method") == "GET":
            return await self.app(scope, receive, _without_api_info(send))
        return await self.app(scope, receive, send)

    async def _login(self, scope, receive, send):
        client = (scope.get("client") or ("unknown", 0))[0]  # the peer address: headers can be forged
        wait = self.logins.admit(client)
        if wait > 0:
            return await _reply(send, 429, "too many failed logins: wait before trying again",
                                {"retry-after": str(max(1, math.ceil(wait)))})
        status = []

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.logins.succeeded(client)


def _without_api_info(send):
    """Send the login page without its embedded description of every API endpoint."""
    start: dict = {}
    chunks: list[bytes] = []

    async def wrapped(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body" or not start:
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = API_INFO.sub(b"window.gradio_api_info = null;</script>", b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return wrapped
