"""The incremental fold against today's fold on the bench workload: same bytes, and what it costs.

    python -m bench.fold_compare                 # 100k events: in order, shuffled, redelivered
    python -m bench.fold_compare --events 20000  # a slice
    python -m bench.fold_compare --no-cost       # only the comparison

Folds the first N events of the bench workload (cached like ``docketline bench``'s,
``bench/results/cache``) with today's fold (``tests/reference_fold.py``, the old
processor's: ``evolve`` then the whole ``CaseState`` v1 JSON per changed case, with
its remembered entry JSON) and
with the current one (``evolve``, then the private memory and the public snapshot
per changed case), in each arrival order, and

* compares every case's public snapshot (and memory) byte for byte: the old
  state read through the upcaster against the new fold's (exit 1 on a difference);
* reports CPU-µs per event of the fold and of the encoding, and bytes written
  per changed case, for both.

Pure CPU in one process (no broker); ``bench.processor_only`` measures the worker.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.dataset import dataset
from bench.run import SEED
from schemas.codec import decode_event, encode_outputs
from schemas.events import DocketEvent
from services.core.evolve import evolve
from tests import reference_fold
from tests.fold_equivalence import compare, orders

RESULTS = Path(__file__).resolve().parent / "results"


def _cost(events: list[DocketEvent], fold: Any, encoders: list[Any]) -> dict[str, float]:
    """Per event: CPU-µs folding, CPU-µs encoding what a worker writes, bytes written."""
    states: dict[str, Any] = {}
    fold_s = encode_s = 0.0
    written = 0
    changed = 0
    for event in events:
        t0 = time.process_time()
        old = states.get(event.subject)
        new = fold(old, event)
        t1 = time.process_time()
        fold_s += t1 - t0
        if new is not old:
            states[event.subject] = new
            changed += 1
            for enc in encoders:
                written += len(enc(new))
            encode_s += time.process_time() - t1
    n = len(events)
    return {
        "fold_us_per_event": round(fold_s / n * 1e6, 2),
        "encode_us_per_event": round(encode_s / n * 1e6, 2),
        "bytes_written_per_change": round(written / max(changed, 1), 1),
    }


def long_docket(n: int) -> list[DocketEvent]:
    """One case of ``n`` plain entries, one a day, numbered (a long docket, in order)."""
    import datetime as dt

    from schemas.events import CaseInfo, Entry
    from services.core.build import build_event
    from services.core.classification import Classification
    from services.core.ids import entry_key

    case = CaseInfo(court_id="cand", docket_number="5:20-cv-00001", case_name="Long v. Docket")
    out = []
    for k in range(1, n + 1):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=k)
        entry = Entry(
            entry_key=entry_key("cand:5:20-cv-00001", document_number=k, date_filed=day),
            date_filed=day,
            document_number=k,
            text=f"ORDER number {k}",
        )
        kind = Classification(type="case.filed") if k == 1 else Classification()
        out.append(build_event(case, entry, kind, source="bench", classifier_version="bench"))
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.fold_compare", description=__doc__.splitlines()[0]
    )
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1, help="of the shuffles")
    p.add_argument("--long", type=int, default=3000, help="entries of the one long docket")
    p.add_argument("--no-cost", action="store_true", help="only the byte-for-byte comparison")
    args = p.parse_args(argv)
    ds = dataset(RESULTS / "cache", max(args.events, 100_000), SEED)
    events: list[DocketEvent] = []
    for _, value in ds.records():
        if len(events) >= args.events:
            break
        events.append(decode_event(value))
    out: dict[str, Any] = {"events": len(events), "orders": {}}
    ok = True
    for name, log in orders(events, args.seed).items():
        started = time.perf_counter()
        diff = compare(log)
        took = time.perf_counter() - started
        ok = ok and not diff.snapshots and not diff.memories
        out["orders"][name] = {
            "events": len(log),
            "cases": diff.cases,
            "snapshots_differing": len(diff.snapshots),
            "memories_differing": len(diff.memories),
            "examples": (diff.snapshots + diff.memories)[:3],
            "seconds": round(took, 1),
        }
        print(f"{name:>12}: {len(log):,} events, {diff.cases:,} cases, "
              f"{len(diff.snapshots)} snapshots and {len(diff.memories)} memories differ", flush=True)  # fmt: skip
    for name in () if args.no_cost else ("as given", "shuffled"):
        log = orders(events, args.seed)[name]
        old = _cost(log, reference_fold.evolve, [reference_fold.encode_state])
        new = _cost(log, evolve, [lambda s: b"".join(encode_outputs(s))])
        out[f"cost {name}"] = {"today": old, "incremental": new}
        print(f"{name:>12}: today {old}\n{'':>12}  now   {new}", flush=True)
    docket = long_docket(args.long)
    late = docket[: len(docket) // 2] + docket[len(docket) // 2 + 1 :] + [docket[len(docket) // 2]]
    for name, log in () if args.no_cost else (("long, in order", docket), ("long, one late", late)):
        old = _cost(log, reference_fold.evolve, [reference_fold.encode_state])
        new = _cost(log, evolve, [lambda s: b"".join(encode_outputs(s))])
        out[f"cost {name}"] = {"today": old, "incremental": new}
        print(f"{name:>12}: today {old}\n{'':>12}  now   {new}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"fold-compare-{len(events)}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
