"""``/api/cases``: the case list, one case (now or as of a date), its timeline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from schemas.projection import CaseSnapshot
from schemas.vocabulary import DispositionType, EntryClass, Status
from services.api.cursor import (
    decode_case_cursor,
    decode_timeline_cursor,
    encode_case_cursor,
    encode_timeline_cursor,
)
from services.api.deps import (
    CASE_ID_PATTERN,
    COURT_PATTERN,
    Store,
    cursor_param,
    invalid,
    read_access,
    valid_case_id,
    valid_court,
)
from services.api.models import (
    CaseOut,
    CasePageOut,
    CaseSummary,
    DeadlineOut,
    DeadlinesOut,
    ErrorOut,
    TimelineEntryOut,
    TimelinePageOut,
)
from services.readmodel.sqlite import JsonCasePage
from services.readmodel.store import MAX_PAGE_SIZE, CasePage, CaseQuery, QueryError
from services.readmodel.values import SortField
from services.readmodel.views import as_of, timeline_page

router = APIRouter(prefix="/api", tags=["cases"], dependencies=[Depends(read_access)])


def _json(model: BaseModel) -> Response:
    """The model's JSON as the response, as FastAPI would write it for ``response_model``.

    Returning the ``Response`` skips FastAPI's second pass over the return value
    (dump to dict, validate against the response model again, serialise): on the
    hot read paths that pass cost as much as reading the case.
    """
    return Response(
        content=model.__pydantic_serializer__.to_json(model), media_type="application/json"
    )


def case_json(state: CaseSnapshot) -> bytes:
    """``GET /api/cases/{case_id}``'s body for a state (without ``as_of``); also the fast path's."""
    out = CaseOut.of_state(state)
    return out.__pydantic_serializer__.to_json(out)


def case_page_json_spliced(page: JsonCasePage) -> bytes:
    """``case_page_json`` of a page whose items are the SQLite store's summary JSON, spliced as is.

    The stored summary is ``encode`` of :class:`services.readmodel.values.CaseSummary`,
    whose fields, order and types are those of the API's ``CaseSummary``: the same
    bytes the API model would write (tests/integration/test_api.py compares them),
    without decoding, validating and re-encoding fifty summaries per page.
    """
    rest = orjson.dumps(
        {
            "total": page.total,
            "total_exact": page.total_exact,
            "next_cursor": encode_case_cursor(page.next) if page.next else None,
        }
    )
    return b'{"items":[' + ",".join(page.items_json).encode() + b"]," + rest[1:]


def case_page_json(page: CasePage) -> bytes:
    """``GET /api/cases``'s body for a page of the read model; also the fast path's."""
    out = CasePageOut(
        items=[CaseSummary.model_validate(s, from_attributes=True) for s in page.items],
        total=page.total,
        total_exact=page.total_exact,
        next_cursor=encode_case_cursor(page.next) if page.next else None,
    )
    return out.__pydantic_serializer__.to_json(out)


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such case in the read model."},
}

CaseId = Annotated[
    str,
    Path(
        description="`{court_id}:{docket_number}`, docket number normalised (see DESIGN.md).",
        examples=["cand:5:25-cv-00709"],
        json_schema_extra={"pattern": CASE_ID_PATTERN},
    ),
]
Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size (at most {MAX_PAGE_SIZE}).")
]
Cursor = Annotated[
    str | None, Query(max_length=2048, description="Opaque `next_cursor` of the previous page.")
]


@router.get(
    "/cases",
    response_model=CasePageOut,
    summary="List and search cases",
    description=(
        "Filters combine with AND; a repeated parameter (`status=open&status=stayed`) means any of "
        "its values. `q` searches case names, parties and docket numbers: every word must occur, "
        "each as a word prefix, case and accents ignored. Order: `sort` then `case_id`, nulls last. "
        "Pages are cursor-based; `next_cursor` is null on the last page. `total` counts the matches "
        "up to 10,000 (`total_exact` is false when more match)."
    ),
)
def list_cases(
    store: Store,
    status: Annotated[list[Status] | None, Query(description="Current status.")] = None,
    disposition: Annotated[
        list[DispositionType] | None, Query(description="Disposition type.")
    ] = None,
    court: Annotated[
        list[str] | None,
        Query(
            description="Court id, e.g. `cand`.",
            json_schema_extra={"items": {"type": "string", "pattern": COURT_PATTERN}},
        ),
    ] = None,
    nature_of_suit: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive substring, e.g. `440` or `privacy`."),
    ] = None,
    class_action: Annotated[bool | None, Query(description="Flagged as a class action.")] = None,
    filed_from: Annotated[
        dt.date | None, Query(description="Filed on or after (YYYY-MM-DD).")
    ] = None,
    filed_to: Annotated[dt.date | None, Query(description="Filed on or before.")] = None,
    terminated_from: Annotated[dt.date | None, Query(description="Terminated on or after.")] = None,
    terminated_to: Annotated[dt.date | None, Query(description="Terminated on or before.")] = None,
    q: Annotated[str | None, Query(max_length=500, description="Full-text search words.")] = None,
    sort: Annotated[SortField, Query(description="Sort field.")] = "updated_at",
    order: Annotated[Literal["asc", "desc"], Query(description="Sort direction.")] = "desc",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Response:
    courts = [valid_court(c) for c in court or ()]
    after = cursor_param(cursor, decode_case_cursor)
    try:
        query = CaseQuery(
            statuses=tuple(status or ()),
            dispositions=tuple(disposition or ()),
            courts=tuple(dict.fromkeys(courts)),
            nature_of_suit=nature_of_suit,
            class_action=class_action,
            filed_from=filed_from,
            filed_to=filed_to,
            terminated_from=terminated_from,
            terminated_to=terminated_to,
            q=q,
            sort=sort,
            descending=order == "desc",
            after=after,
            limit=limit,
        )
    except QueryError as exc:
        raise invalid("query", exc.field, exc.message) from exc
    return Response(content=case_page_json(store.list_cases(query)), media_type="application/json")


@router.get(
    "/cases/{case_id}",
    response_model=CaseOut,
    summary="One case's projection (now, or as of a date)",
    description=(
        "The case-state projection. With `as_of`, the case as it stood at the end of that day: "
        "the stored events whose entry date is on or before it, folded by the same pure code as "
        "the processor."
    ),
    responses=ERRORS,
)
def get_case(
    store: Store,
    case_id: CaseId,
    as_of_date: Annotated[
        dt.date | None, Query(alias="as_of", description="YYYY-MM-DD: answer as of that date.")
    ] = None,
) -> Response:
    valid_case_id(case_id)
    if as_of_date is None:
        state = store.get_case(case_id)
        if state is None:
            raise HTTPException(404, detail=f"no case {case_id} in the read model")
        return Response(content=case_json(state), media_type="application/json")
    then = as_of(store.case_events(case_id, until=as_of_date), as_of_date)
    if then is None:
        known = store.get_case(case_id) is not None or bool(store.case_events(case_id))
        detail = (
            f"case {case_id} has no docket entry filed on or before {as_of_date.isoformat()}"
            if known
            else f"no case {case_id} in the read model"
        )
        raise HTTPException(404, detail=detail)
    return _json(CaseOut.of_state(then, as_of=as_of_date))


@router.get(
    "/cases/{case_id}/timeline",
    summary="A case's docket entries in event-time order",
    description=(
        "One item per docket entry (the version the projection uses), ordered by filing date, "
        "document number and sequence, with its text, classification (status reading and entry "
        "class, with the outcome of an order) and the status change it caused. `entry_class` "
        "(repeatable) keeps the entries of those classes; `total` then counts them."
    ),
    responses=ERRORS,
)
def get_timeline(
    store: Store,
    case_id: CaseId,
    entry_class: Annotated[
        list[EntryClass] | None,
        Query(description="Only entries of these classes (docs/entry-classes.md; repeatable)."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> TimelinePageOut:
    valid_case_id(case_id)
    after = cursor_param(cursor, decode_timeline_cursor)
    state = store.get_case(case_id)
    if state is None:
        raise HTTPException(404, detail=f"no case {case_id} in the read model")
    part = store.timeline(case_id, after, limit, classes=tuple(dict.fromkeys(entry_class or ())))
    page = timeline_page(state, part)
    return TimelinePageOut(
        case_id=case_id,
        items=[TimelineEntryOut.of(i) for i in page.items],
        total=part.total,
        next_cursor=encode_timeline_cursor(page.next) if page.next else None,
    )


@router.get(
    "/cases/{case_id}/deadlines",
    summary="A case's calendar: the dates its docket entries set, moved or vacated",
    description=(
        "Hearings, conferences, trials and filing deadlines read from the entries' texts "
        "(services.core.deadlines), each with its date, kind, the words of the entry that last "
        "changed it, the entry that set it and its status. A later entry that resets a deadline "
        "moves it; one that vacates it marks it 'vacated' (it stays listed). A closed case keeps "
        "its pending deadlines listed as 'pending': the docket did not vacate them, and "
        "`case_status` says the case is closed."
    ),
    responses=ERRORS,
)
def get_deadlines(store: Store, case_id: CaseId) -> DeadlinesOut:
    valid_case_id(case_id)
    state = store.get_case(case_id)
    if state is None:
        raise HTTPException(404, detail=f"no case {case_id} in the read model")
    items = store.deadlines(case_id)
    return DeadlinesOut(
        case_id=case_id,
        case_status=state.status,
        items=[DeadlineOut.of(i) for i in items],
        total=len(items),
    )
