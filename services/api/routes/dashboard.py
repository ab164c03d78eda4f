"""The dashboard's routes: ``GET /`` (the page) and ``GET /assets/{path}`` (its files).

The dashboard is static (see :mod:`services.dashboard`); these routes only
serve its files, with a strict Content-Security-Policy (scripts, styles and
connections from this origin only — the page has no inline script or style
and needs nothing from outside) and revalidation caching, so a new release
is picked up on the next load without a cache-busting build step. They are
left out of ``/openapi.json``: they are not part of the API.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import FileResponse

from services.dashboard import INDEX, asset

router = APIRouter(include_in_schema=False)

CSP_DIRECTIVES: tuple[str, ...] = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate every time (ETag / Last-Modified make that a cheap 304).
    "Cache-Control": "no-cache",
}


def _serve(request: Request, name: str) -> Response:
    found = asset(name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dashboard asset {name!r}")
    response = FileResponse(found.path, media_type=found.media_type, headers=SECURITY_HEADERS)
    etag = response.headers.get("etag")
    if etag is not None and etag in _etags(request.headers.get("if-none-match")):
        return Response(
            status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag, **SECURITY_HEADERS}
        )
    return response


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {t.strip().removeprefix("W/") for t in header.split(",")}


@router.api_route("/", methods=["GET", "HEAD"])
async def dashboard(request: Request) -> Response:
    """The dashboard page (a single page; views are chosen by the URL fragment)."""
    return _serve(request, INDEX)


@router.api_route("/assets/{name:path}", methods=["GET", "HEAD"])
async def dashboard_asset(request: Request, name: str) -> Response:
    """A file of the dashboard (ES modules, CSS, icons)."""
    return _serve(request, name)
