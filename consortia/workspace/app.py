"""The web application: the page, its static files and the JSON API, behind a per-run token.

Every request must carry the token: the page's address has it (``?token=``; the first load
sets a same-site cookie so the page's own files load), and every API request sends it in the
``X-Workspace-Token`` header (a cookie alone is not enough there). The Host header must name
the loopback address the server was started on, which keeps other web sites out (DNS
rebinding). Bodies are JSON objects of at most 64 KiB with known keys only; a refused request
gets ``{"error": "..."}`` with a 4xx status, and an unexpected failure a 500 with a one-line
message, never a traceback.
"""

from __future__ import annotations

import html
import json
import secrets
import sys
from http.cookies import SimpleCookie
from importlib import resources
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import ConsortiaError
from ..figures import style
from ..figures.map_html import CSS as MAP_CSS
from .session import Refused, Workspace

__all__ = ["create_app", "page", "Guard", "MAX_BODY"]

MAX_BODY = 64 * 1024
COOKIE = "consortia_workspace"
STATIC = ("workspace.js", "workspace.css")
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)


class Guard:
    """ASGI middleware: the Host check, the token check and the security headers."""

    def __init__(self, app, token: str, hosts: set[str]):
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "") not in self.hosts:
            return await _error("this workspace answers only on its own loopback address", 403)(scope, receive, send)
        path = scope["path"]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = headers.get("x-workspace-token") or (query.get("token") or [None])[0]
        if given is None and not path.startswith("/api/"):
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:  # noqa: BLE001 - a malformed cookie is no token
                pass
            given = cookie[COOKIE].value if COOKIE in cookie else None
        if given is None:
            return await _error("this workspace needs the token from the address 'consortia serve' printed",
                                401)(scope, receive, send)
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return await _error("wrong workspace token", 403)(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _api(handler, keys: tuple[str, ...] = (), method: str = "POST"):
    """An endpoint: parse and check the JSON body, run ``handler(ws, body, query)`` in a worker
    thread, answer JSON; refusals and input errors become 4xx messages."""

    async def endpoint(request: Request):
        ws: Workspace = request.app.state.workspace
        body = {}
        if method == "POST":
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                return _error(f"request body larger than {MAX_BODY // 1024} KiB", 413)
            raw = await request.body()
            if len(raw) > MAX_BODY:
                return _error(f"request body larger than {MAX_BODY // 1024} KiB", 413)
            if "application/json" not in request.headers.get("content-type", ""):
                return _error("send the request body as application/json", 415)
            try:
                body = json.loads(raw or b"{}")
            except (ValueError, UnicodeDecodeError):
                return _error("the request body is not valid JSON", 400)
            if not isinstance(body, dict):
                return _error("the request body must be a JSON object", 400)
            unknown = sorted(set(body) - set(keys))
            if unknown:
                return _error(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(keys) or 'none'}", 400)
        query = {k: v for k, v in request.query_params.items() if k != "token"}
        try:
            result = await run_in_threadpool(handler, ws, body, query)
        except Refused as exc:
            return _error(str(exc), exc.status)
        except ConsortiaError as exc:
            return _error(str(exc), 400)
        except Exception as exc:  # noqa: BLE001 - the server stays up; the page shows the message
            print(f"consortia serve: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return _error(f"internal error: {type(exc).__name__}: {exc}", 500)
        return JSONResponse(result)

    return endpoint


def _name(body: dict, key: str = "proposal") -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise Refused(f"'{key}' is required (a proposal name)")
    return value


def _state(ws, body, query):
    return ws.view(_name(query))


def _edit(action):
    def run(ws, body, query):
        what = ws.edit(_name(body), action, body)
        return {"done": what, "state": ws.view(body["proposal"])}
    return run


def _undo(forward):
    def run(ws, body, query):
        what = ws.undo(_name(body), forward)
        return {"done": what, "state": ws.view(body["proposal"])}
    return run


def _copy(ws, body, query):
    p = ws.copy(_name(body), _name(body, "name"))
    return {"proposal": p.name}


def _delete(ws, body, query):
    ws.delete(_name(body))
    return {"proposals": list(ws.proposals)}


def _diff(ws, body, query):
    return ws.diff(_name(query, "a"), _name(query, "b"))


def _solve(ws, body, query):
    kind = body.get("kind", "solve")
    if kind not in ("solve", "optimum"):
        raise Refused("'kind' must be solve or optimum")
    return ws.start_solve(_name(body), kind, body.get("time_limit", ws.scenario.solver.time_limit))


def _stop(ws, body, query):
    return {"stopping": ws.stop_solve()}


def _job(ws, body, query):
    return ws.runner.job.view() if ws.runner.job else {"state": "none"}


def _save(ws, body, query):
    return ws.save(_name(body), body.get("kind"), body.get("file"))


def _load(ws, body, query):
    return ws.load(body.get("kind"), body.get("file"))


def _load_locks(ws, body, query):
    what = ws.load_locks(_name(body), body.get("file"))
    return {"done": what, "state": ws.view(body["proposal"])}


def _files(ws, body, query):
    return {"save_dir": str(ws.save_dir), "files": ws.saved_files()}


def _info(ws, body, query):
    return ws.session_info()


def page(ws: Workspace, token: str) -> str:
    """The workspace page: the map's look (map.html's stylesheet) plus the workspace's own."""
    css = MAP_CSS.replace("%FONT%", style.HTML_FONT).replace("%SYNBG%", style.SYNTHETIC_BG)
    synthetic = (f'<div class="synthetic">{html.escape(style.SYNTHETIC_NOTE)}</div>'
                 if ws.scenario.synthetic else "")
    title = f"Consortia workspace \u2014 {ws.scenario.name}"
    template = resources.files(__package__).joinpath("static", "workspace.html").read_text(encoding="utf-8")
    return (template.replace("%TITLE%", html.escape(title)).replace("%TOKEN%", html.escape(token))
            .replace("%MAPCSS%", css).replace("%SVG%", ws.base.svg).replace("%SYNTHETIC%", synthetic)
            .replace("%ATTRIBUTION%", html.escape(ws.base.attribution)))


async def _page(request: Request):
    ws: Workspace = request.app.state.workspace
    body = await run_in_threadpool(page, ws, request.app.state.token)
    response = Response(body, media_type="text/html; charset=utf-8")
    response.set_cookie(COOKIE, request.app.state.token, httponly=True, samesite="strict", path="/")
    return response


async def _static(request: Request):
    name = request.path_params["name"]
    if name not in STATIC:
        return _error(f"no file {name!r} here", 404)
    text = resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")
    kind = "text/javascript" if name.endswith(".js") else "text/css"
    return Response(text, media_type=f"{kind}; charset=utf-8")


async def _not_found(request: Request, exc):
    return _error(f"nothing at {request.url.path}", getattr(exc, "status_code", 404))


def create_app(ws: Workspace, token: str, hosts: set[str]):
    """The ASGI application for ``ws``; requests must carry ``token`` and a Host in ``hosts``."""
    routes = [
        Route("/", _page),
        Route("/static/{name}", _static),
        Route("/api/info", _api(_info, method="GET")),
        Route("/api/state", _api(_state, method="GET")),
        Route("/api/move", _api(_edit("move"), ("proposal", "trust", "to")), methods=["POST"]),
        Route("/api/go_live", _api(_edit("go_live"), ("proposal", "consortium", "go_live")), methods=["POST"]),
        Route("/api/lock", _api(_edit("lock"), ("proposal", "kind", "consortium", "trust", "on")),
              methods=["POST"]),
        Route("/api/undo", _api(_undo(False), ("proposal",)), methods=["POST"]),
        Route("/api/redo", _api(_undo(True), ("proposal",)), methods=["POST"]),
        Route("/api/copy", _api(_copy, ("proposal", "name")), methods=["POST"]),
        Route("/api/delete", _api(_delete, ("proposal",)), methods=["POST"]),
        Route("/api/diff", _api(_diff, method="GET")),
        Route("/api/solve", _api(_solve, ("proposal", "kind", "time_limit")), methods=["POST"]),
        Route("/api/stop", _api(_stop), methods=["POST"]),
        Route("/api/job", _api(_job, method="GET")),
        Route("/api/save", _api(_save, ("proposal", "kind", "file")), methods=["POST"]),
        Route("/api/load", _api(_load, ("kind", "file")), methods=["POST"]),
        Route("/api/load_locks", _api(_load_locks, ("proposal", "file")), methods=["POST"]),
        Route("/api/files", _api(_files, method="GET")),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.state.workspace = ws
    app.state.token = token
    return Guard(app, token, hosts)
