"""Court-local calendar dates for sources that only give an instant.

An RSS ``pubDate`` or an e-mail ``Date`` is an instant, often in GMT. A docket
entry's filing date is the court's local calendar date: an entry made at 17:30
in San Francisco is dated that day, although it is already the next day in GMT.
So an instant is converted to the court's time zone before its date is taken,
and the same entry from RSS and from the docket JSON gets the same date.

Court ids follow PACER: district and bankruptcy courts start with the state's
postal code (``cand``, ``nysb``), circuits are ``ca1``..``ca11``, ``cadc``, ``cafc``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"

_STATE_ZONE: dict[str, str] = {
    **dict.fromkeys(
        [
            "ct",
            "dc",
            "de",
            "fl",
            "ga",
            "in",
            "ky",
            "ma",
            "md",
            "me",
            "mi",
            "nc",
            "nh",
            "nj",
            "ny",
            "oh",
            "pa",
            "ri",
            "sc",
            "va",
            "vt",
            "wv",
        ],
        _E,
    ),
    **dict.fromkeys(
        ["al", "ar", "ia", "il", "ks", "la", "mn", "mo", "ms", "nd", "ne", "ok", "sd", "tx", "wi"],
        _C,
    ),
    **dict.fromkeys(["co", "id", "mt", "nm", "ut", "wy"], _M),
    **dict.fromkeys(["ca", "nv", "or", "wa"], _P),
    "az": "America/Phoenix",
    "ak": "America/Anchorage",
    "hi": "Pacific/Honolulu",
    "pr": "America/Puerto_Rico",
    "gu": "Pacific/Guam",
    "vi": "America/St_Thomas",
}
_COURT_ZONE: dict[str, str] = {
    # circuits sit in one city each
    "ca1": _E, "ca2": _E, "ca3": _E, "ca4": _E, "ca5": _C, "ca6": _E, "ca7": _C,
    "ca8": _C, "ca9": _P, "ca10": _M, "ca11": _E, "cadc": _E, "cafc": _E,
    "jpml": _E, "uscfc": _E, "cit": _E,
    # Tennessee's middle and western districts keep Central time
    "tnmd": _C, "tnmb": _C, "tnwd": _C, "tnwb": _C,
    # Northern Mariana Islands ("nm" would read as New Mexico)
    "nmid": "Pacific/Saipan", "nmib": "Pacific/Saipan",
}  # fmt: skip


@lru_cache(maxsize=256)
def court_zone(court_id: str) -> ZoneInfo | None:
    """The court's time zone, or ``None`` for a court id we cannot place."""
    name = _COURT_ZONE.get(court_id) or _STATE_ZONE.get(court_id[:2])
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # no tz database on this machine
        return None


def local_date(instant: dt.datetime, court_id: str) -> dt.date:
    """Calendar date of ``instant`` at the court; naive or unplaceable -> as given."""
    zone = court_zone(court_id)
    if zone is None or instant.tzinfo is None:
        return instant.date()
    return instant.astimezone(zone).date()


def pacer_rss_url(court_id: str) -> str:
    """The public RSS feed of a PACER court's CM/ECF ("Recent Entries" of every case).

    The one place that knows the URL shape; ``docketline watch rss --court ID`` and
    ``DOCKETLINE_RSS_COURTS`` use it.
    """
    return f"https://ecf.{court_id}.uscourts.gov/cgi-bin/rss_outside.pl"
