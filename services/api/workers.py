"""Serving the API from one or several processes on one listening socket.

``serve(make_app, workers=N)`` binds the socket, forks ``N - 1`` children and
serves in this process too; each process builds its own app with
``make_app(index)`` *after* the fork (no SQLite connection, thread or event
loop crosses a fork), and the kernel hands each new connection to one of the
processes waiting on the socket. Index 0 is this process: the one that may run
the read model's feeder (exactly one process must consume ``case.states``);
the others only read the SQLite file, which WAL lets them do while the feeder
writes.

When this process stops (Ctrl-C, SIGTERM) the children stop too (SIGTERM; the
kernel sends it when this process dies of its signal); when a child dies, this
process stops too (exit status 1), so a service manager restarts the whole API
rather than leaving it with fewer processes than asked for. Linux only for
``workers > 1`` (fork, ``PR_SET_PDEATHSIG``), like the rest of the service.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def serve(
    make_app: Callable[[int], ASGIApp],
    *,
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve ``make_app(i)`` for i in ``range(workers)``, one process each (see the module doc)."""

    def config(index: int) -> uvicorn.Config:
        return uvicorn.Config(
            make_app(index), host=host, port=port, log_level=log_level, lifespan="on"
        )

    if workers <= 1:
        uvicorn.Server(config(0)).run()
        return
    sock = uvicorn.Config(lambda *_: None, host=host, port=port, log_level=log_level).bind_socket()
    children: list[int] = []
    parent = os.getpid()
    for index in range(1, workers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - measured through the API, not by coverage
            code = 0
            try:
                _stop_with_parent(parent)
                uvicorn.Server(config(index)).run(sockets=[sock])
            except BaseException:
                log.exception("API worker %d failed", index)
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        children.append(pid)
    server = uvicorn.Server(config(0))
    failed = threading.Event()

    def watch() -> None:
        running = set(children)
        while running:
            pid, status = os.wait()
            if pid not in running:
                continue
            running.discard(pid)
            if not server.should_exit:
                log.error("API worker process %d exited (status %d): stopping the API", pid, status)
                failed.set()
                server.should_exit = True

    watcher = threading.Thread(target=watch, name="api-workers", daemon=True)
    watcher.start()
    try:
        server.run(sockets=[sock])
    finally:
        server.should_exit = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        watcher.join(timeout=30.0)
    if failed.is_set():
        raise SystemExit(1)


def _stop_with_parent(parent: int) -> None:
    """SIGTERM this process when the parent dies (Linux ``PR_SET_PDEATHSIG``).

    uvicorn ends a server stopped by a signal by re-raising that signal, so the
    parent may die of its SIGTERM without reaching the code that stops its
    children: the kernel passes it on instead.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("cannot ask to be stopped with the parent (errno %d)", ctypes.get_errno())
    if os.getppid() != parent:  # the parent died before the request took effect
        raise SystemExit(0)
