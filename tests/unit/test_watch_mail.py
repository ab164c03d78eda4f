"""NEF e-mail watchers, the pure pieces: what is a NEF, the allow-list, the inbox's states."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.ingest.adapters import nef
from services.ingest.records import Parsed, Rejected
from services.ingest.watch.imap import ImapConfigError, parse_imap_url
from services.ingest.watch.inbox import MailInbox, Try
from services.ingest.watch.mail import (
    InvalidTransition,
    parse_allow_list,
    recipient_allowed,
    retry_delay,
    screen,
    settle,
    transition,
)
from tests.shared_data import SHARED_DATA, requires_shared_data

EMAILS = SHARED_DATA / "juriscraper" / "nef-email"

BOUNCE = (
    b"From: MAILER-DAEMON@relay.example.org\r\nTo: nef@example.org\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n--b--\r\n"
)
NDA = (
    b"From: ecfnoticing@ca9.uscourts.gov\r\nTo: nef@example.org\r\n"
    b'Subject: 24-1234 Doe v. Roe "Order Filed"\r\nContent-Type: text/html\r\n\r\n'
    b"<p>***NOTE TO PUBLIC ACCESS USERS***</p><p>United States Court of Appeals for the Ninth"
    b" Circuit</p><p>Notice of Docket Activity</p><p>The following transaction was entered on"
    b" 01/30/2025 at 3:12:00 PM PST and filed on 01/30/2025</p>"
)
SPAM = (
    b"From: deals@shop.example.com\r\nTo: nef@example.org\r\nSubject: 50% off today\r\n\r\n"
    b"Buy now.\r\n"
)
AUTO_REPLY = (
    b"From: clerk@example.org\r\nTo: nef@example.org\r\nSubject: Out of office\r\n"
    b"Auto-Submitted: auto-replied\r\n\r\nI am away.\r\n"
)


def test_a_bounce_is_not_a_nef() -> None:
    verdict = screen(BOUNCE)
    assert verdict is not None and verdict.kind == "bounce"


def test_the_null_envelope_sender_marks_a_bounce() -> None:
    verdict = screen(SPAM, envelope_sender="")
    assert verdict is not None and verdict.kind == "bounce"


def test_an_appellate_notice_of_docket_activity_is_not_a_district_court_nef() -> None:
    verdict = screen(NDA)
    assert verdict is not None and verdict.kind == "appellate"
    assert "appellate notice of docket activity" in verdict.reason


def test_an_automatic_reply_is_not_a_nef() -> None:
    verdict = screen(AUTO_REPLY)
    assert verdict is not None and verdict.kind == "auto_reply"


def test_bytes_without_a_header_block_are_not_an_email() -> None:
    verdict = screen(b"\x00\x01 garbage")
    assert verdict is not None and verdict.kind == "not_email"


def test_spam_passes_the_screen_and_the_adapter_rejects_it_with_its_reason() -> None:
    assert screen(SPAM) is None
    s = settle(nef.parse(SPAM, "smtp:x"))
    assert s.state == "rejected" and s.kind == "not_nef"
    assert "not a Notice of Electronic Filing" in (s.reason or "")


@requires_shared_data
@pytest.mark.shared_data
def test_no_real_nef_email_is_screened_out() -> None:
    files = sorted(EMAILS.glob("*.txt"))
    assert len(files) == 126
    assert [p.name for p in files if screen(p.read_bytes()) is not None] == []


@requires_shared_data
@pytest.mark.shared_data
def test_a_multi_case_notice_settles_as_published_with_every_case() -> None:
    raw = (EMAILS / "deb_multi_2.txt").read_bytes()
    s = settle(nef.parse(raw, "imap:x"))
    assert s.state == "published" and len(s.events) == 2 and s.reason is None


def test_a_message_with_some_events_is_published_and_notes_the_rejected_blocks() -> None:
    parsed = next(r for r in nef.parse(_nef(), "m") if isinstance(r, Parsed))
    s = settle([parsed, Rejected("m#case-2", "court unknown")])
    assert s.state == "published" and s.events == (parsed,)
    assert s.notes == ("m#case-2: court unknown",)


def test_a_message_with_only_rejected_records_is_rejected_with_their_reasons() -> None:
    s = settle([Rejected("m#case-1", "no docket text"), Rejected("m#case-2", "court unknown")])
    assert s.state == "rejected" and s.reason == "no docket text; court unknown"


def _nef() -> bytes:
    return (
        b"From: ecf@cand.uscourts.gov\r\nSubject: Activity in Case 5:25-cv-00709-EJD De La Torre"
        b" v. LinkedIn Corporation Notice of Voluntary Dismissal\r\nContent-Type: text/plain\r\n\r\n"
        b"Notice of Electronic Filing\r\n\r\nThe following transaction was entered by X on"
        b" 1/30/2025 at 3:12 PM PST and filed on 1/30/2025\r\n"
        b"Case Name:       De La Torre v. LinkedIn Corporation\r\n"
        b"Case Number:     5:25-cv-00709-EJD https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?1\r\n"
        b"Filer:           Alessandro De La Torre\r\nDocument Number: 12\r\n"
        b"Docket Text:\r\nNOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro\r\n"
    )


# --------------------------------------------------------------------------- allow-list

ALLOW = parse_allow_list(["NEF@Example.org", "@courts.example.net"])


@pytest.mark.parametrize(
    "address",
    ["nef@example.org", "<NEF@example.org>", "anyone@courts.example.net"],
)
def test_listed_addresses_and_domains_are_taken(address: str) -> None:
    assert recipient_allowed(address, ALLOW)


@pytest.mark.parametrize(
    "address",
    [
        "other@example.org",  # same domain, another user
        "nef@example.org.evil.com",
        "nef@sub.courts.example.net",  # a subdomain is another domain
        "@a.example,@b.example:nef@example.org",  # a source route: relaying
        "nef%evil.com@example.org",
        "nef",
        "",
    ],
)
def test_everything_else_is_refused_so_the_receiver_is_no_relay(address: str) -> None:
    assert not recipient_allowed(address, ALLOW)


def test_an_empty_allow_list_takes_nobody() -> None:
    assert not recipient_allowed("nef@example.org", ())


def test_a_malformed_allow_list_entry_is_an_error() -> None:
    with pytest.raises(ValueError, match="not an address"):
        parse_allow_list(["example.org"])


# --------------------------------------------------------------------------- states


def test_a_received_message_becomes_published_or_rejected_or_stays_received() -> None:
    assert transition("received", "published") == "published"
    assert transition("received", "rejected") == "rejected"
    assert transition("received", "failed") == "received"


@pytest.mark.parametrize("state", ["published", "rejected"])
def test_final_states_never_move(state: str) -> None:
    with pytest.raises(InvalidTransition):
        transition(state, "published")  # type: ignore[arg-type]


def test_retries_back_off_by_doubling_up_to_the_cap() -> None:
    assert [retry_delay(n, 2.0, 30.0) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 30.0]


def test_the_inbox_keeps_a_message_once_and_counts_redeliveries(tmp_path: Path) -> None:
    inbox = MailInbox(tmp_path / "inbox.sqlite")
    first = inbox.accept(b"From: a\r\n\r\nx", source="smtp", origin="o", now=1.0)
    again = inbox.accept(b"From: a\r\n\r\nx", source="smtp", origin="o", now=2.0)
    assert not first.duplicate and again.duplicate and again.id == first.id
    view = inbox.get(first.id)
    assert view is not None and view.deliveries == 2 and view.state == "received"
    assert inbox.raw(first.id) == b"From: a\r\n\r\nx"


def test_the_inbox_refuses_to_change_a_final_message(tmp_path: Path) -> None:
    inbox = MailInbox(tmp_path / "inbox.sqlite")
    stored = inbox.accept(b"From: a\r\n\r\nx", source="smtp", origin="o", now=1.0)
    inbox.record([Try(stored.id, "failed", "kafka down", next_attempt_at=5.0)], now=1.0)
    assert inbox.due(now=4.0, limit=10) == []
    assert [m.id for m in inbox.due(now=5.0, limit=10)] == [stored.id]
    inbox.record([Try(stored.id, "rejected", "spam", "not_nef")], now=6.0)
    with pytest.raises(InvalidTransition):
        inbox.record([Try(stored.id, "published", event_ids=("e1",))], now=7.0)
    view = inbox.get(stored.id)
    assert view is not None and view.state == "rejected" and view.attempts == 2
    assert inbox.counts() == {"received": 0, "published": 0, "rejected": 1}


# --------------------------------------------------------------------------- IMAP URL


def test_an_imaps_url_names_host_port_mailbox_and_user() -> None:
    t = parse_imap_url("imaps://nef%40example.org@imap.example.org/NEF%20Inbox")
    assert (t.host, t.port, t.tls, t.mailbox, t.user) == (
        "imap.example.org",
        993,
        True,
        "NEF Inbox",
        "nef@example.org",
    )


def test_a_password_in_the_imap_url_is_refused() -> None:
    with pytest.raises(ImapConfigError, match="DOCKETLINE_MAIL_IMAP_PASSWORD"):
        parse_imap_url("imap://nef:secret@127.0.0.1/INBOX")


def test_the_imap_user_may_come_from_settings() -> None:
    t = parse_imap_url("imap://127.0.0.1:1143", user="nef")
    assert (t.port, t.tls, t.mailbox, t.user, t.loopback) == (1143, False, "INBOX", "nef", True)


def test_up_starts_only_the_mail_watchers_that_are_configured() -> None:
    from services.settings import load_settings
    from services.up import configured_watchers

    assert configured_watchers(load_settings()) == []
    both = load_settings(
        mail_smtp_recipients=("nef@example.org",),
        mail_imap_url="imaps://nef@imap.example.org/INBOX",
    )
    assert configured_watchers(both) == [
        ("mail-smtp", ["watch", "mail", "--smtp"]),
        ("mail-imap", ["watch", "mail", "--imap", "imaps://nef@imap.example.org/INBOX"]),
    ]


async def test_the_drain_loop_outlives_a_failed_pass_and_keeps_draining() -> None:
    import asyncio

    from services.ingest.publisher import drain_forever

    passes: list[str] = []
    errors: list[Exception] = []
    done = asyncio.Event()

    async def process_due() -> int:
        passes.append("pass")
        if len(passes) == 1:
            raise RuntimeError("inbox locked")
        if len(passes) == 3:
            done.set()
        return 1 if len(passes) < 3 else 0

    task = asyncio.create_task(
        drain_forever(
            process_due,
            lambda: None,
            asyncio.Event(),
            idle_poll=60.0,
            after_error=0.0,
            clock=lambda: 0.0,
            on_error=errors.append,
        )
    )
    await asyncio.wait_for(done.wait(), timeout=10)
    task.cancel()
    assert [str(e) for e in errors] == ["inbox locked"] and len(passes) == 3
