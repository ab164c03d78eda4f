"""Docket-text classifier: the source's words -> what the entry means. Pure.

Keyword rules over the normalised docket text and the source's event name.
``CLASSIFIER_VERSION`` changes whenever the rules change, and is stamped on
every event so a rebuild can tell old readings from new.
"""

from __future__ import annotations

import re

from services.core.classification import Classification

CLASSIFIER_VERSION = "kw-0.1"

_WS = re.compile(r"\s+")


def _norm(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip().lower()


_WITHOUT = re.compile(r"without\s+prejudice")
_WITH = re.compile(r"(?<!out )with\s+prejudice")


def prejudice_of(text: str) -> str:
    """Prejudice only from explicit words; the rule number never decides it."""
    w, wo = bool(_WITH.search(text)), bool(_WITHOUT.search(text))
    if wo and not w:
        return "without"
    if w and not wo:
        return "with"
    return "unknown"


def classify(text: str, event_name: str | None = None, document_number: int | None = None) -> Classification:
    t = _norm(text)
    name = _norm(event_name)
    both = f"{name} {t}".strip()
    class_action = "class action" in both
    if re.search(r"\bamended complaint\b", both):
        return Classification(type="complaint.amended", rule="amended_complaint", class_action=class_action)
    if re.search(r"\bnotice of voluntary dismissal\b", both):
        return Classification(
            type="case.dismissed",
            rule="voluntary_dismissal_notice",
            dismissal="voluntary",
            prejudice=prejudice_of(both),  # type: ignore[arg-type]
        )
    if re.match(r"^(class action )?complaint\b", t) or name in ("complaint", "class action complaint"):
        return Classification(
            type="case.filed",
            rule="complaint",
            opening="class_action_complaint" if class_action else "complaint",
            class_action=class_action,
        )
    return Classification(rule="default", class_action=False)
