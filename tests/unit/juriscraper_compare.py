"""Comparing our reading of the shared data with juriscraper's parsed JSON beside it.

juriscraper tidies what it reads (drops "et al", spells "USA" out, strips
markup and "#" from docket text); these helpers undo the tidying differences
so the comparison is about the facts, not the cosmetics.
"""

from __future__ import annotations

import re


def harmonised_case_name(name: str | None) -> str:
    n = (name or "Unknown Case Title").casefold()
    n = re.sub(r"[,;]?\s+et al\.?,?", "", n)
    n = re.sub(r"\b(?:the )?(?:usa|us|united states of america)\b", "united states", n)
    n = re.sub(r"\bvs\.?(?=\s)", "v.", n).replace("#", "")
    return re.sub(r"[\s.,]+", " ", n).strip()


def words(text: str) -> set[str]:
    """The word tokens of a docket text (juriscraper drops some markup, never invents words)."""
    return set(re.findall(r"\w+", text.casefold()))
