"""iCalendar rendering of case calendars (services.api.calendars): plain values in, bytes out,
read back with the ``icalendar`` library."""

from __future__ import annotations

import datetime as dt

import icalendar

from services.api.calendars import (
    EPOCH,
    CaseCalendar,
    StampedEntry,
    calendar_events,
    entry_stamp,
    event_uid,
    last_modified,
    render_calendar,
)
from services.core.deadlines import CalendarItem, DatedEntry, calendar

CASE = "cand:5:25-cv-00709"
NAME = "De La Torre v. LinkedIn Corporation"
LINK = "http://dl.example/#/case/cand:5:25-cv-00709"
ENTRY_3 = (
    "ORDER Setting Initial Case Management Conference and ADR Deadlines: Case Management "
    "Statement due by 4/22/2025. Initial Case Management Conference set for 4/29/2025 10:00 AM "
    "in San Jose, Courtroom 4, 5th Floor. (Filed on 1/21/2025)"
)
ENTRIES = [
    (1, "2025-01-21", "CLASS ACTION COMPLAINT against LinkedIn Corporation."),
    (3, "2025-01-21", ENTRY_3),
    (5, "2025-01-23", "Summons Issued as to LinkedIn Corporation."),
    (
        8,
        "2025-01-24",
        "CLERK'S NOTICE: Initial Case Management Conference reset for 5/6/2025 01:30 PM.",
    ),
    (12, "2025-01-30", "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by A. De La Torre"),
    (
        13,
        "2025-01-31",
        "ORDER: the Initial Case Management Conference set for 5/6/2025 is VACATED.",
    ),
]


def _render(upto: int) -> bytes:
    """The reference case's calendar after its first ``upto`` entries."""
    shown = ENTRIES[:upto]
    dated = [DatedEntry(f"{CASE}#{n}", dt.date.fromisoformat(d), t) for n, d, t in shown]
    timeline = [
        StampedEntry(f"{CASE}#{n}", entry_stamp(None, dt.date.fromisoformat(d)))
        for n, d, _ in shown
    ]
    events = calendar_events(calendar(dated), timeline)
    return render_calendar(NAME, "about", [CaseCalendar(CASE, NAME, LINK, events)])


def _events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _by_summary(body: bytes, word: str) -> icalendar.Event:
    (found,) = [e for e in _events(body).values() if word in str(e["SUMMARY"]).lower()]
    return found


def test_the_reference_calendar_is_rfc_5545_with_the_statement_due_on_2025_04_22() -> None:
    body = _render(2)
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0" and "docketline" in str(cal["PRODID"])
    due = _by_summary(body, "statement")
    assert due.decoded("DTSTART") == dt.date(2025, 4, 22)  # all-day: a DATE, not a DATE-TIME
    assert due.decoded("DTEND") == dt.date(2025, 4, 23)
    assert str(due["SUMMARY"]) == f"{NAME}: Case management statement due"
    assert "Case Management Statement due by 4/22/2025" in str(due["DESCRIPTION"])
    assert LINK in str(due["DESCRIPTION"]) and str(due["URL"]) == LINK
    assert due.decoded("DTSTAMP") == dt.datetime(2025, 1, 21, tzinfo=dt.UTC)
    assert str(due["STATUS"]) == "CONFIRMED" and int(due["SEQUENCE"]) == 0
    assert str(due["UID"]) == event_uid(CASE, "filing_due:case management statement")


def test_a_timed_hearing_is_a_floating_local_time() -> None:
    conference = _by_summary(_render(2), "conference")
    start = conference.decoded("DTSTART")
    assert start == dt.datetime(2025, 4, 29, 10, 0) and start.tzinfo is None


