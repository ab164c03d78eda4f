"""A deterministic multi-case event stream for fault tests (pure; explicit classifications)."""

from __future__ import annotations

import datetime as dt
import random

from schemas.codec import encode_event
from schemas.events import CaseInfo, DocketEvent, Entry
from services.core.build import build_event
from services.core.classification import Classification
from services.core.ids import entry_key

_CLOSINGS = [
    Classification(type="case.dismissed", dismissal="voluntary", prejudice="without"),
    Classification(type="case.dismissed", dismissal="stipulated", prejudice="with"),
    Classification(type="case.settled"),
    Classification(type="judgment.entered", judgment="summary"),
    Classification(type="case.transferred", mdl=True),
    Classification(type="case.remanded"),
]


def case_events(i: int, rng: random.Random) -> list[DocketEvent]:
    case = CaseInfo(
        court_id=rng.choice(["cand", "nysd", "txed", "ilnd", "dcd"]),
        docket_number=f"{rng.randint(1, 5)}:2{rng.randint(0, 5)}-cv-{i:05d}",
        case_name=f"Plaintiff {i} v. Defendant Corp.",
        date_filed=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1500)),
    )
    cid = f"{case.court_id}:{case.docket_number}"
    day = case.date_filed
    assert day is not None
    plan: list[tuple[str, Classification]] = [
        ("COMPLAINT against Defendant Corp.", Classification(type="case.filed"))
    ]
    for _ in range(rng.randint(2, 8)):
        plan.append(("ANSWER to Complaint; scheduling order; minute entry", Classification()))
    if rng.random() < 0.2:
        plan.append(("ORDER staying case pending arbitration", Classification(type="case.stayed")))
        plan.append(("ORDER lifting stay", Classification(type="stay.lifted")))
    if rng.random() < 0.2:
        plan.append(("FIRST AMENDED COMPLAINT", Classification(type="complaint.amended")))
    if rng.random() < 0.7:
        plan.append(("closing entry", rng.choice(_CLOSINGS)))
        if rng.random() < 0.1:
            plan.append(("ORDER reopening case", Classification(type="case.reopened")))
    out = []
    for n, (text, c) in enumerate(plan, start=1):
        day = day + dt.timedelta(days=rng.randint(1, 40))
        e = Entry(
            entry_key=entry_key(cid, document_number=n, date_filed=day),
            date_filed=day,
            document_number=n,
            text=f"{text} (doc {n}) " + "x" * rng.randint(200, 500),
        )
        out.append(build_event(case, e, c, source="tests/workload", classifier_version="test"))
    return out


def workload(cases: int, seed: int = 7) -> list[tuple[bytes, bytes]]:
    """Keyed records, cases interleaved, each case's entries in order."""
    rng = random.Random(seed)
    per_case = [case_events(i, rng) for i in range(cases)]
    records: list[tuple[bytes, bytes]] = []
    while any(per_case):
        for evs in per_case:
            if evs and rng.random() < 0.5:
                e = evs.pop(0)
                records.append((e.subject.encode(), encode_event(e)))
        per_case = [evs for evs in per_case if evs]
    return records
