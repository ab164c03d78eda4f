"""The dashboard's static files: what ``asset`` serves, and what it never serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.dashboard import INDEX, STATIC_DIR, asset


def test_index_and_modules_are_served_with_their_media_types() -> None:
    index = asset(INDEX)
    module = asset("js/main.js")
    assert index is not None and index.media_type.startswith("text/html")
    assert module is not None and module.media_type.startswith("text/javascript")
    assert module.path == (STATIC_DIR / "js" / "main.js").resolve()


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/etc/passwd",
        "../__init__.py",
        "js/../../__init__.py",
        ".hidden.js",
        "js/.hidden.js",
        "js",  # a directory
        "js/missing.js",
        "index.py",  # a type the dashboard does not serve
    ],
)
def test_nothing_outside_the_static_files_is_served(name: str) -> None:
    assert asset(name) is None


def test_a_symlink_leaving_the_root_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "static"
    root.mkdir()
    (tmp_path / "secret.js").write_text("secret")
    (root / "link.js").symlink_to(tmp_path / "secret.js")
    (root / "ok.js").write_text("ok")
    assert asset("link.js", root=root) is None
    assert asset("ok.js", root=root) is not None


def _imports(text: str) -> list[str]:
    return re.findall(
        r"""^\s*import\s[^;]*?from\s+["']([^"']+)["']""", text, flags=re.MULTILINE | re.DOTALL
    )


def test_every_module_import_resolves_to_a_shipped_file() -> None:
    """No bundler, no CDN: each ES module import must be a relative path to a file we ship."""
    modules = sorted(STATIC_DIR.rglob("*.js"))
    assert modules, "no dashboard modules found"
    for module in modules:
        for spec in _imports(module.read_text()):
            assert spec.startswith(("./", "../")), f"{module.name} imports {spec!r}"
            assert (module.parent / spec).resolve().is_file(), (
                f"{module.name}: {spec} does not exist"
            )


def test_the_page_loads_nothing_from_outside() -> None:
    for path in [
        *STATIC_DIR.rglob("*.html"),
        *STATIC_DIR.rglob("*.js"),
        *STATIC_DIR.rglob("*.css"),
    ]:
        text = path.read_text()
        assert not re.search(r"""(src|href)=["']https?://""", text), (
            f"{path.name} loads a remote resource"
        )
        assert "@import url(http" not in text, f"{path.name} imports remote CSS"