def test_a_reset_keeps_the_uid_moves_the_date_and_raises_the_sequence() -> None:
    before = _by_summary(_render(3), "conference")
    after = _by_summary(_render(4), "conference")
    assert str(after["UID"]) == str(before["UID"])
    assert before.decoded("DTSTART") == dt.datetime(2025, 4, 29, 10, 0)
    assert after.decoded("DTSTART") == dt.datetime(2025, 5, 6, 13, 30)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")
    assert "reset for 5/6/2025" in str(after["DESCRIPTION"])


def test_a_vacated_deadline_stays_listed_as_cancelled_with_a_higher_sequence() -> None:
    moved = _by_summary(_render(4), "conference")
    vacated = _by_summary(_render(6), "conference")
    assert str(vacated["UID"]) == str(moved["UID"])
    assert str(vacated["STATUS"]) == "CANCELLED"
    assert str(vacated["SUMMARY"]).startswith("VACATED: ")
    assert int(vacated["SEQUENCE"]) > int(moved["SEQUENCE"])
    assert len(_events(_render(6))) == 2  # nothing dropped


def test_the_same_timeline_renders_the_same_bytes() -> None:
    assert _render(6) == _render(6)


def test_uids_differ_by_case_and_by_key_and_never_by_date() -> None:
    uids = {
        event_uid(CASE, "hearing:motion"),
        event_uid("nysd:1:24-cv-01234", "hearing:motion"),
        event_uid(CASE, "trial:jury"),
    }
    assert len(uids) == 3 and all(u.endswith("@docketline") for u in uids)


def _item(set_by: str, updated_by: str, text: str = "t") -> CalendarItem:
    return CalendarItem(
        "hearing:motion",
        "hearing",
        "motion",
        dt.date(2025, 3, 1),
        None,
        "pending",
        set_by,
        updated_by,
        text,
    )


def test_the_sequence_counts_the_entries_after_the_one_that_set_it() -> None:
    timeline = [StampedEntry(k, EPOCH + dt.timedelta(days=i)) for i, k in enumerate("abcde")]
    (ev,) = calendar_events([_item("b", "e")], timeline)
    assert ev.sequence == 3 and ev.stamp == EPOCH + dt.timedelta(days=4)
    (same,) = calendar_events([_item("b", "b")], timeline)
    assert same.sequence == 0


def test_an_item_whose_entries_are_not_on_the_timeline_gets_sequence_0_and_a_fixed_stamp() -> None:
    (ev,) = calendar_events([_item("x", "y")], [StampedEntry("a", EPOCH)])
    assert (ev.sequence, ev.stamp) == (0, EPOCH)


def test_control_characters_in_docket_text_are_dropped_not_fatal() -> None:
    (ev,) = calendar_events([_item("a", "a", "Hearing\x00 set\x1b for 3/1/2025\x7f")], [])
    body = render_calendar("n\x07ame", "about", [CaseCalendar(CASE, "A v.\x0c B", LINK, (ev,))])
    (parsed,) = _events(body).values()
    assert "Hearing set for 3/1/2025" in str(parsed["DESCRIPTION"])
    assert str(parsed["SUMMARY"]).startswith("A v. B: ")
    assert not any(c in body for c in (b"\x00", b"\x1b", b"\x7f", b"\x07", b"\x0c"))


def test_an_empty_calendar_is_still_a_valid_calendar() -> None:
    body = render_calendar("Empty", "nothing dated", [CaseCalendar(CASE, None, LINK, ())])
    cal = icalendar.Calendar.from_ical(body)
    assert cal.walk("VEVENT") == [] and str(cal["X-WR-CALNAME"]) == "Empty"
    assert last_modified([CaseCalendar(CASE, None, LINK, ())]) is None


def test_entry_stamps_are_utc_source_times_else_the_filing_day() -> None:
    local = dt.datetime(2025, 1, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert entry_stamp(local, dt.date(2025, 1, 21)) == dt.datetime(
        2025, 1, 21, 18, 0, tzinfo=dt.UTC
    )
    assert entry_stamp(None, dt.date(2025, 1, 21)) == dt.datetime(2025, 1, 21, tzinfo=dt.UTC)
