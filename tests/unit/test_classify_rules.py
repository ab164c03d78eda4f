"""The rule table is data: every row names itself, carries real example texts, and decides them.

Adding a phrasing is one row plus its example; this test is what makes the
example more than a comment: each example is read by the whole table, and the
row that carries it must be the one that decides it (an earlier row taking it
means the table's order is wrong or the example is not that row's phrasing).
"""

from __future__ import annotations

import pytest

from services.core.classify import RULES, classify, decided_by

CASES = [(r.name, ex, r.examples_at) for r in RULES for ex in r.examples]


def test_every_row_has_a_unique_name_and_at_least_one_example() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(r.examples and all(ex.strip() for ex in r.examples) for r in RULES)


@pytest.mark.parametrize(
    ("name", "example", "at"), CASES, ids=[f"{n}:{i}" for i, (n, _, _) in enumerate(CASES)]
)
def test_each_rows_examples_are_decided_by_that_row(
    name: str, example: str, at: int | None
) -> None:
    assert decided_by(example, at) == name


def test_declarative_rows_yield_what_they_build() -> None:
    rows = [r for r in RULES if r.builds is not None]
    assert rows, "the table has declarative rows"
    for r in rows:
        assert r.builds is not None
        for ex in r.examples:
            x = classify(ex, None, r.examples_at)
            assert (x.type, x.rule) == (r.builds.type, r.name), ex
            assert x.confidence in (r.builds.confidence, "high"), ex
