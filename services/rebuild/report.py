"""What a rebuild found and did, as plain data (printed by the CLI, asserted by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.rebuild.explain import ReclassifiedCase
from services.rebuild.plan import CaseChange


@dataclass
class RebuildReport:
    dry_run: bool
    read_model_only: bool
    reclassify: bool
    classifier_version: str | None
    """The classifier that re-read the log (``None`` without ``--reclassify``)."""
    events: int = 0
    undecodable: int = 0
    """Records on docket.events that are not valid events (the processor dead-letters them)."""
    partitions: int = 0
    cases: int = 0
    readings_changed: int = 0
    """Distinct events the current classifier reads differently from their stored reading."""
    reading_transitions: dict[str, int] = field(default_factory=dict)
    unprocessed_records: int = 0
    """Records past the processor's committed offsets: folded, alerted and committed by the rebuild."""
    snapshots_written: int = 0
    changelog_written: int = 0
    orphans: list[str] = field(default_factory=list)
    orphans_dropped: bool = False
    misplaced_cases: list[str] = field(default_factory=list)
    changes: list[CaseChange] = field(default_factory=list)
    """Cases whose status or disposition changed (all of them; the CLI prints the first N)."""
    reclassified: list[ReclassifiedCase] = field(default_factory=list)
    """With --reclassify: the same cases, each with the entry the new rules read differently
    (date, number, text, old -> new reading and rule)."""
    alerts_unprocessed: int = 0
    """Alerts of records no worker acknowledged (first sends, always sent)."""
    alerts_rebuild: int = 0
    """Alerts for changed statuses (only with --emit-alerts)."""
    dead_letters: int = 0
    quarantined: int = 0
    """Records the rebuild could not use (undecodable or unfoldable events, unreadable snapshots),
    kept in DATA_DIR/quarantine.sqlite with their raw bytes (not on a dry run)."""
    offsets_committed: dict[int, int] = field(default_factory=dict)
    local_tables_removed: list[str] = field(default_factory=list)
    read_model: dict[str, int] | None = None
    """Row counts of the refilled read model; None when it was not touched."""
    read_model_seeded: int = 0
    """Re-read events written into the read model before the log replay (their new reading wins)."""

    @property
    def changed(self) -> int:
        return len(self.changes)

    def lines(self) -> list[str]:
        """The plain-text summary (the CLI adds a table of the first changed cases)."""
        verb = "would write" if self.dry_run or self.read_model_only else "wrote"
        reading = (
            f"re-read with classifier {self.classifier_version}: {self.readings_changed} events read differently"
            if self.reclassify
            else "stored readings kept (no --reclassify)"
        )
        out = [
            (
                f"events {self.events} (+{self.undecodable} undecodable) on {self.partitions} partitions, "
                f"cases {self.cases}"
            ),
            reading,
        ]
        out += [f"  {t}: {n}" for t, n in sorted(self.reading_transitions.items())]
        out += [
            f"unprocessed: {self.unprocessed_records} records past the processor's committed offsets",
            f"changed: {self.changed} cases (status or disposition)",
            (
                f"projections: {verb} {self.snapshots_written} snapshots to case.states, "
                f"{self.changelog_written} memories to the processor table's changelog"
            ),
            (
                f"alerts: {verb} {self.alerts_unprocessed} for unprocessed records, "
                f"{self.alerts_rebuild} for changed statuses; dead letters: {self.dead_letters}"
            ),
        ]
        if self.quarantined:
            where = (
                "found (not kept: dry run)"
                if self.dry_run
                else "kept in DATA_DIR/quarantine.sqlite"
            )
            out.append(f"quarantine: {self.quarantined} records the rebuild could not use, {where}")
        if self.orphans:
            fate = (
                "dropped" if self.orphans_dropped else "kept (pass --drop-orphans to delete them)"
            )
            out.append(
                f"orphans: {len(self.orphans)} live projections have no events in the log, {fate}"
            )
        if self.misplaced_cases:
            out.append(
                f"WARNING: {len(self.misplaced_cases)} cases have events on several partitions"
            )
        if self.offsets_committed:
            out.append(
                f"processor offsets committed: {dict(sorted(self.offsets_committed.items()))}"
            )
        if self.local_tables_removed:
            out.append(
                f"local tables removed: {len(self.local_tables_removed)} (workers recover from the changelog)"
            )
        if self.read_model is not None:
            out.append(
                f"read model: reset and refilled, {self.read_model.get('cases', 0)} cases, "
                f"{self.read_model.get('events', 0)} events ({self.read_model_seeded} re-read), "
                f"{self.read_model.get('alerts', 0)} alerts"
            )
        return out
