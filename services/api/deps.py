"""Request-scoped dependencies shared by the route modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError

from services.api.cursor import CursorError
from services.core.docket_numbers import DocketNumberError, normalise_court_id, split_case_id
from services.readmodel.feeder import Feeder
from services.readmodel.store import ReadModel
from services.settings import Settings

T = TypeVar("T")
ReadGuard = Callable[[Request], None]
"""Raises ``HTTPException`` (401/403) when a read request is not allowed."""


def get_store(request: Request) -> ReadModel:
    store: ReadModel | None = getattr(request.app.state, "store", None)
    if store is None:
        raise HTTPException(status_code=503, detail="the read model is not open yet")
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_feeder(request: Request) -> Feeder | None:
    feeder: Feeder | None = getattr(request.app.state, "feeder", None)
    return feeder


def read_access(request: Request) -> None:
    """Every read route depends on this: the hook for bearer-token auth on reads.

    ``create_app`` sets ``app.state.read_guard`` from settings: ``None`` unless
    ``DOCKETLINE_READ_REQUIRES_TOKEN`` is true, in which case it is
    ``services.api.auth.check_read_access`` (see ``services.api.app``).
    """
    guard: ReadGuard | None = getattr(request.app.state, "read_guard", None)
    if guard is not None:
        guard(request)


Store = Annotated[ReadModel, Depends(get_store)]


def invalid(where: str, name: str, message: str, value: object = None) -> RequestValidationError:
    """A 422 in FastAPI's own error shape (``detail: [{loc, msg, type}]``)."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, name), "msg": message, "input": value}]
    )


def valid_case_id(case_id: str, where: str = "path") -> str:
    """The case id if canonical, else a 422 saying why (``split_case_id``'s message)."""
    try:
        split_case_id(case_id)
    except DocketNumberError as exc:
        raise invalid(where, "case_id", str(exc), case_id) from exc
    return case_id


def valid_court(court: str) -> str:
    """A court id query parameter, normalised (``CAND`` -> ``cand``), else a 422."""
    try:
        return normalise_court_id(court)
    except DocketNumberError as exc:
        raise invalid("query", "court", str(exc), court) from exc


def cursor_param(raw: str | None, decode: Callable[[str], T]) -> T | None:
    """Decode the ``cursor`` query parameter with ``decode``, or a 422 saying why not."""
    if raw is None:
        return None
    try:
        return decode(raw)
    except CursorError as exc:
        raise invalid("query", "cursor", f"cursor {exc}", raw) from exc


_SEQ = r"(?:[0-9]{5}|[1-9][0-9]{5})"
CASE_ID_PATTERN = rf"^[a-z][a-z0-9]{{1,9}}:(?:(?:(?:0|[1-9][0-9]?):)?[0-9]{{2}}-[a-z]{{1,5}}-{_SEQ}|[0-9]{{2}}-{_SEQ})$"
"""Canonical case ids (what ``split_case_id`` accepts), for the OpenAPI document.

Documented, not enforced by FastAPI: ``valid_case_id`` checks with the domain
code itself and says precisely what is wrong (e.g. the canonical form).
"""
COURT_PATTERN = r"^[A-Za-z][A-Za-z0-9]{1,9}$"
