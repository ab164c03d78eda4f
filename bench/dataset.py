"""Generated workloads on disk: built once in parallel, then reused from a cache.

Building an event costs what ingest costs (classify + build + validate +
encode), which is the slow part of a large run; the cache key is a digest of
every source file that shapes the bytes (the generator, the classifier, the
event contract), so a code change builds a fresh file and a rerun reuses it.

A dataset is two files: ``events.jsonl`` (one encoded event per line, the
native ingest format) and ``keys.txt`` (its case ids, one per line, = the Kafka
record keys).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench import workload

_SHAPING = (
    "bench/workload.py",
    "services/core/classify.py",
    "services/core/build.py",
    "services/core/ids.py",
    "services/core/docket_numbers.py",
    "schemas/events.py",
)
"""The code that decides the workload's records. Not ``schemas/codec.py``: its event
encoding is pydantic's ``dump_json`` of the models in ``schemas/events.py``; the rest of
it (state encoding, decoding) does not shape a record."""


def code_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(digest_size=8)
    for rel in _SHAPING:
        h.update((root / rel).read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Dataset:
    events: Path
    keys: Path
    count: int
    n_cases: int
    seed: int
    seq_base: int
    build_seconds: float | None
    """Wall time to build (classify + build + encode, ``workers`` processes); None when cached."""
    workers: int

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        with self.events.open("rb") as ev, self.keys.open("rb") as ks:
            for value, key in zip(ev, ks, strict=True):
                yield key.rstrip(b"\n"), value.rstrip(b"\n")


def _part(args: tuple[int, int, int, int, int, int]) -> list[tuple[bytes, bytes]]:
    n_cases, seed, seq_base, limit, part, parts = args  # limit < 0: no limit
    return list(
        workload.iter_records(
            n_cases,
            seed,
            seq_base=seq_base,
            limit=None if limit < 0 else limit,
            part=part,
            parts=parts,
        )
    )


def build_records(
    n_cases: int, seed: int, *, seq_base: int = 0, limit: int | None = None, workers: int = 1
) -> list[tuple[bytes, bytes]]:
    """The workload's records, built by ``workers`` processes; identical to the serial stream."""
    lim = -1 if limit is None else limit
    if workers <= 1:
        return list(workload.iter_records(n_cases, seed, seq_base=seq_base, limit=limit))
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        parts = list(
            pool.map(_part, [(n_cases, seed, seq_base, lim, w, workers) for w in range(workers)])
        )
    out: list[tuple[bytes, bytes]] = []
    longest = max(len(p) for p in parts)
    for i in range(longest):
        for p in parts:
            if i < len(p):
                out.append(p[i])
    return out


def dataset(
    cache_dir: Path, n_events: int, seed: int, *, seq_base: int = 0, workers: int | None = None
) -> Dataset:
    """``n_events`` events of the workload (exactly), from the cache or built now."""
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    name = f"wl-{n_events}-s{seed}-b{seq_base}-{code_digest()}"
    folder = cache_dir / name
    events, keys, meta = folder / "events.jsonl", folder / "keys.txt", folder / "n_cases"
    if events.exists() and keys.exists() and meta.exists():
        return Dataset(events, keys, n_events, int(meta.read_text()), seed, seq_base, None, workers)
    folder.mkdir(parents=True, exist_ok=True)
    n_cases = workload.cases_for_events(n_events, seed)
    started = time.perf_counter()
    records = build_records(n_cases, seed, seq_base=seq_base, limit=n_events, workers=workers)
    took = time.perf_counter() - started
    tmp_e, tmp_k = events.with_suffix(".tmp"), keys.with_suffix(".tmp")
    with tmp_e.open("wb") as ev, tmp_k.open("wb") as ks:
        for key, value in records:
            ev.write(value + b"\n")
            ks.write(key + b"\n")
    os.replace(tmp_e, events)
    os.replace(tmp_k, keys)
    meta.write_text(str(n_cases))
    return Dataset(events, keys, len(records), n_cases, seed, seq_base, took, workers)
