"""``docketline watch mail --imap``: a real Dovecot holding the real NEF e-mails, real Kafka.

The watcher is SIGKILLed mid-work and started again; every message ends in
``Published`` or ``Rejected``, and docket.events holds exactly the adapter's
event ids. After a clean restart, new mail arrives while the watcher waits in
IDLE (the poll interval is far longer than the test) and nothing is sent twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dovecot import DOVECOT, PASSWORD, dovecot
from tests.mail_util import (
    REJECTED_FILES,
    expected_ids,
    inbox_counts,
    nef_emails,
    status_of,
    topic_ids,
    wait_for,
)
from tests.procs import kill, running, service_env
from tests.shared_data import requires_shared_data
from tests.tools import needs_tool

pytestmark = [
    pytest.mark.kafka,
    pytest.mark.shared_data,
    requires_shared_data,
    needs_tool(DOVECOT.exists(), "dovecot-imapd is not installed (.ci/run installs it)"),
]


async def test_every_nef_in_the_mailbox_is_published_once_by_id_and_moved_across_a_sigkill(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    topic = f"{unique_prefix}docket.events"
    messages = nef_emails()
    first, later = messages[:100], messages[100:]
    with dovecot() as imap:
        env = service_env(
            kafka_bootstrap,
            unique_prefix,
            data_dir,
            DOCKETLINE_MAIL_IMAP_PASSWORD=PASSWORD,
            DOCKETLINE_MAIL_IMAP_POLL_SECONDS="3600",  # only IDLE can wake it within the test
        )
        args = ["watch", "mail", "--imap", imap.url, "--folder", "Published",
                "--rejected-folder", "Rejected"]  # fmt: skip
        imap.append([raw for _, raw in first])
        assert imap.count("INBOX") == 100

        with running(args, env, tmp_path / "logs" / "imap-1.log") as proc:
            wait_for("a message moved", lambda: imap.count("Published") >= 1, proc, 120)
            kill(proc)  # mid-work: most of the mailbox is still unhandled
        left = imap.count("INBOX")
        print(f"SIGKILL with {left} of 100 messages still in INBOX; inbox {inbox_counts(data_dir)}")
        assert left > 0

        with running(args, env, tmp_path / "logs" / "imap-2.log") as proc:
            wait_for("INBOX emptied", lambda: imap.count("INBOX") == 0, proc, 180)
            doc = wait_for(
                "the watcher idling",
                lambda: (
                    (d := status_of(data_dir, "imap", proc.pid)) and d.get("state") == "idle" and d
                ),
                proc,
                60,
            )
            assert doc["idle"] is True
        rejected_first = sum(1 for name, _ in first if name in REJECTED_FILES)
        assert imap.count("Rejected") == rejected_first
        assert imap.count("Published") == 100 - rejected_first
        on_topic = await topic_ids(kafka_bootstrap, topic)
        assert set(on_topic) == expected_ids(first)  # nothing lost, nothing extra, by event id
        before = sum(on_topic.values())
        print(f"{len(on_topic)} ids, {before - len(on_topic)} re-sent after the SIGKILL")

        # a clean restart: the rest arrives while it waits in IDLE; nothing is sent twice
        with running(args, env, tmp_path / "logs" / "imap-3.log") as proc:
            wait_for(
                "idle again",
                lambda: (d := status_of(data_dir, "imap", proc.pid)) and d.get("state") == "idle",
                proc,
                90,
            )
            imap.append([raw for _, raw in later])
            wait_for("the new mail handled", lambda: imap.count("INBOX") == 0, proc, 120)
        after = await topic_ids(kafka_bootstrap, topic)
        assert set(after) == expected_ids(messages)
        new = set(after) - set(on_topic)
        assert sum(after.values()) == before + len(new)  # every new id once, no old one again
        assert imap.count("Rejected") == len(REJECTED_FILES)
        assert imap.count("Published") == 126 - len(REJECTED_FILES)
        assert inbox_counts(data_dir) == {
            "received": 0, "published": 126 - len(REJECTED_FILES), "rejected": len(REJECTED_FILES)
        }  # fmt: skip


async def test_without_a_folder_messages_are_marked_only_after_kafka_took_their_events(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    topic = f"{unique_prefix}docket.events"
    messages = [m for m in nef_emails() if m[0] in ("cand_1.txt", "nysd_1.txt", "cand_2.txt")]
    with dovecot() as imap:
        imap.append([raw for _, raw in messages])
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        down = service_env(
            f"127.0.0.1:{dead}", unique_prefix, data_dir, DOCKETLINE_MAIL_IMAP_PASSWORD=PASSWORD
        )
        with running(
            ["watch", "mail", "--imap", imap.url], down, tmp_path / "logs" / "down.log"
        ) as proc:
            # the one non-NEF is marked rejected; the two NEFs wait for Kafka, unmarked
            wait_for(
                "the non-NEF marked",
                lambda: imap.count("INBOX", ["KEYWORD", "$DocketlineRejected"]) == 1,
                proc,
                90,
            )
            wait_for(
                "a failed try",
                lambda: (d := status_of(data_dir, "imap", proc.pid)) and d["last_error"],
                proc,
                60,
            )
            assert imap.count("INBOX", ["UNKEYWORD", "$Docketline"]) == 2
            kill(proc)
        up = dict(down, DOCKETLINE_BOOTSTRAP_SERVERS=kafka_bootstrap)
        with running(
            ["watch", "mail", "--imap", imap.url], up, tmp_path / "logs" / "up.log"
        ) as proc:
            wait_for(
                "all marked",
                lambda: imap.count("INBOX", ["UNKEYWORD", "$Docketline"]) == 0,
                proc,
                120,
            )
        assert imap.count("INBOX") == 3  # marked, not moved
        with imap.client() as c:
            assert all(b"\\Seen" not in f for f in c.get_flags(c.search("ALL")).values())
    on_topic = await topic_ids(kafka_bootstrap, topic)
    assert on_topic == {i: 1 for i in expected_ids(messages)}
