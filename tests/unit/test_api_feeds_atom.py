"""Atom rendering (services.api.feeds): plain values in, bytes out, read back with ``feedparser``."""

from __future__ import annotations

import datetime as dt

import feedparser

from schemas.alerts import Alert, AlertDeadline
from services.api.feeds import (
    Feed,
    FeedItem,
    alert_entry_id,
    alert_item,
    alert_title,
    case_feed_id,
    entry_id,
    entry_item,
    newest,
    render_atom,
)
from services.readmodel.views import chosen_entries, timeline_page, timeline_slice
from tests.readmodel_samples import REF_CASE_ID, REFERENCE, fold
from tests.webhook_util import make_alert

LINK = "http://dl.example/#/case/cand:5:25-cv-00709"
T0 = dt.datetime(2025, 1, 21, tzinfo=dt.UTC)


def _feed(items: tuple[FeedItem, ...], self_link: str | None = "http://dl.example/f.atom") -> Feed:
    return Feed(
        id=case_feed_id(REF_CASE_ID),
        title="De La Torre v. LinkedIn Corporation",
        subtitle="entries",
        updated=newest(items, T0),
        link=LINK,
        self_link=self_link,
        items=items,
    )


def _parse(body: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def _reference_items() -> tuple[FeedItem, ...]:
    folded = fold([REFERENCE])
    state = folded.states[REF_CASE_ID]
    part = timeline_slice(chosen_entries(folded.events), None, 100)
    page = timeline_page(state, part)
    return tuple(entry_item(REF_CASE_ID, state.case_name, i, LINK) for i in reversed(page.items))


def test_a_case_feed_lists_its_entries_newest_first_with_stable_ids() -> None:
    items = _reference_items()
    parsed = _parse(render_atom(_feed(items)))
    assert parsed.feed.id == "urn:docketline:case:cand:5:25-cv-00709"
    ids = [e.id for e in parsed.entries]
    assert ids == [entry_id(f"{REF_CASE_ID}#{n}") for n in (12, 5, 1)]
    assert ids[0] == "urn:docketline:entry:cand:5:25-cv-00709%2312"
    dismissal = parsed.entries[0]
    assert "open \u2192 closed" in dismissal.title
    assert "NOTICE OF VOLUNTARY DISMISSAL" in dismissal.summary
    assert dismissal.link == LINK
    assert parsed.feed.updated_parsed[:3] == (2025, 1, 30)
    assert render_atom(_feed(items)) == render_atom(_feed(items))  # deterministic


def test_the_feed_names_no_other_host_and_may_leave_out_its_self_link() -> None:
    body = render_atom(_feed(_reference_items(), self_link=None))
    parsed = _parse(body)
    assert [link.rel for link in parsed.feed.links] == ["alternate"]
    assert b"<generator>docketline</generator>" in body


def test_an_alert_feed_item_has_the_alert_id_and_says_what_happened() -> None:
    alert = make_alert()
    item = alert_item(alert, LINK)
    assert item.id == alert_entry_id(alert.id) == f"urn:docketline:alert:{alert.id}"
    assert item.title == (
        "De La Torre v. LinkedIn Corporation: open \u2192 closed "
        "(voluntary dismissal, without prejudice)"
    )
    assert item.updated == alert.time
    parsed = _parse(render_atom(_feed((item,))))
    assert parsed.entries[0].id == item.id and parsed.entries[0].tags[0].term == "status.changed"


def _deadline_alert(type_: str, **deadline: object) -> Alert:
    base = make_alert(type_=type_, from_status="open", to_status="open")
    dl = AlertDeadline(
        key="conference:case management conference",
        kind="conference",
        name="initial case management conference",
        date=dt.date(2025, 5, 6),
        time=dt.time(13, 30),
        set_by=f"{REF_CASE_ID}#3",
        updated_by=f"{REF_CASE_ID}#8",
        **deadline,  # type: ignore[arg-type]
    )
    return base.model_copy(update={"data": base.data.model_copy(update={"deadline": dl})})


def test_deadline_alert_titles_say_the_move_and_the_lead_time() -> None:
    moved = _deadline_alert("deadline.changed", previous_date=dt.date(2025, 4, 29))
    assert alert_title(moved).endswith(
        "deadline moved: initial case management conference 2025-04-29 \u2192 2025-05-06 13:30"
    )
    soon = _deadline_alert("deadline.upcoming", days_before=7)
    assert "deadline in 7 day(s): initial case management conference" in alert_title(soon)
    gone = _deadline_alert("deadline.vacated", status="vacated")
    assert "deadline vacated: initial case management conference" in alert_title(gone)


def test_an_entry_alert_names_the_entry_class_and_number() -> None:
    base = make_alert(type_="entry.filed", from_status="open", to_status="open")
    alert = base.model_copy(
        update={
            "data": base.data.model_copy(update={"entry_class": "summons", "document_number": 5})
        }
    )
    assert alert_title(alert).endswith("new entry [5]: summons")


def test_control_characters_are_dropped_and_the_feed_still_parses() -> None:
    item = FeedItem(
        id=entry_id("cand:5:25-cv-00709#9"),
        title="A\x00 v. B",
        updated=T0,
        content="text\x1b with\x0c controls\ufffe",
        link=LINK,
    )
    parsed = _parse(render_atom(_feed((item,))))
    assert parsed.entries[0].title == "A v. B"
    assert parsed.entries[0].summary == "text with controls"


def test_an_empty_feed_is_valid_and_dated_by_its_fallback() -> None:
    parsed = _parse(render_atom(_feed(())))
    assert parsed.entries == [] and parsed.feed.updated_parsed[:3] == (2025, 1, 21)
