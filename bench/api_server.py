"""``python -m bench.api_server DB_PATH PORT [WORKERS]``: the real API over a pre-filled SQLite read model.

Its own process, so the benchmark reads the API's peak RSS from /proc and the
load generator does not share its interpreter. No feeder: the read model was
filled directly (``bench.readmodel_fill``). ``WORKERS`` > 1: that many API
processes (this one and forked children, as ``docketline api --workers``) on
one listening socket.
"""

from __future__ import annotations

import sys
from pathlib import Path

from services.api.app import create_app
from services.api.workers import serve
from services.readmodel.sqlite import SqliteReadModel
from services.settings import load_settings


def main(argv: list[str]) -> None:
    db, port = Path(argv[0]), int(argv[1])
    workers = int(argv[2]) if len(argv) > 2 else 1
    settings = load_settings(data_dir=db.parent, api_port=port)
    SqliteReadModel(db).close()  # layout checks and added indexes once, before any worker opens it
    serve(
        lambda index: create_app(settings, store=SqliteReadModel(db), start_feeder=False),
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
