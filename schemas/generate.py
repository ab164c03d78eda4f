"""Generate the JSON Schema files in ``schemas/json/`` and ``schemas/asyncapi.yaml``.

    python -m schemas.generate          # rewrite the files
    python -m schemas.generate --check  # exit 1 when the committed files drift

The committed files are the language-neutral contract other tools read (the
AsyncAPI document: :mod:`schemas.generate_asyncapi`); ``tests/unit/test_schema_drift.py``
fails when they no longer match the models and topic specs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from schemas import generate_asyncapi
from schemas.alerts import Alert
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot

JSON_DIR = Path(__file__).parent / "json"

SCHEMAS: dict[str, Any] = {
    "docket-event.schema.json": TypeAdapter(DocketEvent),
    "alert.schema.json": TypeAdapter(Alert),
    "case-state.schema.json": TypeAdapter(CaseSnapshot),  # the value on case.states
}


def render(name: str) -> str:
    schema = SCHEMAS[name].json_schema(mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://docketline.dev/schemas/{name}",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    JSON_DIR.mkdir(exist_ok=True)
    drift = []
    for name in SCHEMAS:
        path = JSON_DIR / name
        text = render(name)
        if check:
            if not path.exists() or path.read_text() != text:
                drift.append(name)
        else:
            path.write_text(text)
    text = generate_asyncapi.render()
    if check:
        if (
            not generate_asyncapi.ASYNCAPI_PATH.exists()
            or generate_asyncapi.ASYNCAPI_PATH.read_text() != text
        ):
            drift.append(generate_asyncapi.ASYNCAPI_PATH.name)
    else:
        generate_asyncapi.ASYNCAPI_PATH.write_text(text)
    if drift:
        print("schemas drifted from the models: " + ", ".join(drift), file=sys.stderr)
        print("run: python -m schemas.generate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
