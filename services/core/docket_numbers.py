"""Court ids, docket numbers and ``case_id``.

``case_id`` = ``{court_id}:{docket_number}``: the court id as PACER and
CourtListener abbreviate it (``cand``), the docket number normalised to office,
two-digit year, lower-case type and five-digit sequence, with judge initials and
defendant numbers dropped (``5:25-CV-709-EJD`` -> ``5:25-cv-00709``). Numbers
without a case type (appellate and bankruptcy courts: ``19-8054``) keep the
two-digit year and a five-digit sequence.
"""

from __future__ import annotations

import re

_DISTRICT = re.compile(
    r"""^\s*
    (?:(?P<office>\d{1,2})\s*:\s*)?          # divisional office
    (?P<year>\d{4}|\d{2})\s*-?\s*
    (?P<type>[a-z]{1,5})\s*-?\s*              # cv, cr, md, mj, bk, ap, mc ...
    (?P<seq>\d{1,6})
    (?:\s*-\s*[a-z0-9]+)*                     # judge initials / defendant number
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_UNTYPED = re.compile(
    r"^\s*(?P<year>\d{2}|\d{4})\s*-\s*(?P<seq>\d{1,6})(?:\s*-\s*[a-z0-9]+)*\s*$", re.IGNORECASE
)
_MDL = re.compile(r"^\s*MDL\s*(?:No\.?)?\s*-?\s*(?P<seq>\d{1,6})\s*$", re.IGNORECASE)
_COURT = re.compile(r"^[a-z][a-z0-9]{1,9}$")


class DocketNumberError(ValueError):
    """A string that is not a recognisable docket number or court id."""


def normalise_docket_number(raw: str) -> str:
    """Return the canonical form of a federal docket number.

    >>> normalise_docket_number("5:25-CV-709-EJD")
    '5:25-cv-00709'
    """
    m = _DISTRICT.match(raw)
    if m:
        year = m["year"][-2:]
        office = f"{int(m['office'])}:" if m["office"] else ""
        return f"{office}{year}-{m['type'].lower()}-{int(m['seq']):05d}"
    m = _UNTYPED.match(raw)
    if m:
        return f"{m['year'][-2:]}-{int(m['seq']):05d}"
    m = _MDL.match(raw)
    if m:
        return f"mdl-{int(m['seq']):05d}"
    raise DocketNumberError(f"not a docket number: {raw!r}")


def normalise_court_id(raw: str) -> str:
    court = raw.strip().lower()
    if not _COURT.match(court):
        raise DocketNumberError(f"not a court id: {raw!r}")
    return court


def make_case_id(court_id: str, docket_number: str) -> str:
    """``cand`` + ``5:25-CV-709-EJD`` -> ``cand:5:25-cv-00709``."""
    return f"{normalise_court_id(court_id)}:{normalise_docket_number(docket_number)}"


def split_case_id(case_id: str) -> tuple[str, str]:
    """Inverse of :func:`make_case_id`; validates both halves."""
    court, sep, number = case_id.partition(":")
    if not sep:
        raise DocketNumberError(f"not a case id (court:docket): {case_id!r}")
    court = normalise_court_id(court)
    canonical = normalise_docket_number(number)
    if canonical != number:
        raise DocketNumberError(
            f"case id docket number is not canonical: {number!r} (expected {canonical!r})"
        )
    return court, canonical
