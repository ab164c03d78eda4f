"""``docketline watch mail --smtp``: the real receiver, fed by smtplib, publishing to real Kafka.

Every real NEF e-mail of ../shared/data is delivered; the receiver is SIGKILLed
mid-stream and started again; the events on docket.events must be exactly the
adapter's events, by id; a clean restart and a redelivery send nothing twice.
"""

from __future__ import annotations

import smtplib
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.mail_util import (
    REJECTED_FILES,
    expected_ids,
    inbox_counts,
    nef_emails,
    status_of,
    topic_ids,
    wait_for,
)
from tests.procs import kill, running, service_env, stop
from tests.shared_data import requires_shared_data

pytestmark = [pytest.mark.kafka, pytest.mark.shared_data, requires_shared_data]

RCPT = "nef@docketline.test"
START_TIMEOUT = 90.0


def _start(env: dict[str, str], tmp: Path, name: str, *extra: str):  # type: ignore[no-untyped-def]
    return running(
        ["watch", "mail", "--smtp", "--port", "0", *extra], env, tmp / "logs" / f"{name}.log"
    )


def _address(data_dir: Path, proc) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    doc = wait_for(
        "the receiver listening", lambda: status_of(data_dir, "smtp", proc.pid), proc, START_TIMEOUT
    )
    host, port = doc["listening"].rsplit(":", 1)
    return host, int(port)


def _send(address: tuple[str, int], messages: list[tuple[str, bytes]], acked: list[str]) -> None:
    """Deliver one message per transaction on one connection; stop at the first failure."""
    with smtplib.SMTP(*address, timeout=60) as client:
        for name, raw in messages:
            client.sendmail("ecf@uscourts.test", [RCPT], raw)  # raises unless 250
            acked.append(name)


def _send_until_killed(
    address: tuple[str, int], messages: list[tuple[str, bytes]], acked: list[str]
) -> None:
    try:
        _send(address, messages, acked)
    except smtplib.SMTPServerDisconnected:
        pass  # the receiver was SIGKILLed: this message was not answered 250


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_every_accepted_nef_reaches_kafka_once_by_id_across_a_sigkill_and_restarts(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = service_env(
        kafka_bootstrap, unique_prefix, data_dir, DOCKETLINE_MAIL_SMTP_RECIPIENTS=RCPT
    )
    topic = f"{unique_prefix}docket.events"
    messages = nef_emails()
    assert len(messages) == 126
    want = expected_ids(messages)
    assert len(want) == 138  # 143 events; 5 notices arrived twice (HTML and plain copies)

    acked: list[str] = []
    with _start(env, tmp_path, "smtp-1") as proc:
        address = _address(data_dir, proc)
        sender = threading.Thread(
            target=_send_until_killed, args=(address, messages, acked), daemon=True
        )
        sender.start()
        # mid-work: messages are still arriving while the first ones are being published
        wait_for("a message published", lambda: inbox_counts(data_dir)["published"] >= 1, proc, 120)
        kill(proc)
        at_kill = inbox_counts(data_dir)
        sender.join(60)
    assert not sender.is_alive()
    print(f"SIGKILL after {len(acked)} messages answered 250; inbox then: {at_kill}")
    assert len(acked) < len(messages)

    with _start(env, tmp_path, "smtp-2") as proc:
        address = _address(data_dir, proc)
        rest = [m for m in messages if m[0] not in set(acked)]
        _send(address, rest, acked)  # the sender retries what was not answered 250
        wait_for(
            "every message published or rejected",
            lambda: (
                (c := inbox_counts(data_dir))["received"] == 0
                and c["published"] + c["rejected"] == len(messages)
            ),
            proc,
            180,
        )
        counts = inbox_counts(data_dir)
    assert counts == {"received": 0, "published": 119, "rejected": len(REJECTED_FILES)}
    on_topic = await topic_ids(kafka_bootstrap, topic)
    assert set(on_topic) == want  # nothing lost, nothing extra, by event id
    resent = sum(on_topic.values()) - len(on_topic)
    print(f"{len(on_topic)} event ids on the topic, {resent} re-sent after the SIGKILL")

    # a clean restart, and the same messages delivered again: nothing is sent twice
    before = sum(on_topic.values())
    with _start(env, tmp_path, "smtp-3") as proc:
        _send(_address(data_dir, proc), messages[:10], [])
        wait_for("stopped", lambda: True, proc, 1)
        stop(proc)
    after = await topic_ids(kafka_bootstrap, topic)
    assert sum(after.values()) == before
    assert inbox_counts(data_dir) == counts


async def test_accepted_mail_survives_a_kafka_outage_and_a_sigkill_and_refusals_store_nothing(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    topic = f"{unique_prefix}docket.events"
    messages = [m for m in nef_emails() if m[0] in ("cand_1.txt", "nysd_1.txt", "deb_multi_2.txt")]
    metrics_port = _free_port()
    down = service_env(
        f"127.0.0.1:{_free_port()}",  # nothing listens there: Kafka is down
        unique_prefix,
        data_dir,
        DOCKETLINE_MAIL_SMTP_RECIPIENTS=f"{RCPT},@relay.docketline.test",
        DOCKETLINE_MAIL_MAX_BYTES="65536",
    )
    bounce = (
        b"From: MAILER-DAEMON@relay.docketline.test\r\nTo: nef@docketline.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail system.\r\n--b--\r\n"
    )
    with _start(down, tmp_path, "smtp-down", "--metrics-port", str(metrics_port)) as proc:
        address = _address(data_dir, proc)
        _send(address, messages, [])
        with smtplib.SMTP(*address, timeout=30) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("x@evil.test", ["victim@elsewhere.test"], messages[0][1])
            assert refused.value.recipients["victim@elsewhere.test"][0] == 550
            # refused at MAIL FROM (SIZE, announced in EHLO) or at the end of DATA
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_big:
                client.sendmail("x@evil.test", [RCPT], messages[0][1] + b"x" * 70000 + b"\r\n")
            assert too_big.value.smtp_code == 552
            client.sendmail("", ["anyone@relay.docketline.test"], bounce)
        wait_for(
            "the bounce rejected, the NEFs waiting for Kafka",
            lambda: inbox_counts(data_dir) == {"received": 3, "published": 0, "rejected": 1},
            proc,
            60,
        )
        metrics = (
            urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
            .read()
            .decode()
        )
        assert 'docketline_mail_rejected_total{kind="bounce",watcher="mail-smtp"} 1.0' in metrics
        assert (
            'docketline_mail_messages_total{outcome="refused",watcher="mail-smtp"} 1.0' in metrics
        )
        assert 'docketline_mail_inbox_messages{state="received"} 3.0' in metrics
        doc = wait_for(
            "the outage in the status file",
            lambda: (d := status_of(data_dir, "smtp", proc.pid)) and d["last_error"] and d,
            proc,
            30,
        )
        assert "cannot prepare topic" in doc["last_error"]
        assert doc["inbox"] == {"received": 3, "published": 0, "rejected": 1}
        kill(proc)

    up = dict(down, DOCKETLINE_BOOTSTRAP_SERVERS=kafka_bootstrap)
    with _start(up, tmp_path, "smtp-up") as proc:
        wait_for(
            "the stored NEFs published after the restart",
            lambda: inbox_counts(data_dir) == {"received": 0, "published": 3, "rejected": 1},
            proc,
            120,
        )
    on_topic = await topic_ids(kafka_bootstrap, topic)
    assert on_topic == {i: 1 for i in expected_ids(messages)}
    assert len(on_topic) == 4
