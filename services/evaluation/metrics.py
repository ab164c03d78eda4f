"""Per-class precision / recall and accuracy over (expected, predicted) pairs. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClassMetrics:
    """One class: how often it was expected (support), predicted, and both (true positives)."""

    label: str
    support: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        """Share of predictions of this class that were right; None when never predicted."""
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        """Share of expected cases of this class that were found; None when never expected."""
        return self.true_positives / self.support if self.support else None


def per_class(
    pairs: Sequence[tuple[str | None, str | None]], classes: Iterable[str]
) -> list[ClassMetrics]:
    """Metrics for every class in ``classes`` that was expected or predicted at least once.

    ``None`` on either side means "no class" (e.g. no disposition for an open
    case): it never counts as a true positive, a prediction or support.
    """
    out = []
    for c in classes:
        support = sum(1 for e, _ in pairs if e == c)
        predicted = sum(1 for _, p in pairs if p == c)
        if support or predicted:
            tp = sum(1 for e, p in pairs if e == c and p == c)
            out.append(ClassMetrics(c, support, predicted, tp))
    return out


def accuracy(hits: Iterable[bool]) -> float | None:
    """Share of True; None for no observations (never 0/0 passed off as a figure)."""
    values = list(hits)
    return sum(values) / len(values) if values else None
