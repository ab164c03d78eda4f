"""``python -m bench.api_server DB_PATH PORT``: the real API over a pre-filled SQLite read model.

Its own process, so the benchmark reads the API's peak RSS from /proc and the
load generator does not share its interpreter. No feeder: the read model was
filled directly (``bench.readmodel_fill``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from services.api.app import create_app
from services.readmodel.sqlite import SqliteReadModel
from services.settings import load_settings


def main(argv: list[str]) -> None:
    db, port = Path(argv[0]), int(argv[1])
    settings = load_settings(data_dir=db.parent, api_port=port)
    store = SqliteReadModel(db)
    app = create_app(settings, store=store, start_feeder=False)
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")).run()


if __name__ == "__main__":
    main(sys.argv[1:])
