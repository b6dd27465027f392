"""The ``serve`` command: open a scenario in the planning workspace (a local web page)."""

from __future__ import annotations

import argparse
import ipaddress
import secrets
import socket
import sys
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, EXIT_OK, ConsortiaError

__all__ = ["add_parsers", "COMMANDS"]

INSTALL_HINT = ('consortia serve needs Starlette and uvicorn, which are not installed; install them with\n'
                '  pip install "consortia[serve]"\n'
                'or, in a clone of the project,  pip install -e ".[serve]"')


def add_parsers(sub) -> None:
    """Register ``serve``."""
    p = sub.add_parser("serve", help="open a scenario in the planning workspace (a local web page)")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("plan", type=Path, nargs="?", help="plan folder (or proposal CSV) to start from")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to listen on (default 127.0.0.1; only loopback addresses)")
    p.add_argument("--save-dir", type=Path, metavar="DIR",
                   help="the only folder the workspace saves into and loads from "
                        "(default solutions/<scenario name>-workspace)")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run ``consortia serve`` until Ctrl-C; exit 0 (2 when Starlette or uvicorn is missing)."""
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return EXIT_BAD_INPUT
    from ..scenario import load_scenario
    from ..workspace.app import create_app
    from ..workspace.session import Workspace

    if not 0 <= args.port <= 65535:
        raise ConsortiaError(f"--port must be 0 to 65535, got {args.port}")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConsortiaError(f"--host must be a loopback address such as 127.0.0.1, got {args.host!r}; the "
                             "workspace has no accounts and must not be reachable from other machines")
    scenario = load_scenario(args.scenario)
    if args.plan is not None and not args.plan.exists():
        raise ConsortiaError("plan folder or proposal file not found", file=str(args.plan))
    save_dir = args.save_dir or Path("solutions") / f"{scenario.name}-workspace"
    if save_dir.exists() and not save_dir.is_dir():
        raise ConsortiaError("the save folder exists and is not a folder", file=str(save_dir))
    ws = Workspace(scenario, args.plan, save_dir)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        raise ConsortiaError(f"cannot listen on {args.host} port {args.port}: {exc.strerror}; choose "
                             "another with --port") from None
    sock.listen(16)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    shown = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    hosts = {f"{shown}:{port}"} | ({f"localhost:{port}"} if args.host in ("127.0.0.1", "::1") else set())
    app = create_app(ws, token, hosts)
    print(f"consortia workspace for {scenario.name}: open\n  http://{shown}:{port}/?token={token}\n"
          f"saving into {ws.save_dir}; press Ctrl-C to stop", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        ws.runner.shutdown()
        sock.close()
    return EXIT_OK


COMMANDS = {"serve": cmd_serve}
