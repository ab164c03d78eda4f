"""Serve an ASGI app with a real uvicorn server on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from services.readmodel.values import Batch


@contextmanager
def serve(app: ASGIApp, timeout: float = 20.0) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``) while uvicorn serves ``app`` (lifespan on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"uvicorn on port {port} exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"uvicorn on port {port} not started after {timeout}s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn on port {port} did not stop within {timeout}s")


@contextmanager
def serve_read_model(data_dir: Path, batch: Batch) -> Iterator[str]:
    """The read API (feeder off) over a SQLite read model in ``data_dir`` filled with ``batch``."""
    from services.api.app import create_app
    from services.readmodel.store import SqliteReadModel
    from services.settings import load_settings

    store = SqliteReadModel(data_dir / "readmodel.sqlite")
    store.apply(batch)
    app = create_app(load_settings(data_dir=data_dir), store=store, start_feeder=False)
    try:
        with serve(app) as url:
            yield url
    finally:
        store.close()
