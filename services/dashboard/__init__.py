"""The dashboard: static HTML, CSS and ES modules served by the API at ``/``.

There is no build step, neither here nor on the user's side: the browser
loads ``static/index.html`` and the modules it imports as they are in the
package (shipped as package data). Everything it shows comes from the public
read API (``/api/...``) — the dashboard has no private endpoint — and charts
are drawn as SVG by its own code, because the service must work offline (no
CDN).

:func:`asset` is the one place that maps a URL path to a file, so the
route cannot be walked out of ``static/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX = "index.html"

MEDIA_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    # ES modules must be served with a JavaScript MIME type or the browser refuses them.
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class Asset:
    path: Path
    media_type: str


def asset(name: str, root: Path = STATIC_DIR) -> Asset | None:
    """The static file at URL path ``name`` (relative, ``/``-separated), or ``None``.

    ``None`` for anything that is not a plain file of a served type inside
    ``root``: absolute paths, ``..`` segments, hidden files, directories and
    symlinks that resolve outside ``root`` all answer ``None`` (a 404), never
    an error that tells what exists.
    """
    rel = PurePosixPath(name)
    if (
        not name
        or rel.is_absolute()
        or any(p in ("", ".", "..") or p.startswith(".") for p in rel.parts)
    ):
        return None
    media_type = MEDIA_TYPES.get(rel.suffix)
    if media_type is None:
        return None
    base = root.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return Asset(path=path, media_type=media_type)
