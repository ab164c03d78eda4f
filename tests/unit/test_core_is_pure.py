"""The domain core and the contract import no I/O framework."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {
    "faust",
    "aiokafka",
    "kafka",
    "httpx",
    "requests",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlite3",
    "socket",
    "asyncio",
    "subprocess",
    "os",
    "pathlib",
    "urllib",
    "http",
}
ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_and_schemas_import_no_io_modules() -> None:
    files = [*sorted((ROOT / "services" / "core").glob("*.py"))]
    # the generators (generate.py, generate_asyncapi.py) are tools that read and write files
    files += [
        p for p in sorted((ROOT / "schemas").glob("*.py")) if not p.name.startswith("generate")
    ]
    assert files
    for path in files:
        bad = _imports(path) & FORBIDDEN
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
