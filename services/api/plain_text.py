"""Text fit for the formats the API writes by hand-off to libraries (XML, iCalendar). Pure."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` without the characters XML 1.0 and RFC 5545 TEXT cannot carry (C0 controls
    but tab, newline and carriage return; DEL; lone surrogates; U+FFFE/U+FFFF): a docket
    text with a stray control byte still renders instead of failing the whole feed."""
    return _UNPRINTABLE.sub("", text)
