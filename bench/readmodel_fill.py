"""Fill a SQLite read model with N realistic cases, through its public ``apply``.

Folding N cases' events would cost as much as the rest of the benchmark, so the
rows are made from *real folded states* (the rebuild phase's output, i.e.
``evolve`` over generated dockets): each row copies one template state with a
new identity (court, docket number, case id, name, parties, filing date), so
statuses, dispositions and entry counts keep the workload's mix. Rows are the
templates' public snapshots (``case.states`` v2: no entry list); the copies'
last entries keep their template's entry keys, which no query reads.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.workload import _COURT_WEIGHTS, COURTS, _company, _person
from schemas.projection import CaseSnapshot, CaseState
from services.core.evolve import snapshot
from services.readmodel.sqlite import SqliteReadModel
from services.readmodel.values import Batch

BATCH = 5000


def case_ids(n_cases: int, seed: int = 11) -> list[str]:
    """The case ids :func:`fill` writes (same draws, no states)."""
    rng = random.Random(seed)
    out = []
    for i in range(n_cases):
        court, offices, _ = rng.choices(COURTS, _COURT_WEIGHTS)[0]
        out.append(f"{court}:{rng.choice(offices)}:{10 + i % 15:02d}-cv-{(i // 15) % 100000:05d}")
        rng.randrange(-900, 900)
        _person(rng)
        _company(rng)
    return out


def fill(
    path: Path, templates: Sequence[CaseState], n_cases: int, seed: int = 11
) -> tuple[list[str], dict[str, Any]]:
    """Write ``n_cases`` rows; returns (their case ids, fill figures)."""
    if not templates:
        raise ValueError("no template states to copy")
    rng = random.Random(seed)
    store = SqliteReadModel(path)
    case_ids: list[str] = []
    started = time.perf_counter()
    try:
        pending: list[tuple[str, CaseSnapshot | None]] = []
        for i in range(n_cases):
            t = snapshot(templates[i % len(templates)])
            court, offices, _ = rng.choices(COURTS, _COURT_WEIGHTS)[0]
            year = 10 + i % 15
            number = f"{rng.choice(offices)}:{year:02d}-cv-{(i // 15) % 100000:05d}"
            case_id = f"{court}:{number}"
            shift = dt.timedelta(days=rng.randrange(-900, 900))
            plaintiff, defendant = _person(rng), _company(rng)
            state = t.model_copy(
                update={
                    "case_id": case_id,
                    "court_id": court,
                    "docket_number": number,
                    "case_name": f"{plaintiff.split(' ')[-1]} v. {defendant}",
                    "parties": (plaintiff, defendant),
                    "date_filed": t.date_filed + shift if t.date_filed else None,
                    "date_terminated": t.date_terminated + shift if t.date_terminated else None,
                    "updated_at": t.updated_at + shift if t.updated_at else None,
                }
            )
            pending.append((case_id, state))
            case_ids.append(case_id)
            if len(pending) >= BATCH:
                store.apply(Batch(cases=tuple(pending)))
                pending.clear()
        if pending:
            store.apply(Batch(cases=tuple(pending)))
        counted = store.counts()["cases"]
    finally:
        store.close()
    took = time.perf_counter() - started
    return case_ids, {
        "cases": counted,
        "seconds": round(took, 1),
        "rows_per_s": round(n_cases / took, 1),
        "db_mib": round(path.stat().st_size / 2**20, 1),
    }
