"""`docketline watch rss` against a real local feed server and the real broker.

The feeds are the real PACER feeds of ``../shared/data/juriscraper/rss/``,
served by :class:`bench.feed_server.FeedServer` with items added between polls,
304s, a 500, a 429 with Retry-After, a hang past the timeout, malformed XML and
a 50 MB body. Every test checks the events on ``docket.events`` by event id.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bench.feed_server import FeedServer, assemble, split_feed
from schemas.codec import decode_alert, decode_event
from services.ingest.adapters import pacer_rss
from services.ingest.records import Parsed
from services.ingest.rejects import read_report
from services.ingest.watch.feeds import Feed, url_feed
from services.ingest.watch.fetch import FetchLimits
from services.ingest.watch.rss import WatchTuning, open_watcher
from services.ingest.watch.schedule import FeedState, PollPolicy, PollResult, backoff
from services.ingest.watch.state import read_states
from services.kafka.topics import ensure_app_topics
from services.settings import Settings
from tests.kafka_util import read_all, wait_caught_up
from tests.procs import DOCKETLINE, kill, running, service_env
from tests.shared_data import SHARED_DATA, requires_shared_data

pytestmark = [pytest.mark.kafka, requires_shared_data]

RSS = SHARED_DATA / "juriscraper" / "rss"


def ids_of(body: bytes) -> set[str]:
    return {r.event.id for r in pacer_rss.parse(body, "feed") if isinstance(r, Parsed)}


def feed_parts(name: str) -> tuple[bytes, list[bytes], bytes]:
    return split_feed((RSS / f"{name}.xml").read_bytes())


def versions(name: str, steps: int) -> list[bytes]:
    """``steps`` growing versions of a real feed (older items first, newer added), ending with all.

    Cut only where the partial feed's event ids are the full feed's (an entry
    reported by two items is not split across versions).
    """
    head, items, tail = feed_parts(name)
    full = ids_of(assemble(head, items, tail))
    out = []
    for i in range(steps, 0, -1):
        k = len(items) * (i - 1) // steps
        while k > 0 and not ids_of(assemble(head, items[k:], tail)) <= full:
            k -= 1
        out.append(assemble(head, items[k:], tail))
    return out


async def topic_ids(bootstrap: str, topic: str) -> Counter[str]:
    return Counter(decode_event(r.value).id for r in await read_all(bootstrap, topic, timeout=60))


def settings_for(bootstrap: str, prefix: str, data_dir: Path) -> Settings:
    return Settings(
        bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=data_dir, partitions=4
    )


FAST = WatchTuning(
    schedule=PollPolicy(interval=0.3, jitter=0.0, backoff_cap=2.0),
    limits=FetchLimits(timeout=2.0, max_bytes=8 << 20),
)


async def test_items_added_between_polls_are_published_once_and_unchanged_feeds_answer_304(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = settings_for(kafka_bootstrap, unique_prefix, tmp_path)
    sdny = versions("sdny_1", 3)
    nysb = (RSS / "nysb_1.xml").read_bytes()
    with FeedServer() as server:
        server.set("/sdny.xml", sdny[0])
        server.set("/nysb.xml", nysb, gzip=True)
        feeds = [url_feed(server.url("/sdny.xml")), url_feed(server.url("/nysb.xml"))]
        async with open_watcher(s, feeds, FAST) as watcher:
            first = {st.feed_id: st for st in await watcher.once()}
            assert first[feeds[0].feed_id].items_new == len(ids_of(sdny[0]))
            assert first[feeds[1].feed_id].items_new == len(ids_of(nysb))
            again = await watcher.once()
            assert [st.last_status for st in again] == [304, 304]
            assert all(st.items_new == first[st.feed_id].items_new for st in again)
            for body in sdny[1:]:
                server.set("/sdny.xml", body)
                await watcher.once()
        # a restart (a new watcher on the same DATA_DIR) asks with the saved validators
        async with open_watcher(s, feeds, FAST) as watcher:
            after = await watcher.once()
            assert [st.last_status for st in after] == [304, 304]
        sent = server.requests_to("/sdny.xml")
        assert sent[0].if_none_match is None and sent[-1].if_none_match is not None
        assert all("gzip" in (r.accept_encoding or "") for r in server.requests_to("/nysb.xml"))

    expected = set().union(*map(ids_of, sdny)) | ids_of(nysb)
    ids = await topic_ids(kafka_bootstrap, s.topic_events)
    assert set(ids) == expected
    assert [i for i, n in ids.items() if n > 1] == [], "nothing published twice"
    state = read_states(tmp_path)[feeds[0].feed_id]
    assert state.items_new == len(set().union(*map(ids_of, sdny)))
    assert state.last_item_at == "2018-04-18T00:09:55+00:00"


async def test_failing_feeds_back_off_on_their_own_and_never_delay_a_good_one(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = settings_for(kafka_bootstrap, unique_prefix, tmp_path)
    good = versions("cadc", 3)
    malformed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti'
    done: list[tuple[str, float, PollResult]] = []
    with FeedServer() as server:
        server.set("/good.xml", good[0])
        server.behave("/e500", mode="status", status=500)
        server.behave("/e429", mode="status", status=429, retry_after="2")
        server.behave("/hang", mode="hang")
        server.set("/bad.xml", malformed)
        server.behave("/huge.xml", mode="huge", huge_bytes=50 << 20)
        feeds = [
            url_feed(server.url(p))
            for p in ["/good.xml", "/e500", "/e429", "/hang", "/bad.xml", "/huge.xml"]
        ]
        by_path = {f.url.rsplit("/", 1)[1]: f.feed_id for f in feeds}

        def on_poll(feed: Feed, state: FeedState, result: PollResult) -> None:
            done.append((feed.feed_id, time.perf_counter(), result))

        async with open_watcher(s, feeds, FAST, on_poll=on_poll) as watcher:
            task = asyncio.create_task(watcher.run())

            async def until(what: str, cond: object, timeout: float = 60.0) -> None:
                deadline = time.monotonic() + timeout
                while not cond():  # type: ignore[operator]
                    if task.done():
                        await task
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{what} within {timeout}s; states: {watcher.states}")
                    await asyncio.sleep(0.05)

            gid = by_path["good.xml"]
            for body in good[1:]:
                polls = watcher.states[gid].polls
                await until("good feed polled", lambda: watcher.states[gid].polls >= polls + 1)
                server.set("/good.xml", body)
            want = len(set().union(*map(ids_of, good)))
            await until("every good item published", lambda: watcher.states[gid].items_new == want)
            await until("two polls of every failing feed", lambda: all(
                watcher.states[by_path[p]].polls >= 2 for p in ["e500", "e429", "hang", "bad.xml", "huge.xml"]
            ))  # fmt: skip
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            states = dict(watcher.states)

    # the good feed was polled while the hanging one waited for its answer
    hang_start = min(r.at for r in server.requests_to("/hang"))  # logged when answered: sort
    hang_done = next(t for fid, t, _ in done if fid == by_path["hang"])
    during = [t for fid, t, _ in done if fid == gid and hang_start < t < hang_done]
    assert during, (
        "the good feed's polls waited for the hanging feed",
        hang_start,
        hang_done,
        [(fid[-8:], round(t, 2)) for fid, t, _ in done],
    )

    hang = states[by_path["hang"]]
    assert hang.last_error == "no complete answer within 2s" and hang.items_new == 0
    e500 = states[by_path["e500"]]
    assert e500.last_status == 500 and e500.last_error == "HTTP 500"
    assert e500.next_poll_at - e500.last_poll_at == pytest.approx(
        backoff(e500.failures, FAST.policy(feeds[1]))
    )  # type: ignore[operator]
    e429 = states[by_path["e429"]]
    assert e429.last_status == 429 and e429.next_poll_at - e429.last_poll_at >= 2.0  # type: ignore[operator]
    arrivals = [r.at for r in server.requests_to("/e429")]
    assert all(b - a >= 2.0 for a, b in zip(arrivals, arrivals[1:])), (
        f"Retry-After: 2 not honoured: {arrivals}"
    )
    huge = states[by_path["huge.xml"]]
    assert "over the cap" in (huge.last_error or "")
    bad = states[by_path["bad.xml"]]
    assert "not a parsable RSS feed" in (bad.last_error or "") and bad.items_rejected == 1
    # the malformed body is kept, raw, once however often it was polled
    rejects = [r for p in (tmp_path / "rejected").glob("*.jsonl") for r in read_report(p)]
    assert [(r.raw, "not a parsable RSS feed" in r.reason) for r in rejects] == [(malformed, True)]

    ids = await topic_ids(kafka_bootstrap, s.topic_events)
    assert set(ids) == set().union(*map(ids_of, good)) and max(ids.values()) == 1

    status = subprocess.run(
        [DOCKETLINE, "watch", "status"], env=service_env(kafka_bootstrap, unique_prefix, tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    for fid in by_path.values():
        assert fid in status.stdout
    assert (
        "HTTP 500" in status.stdout
        and "429" in status.stdout
        and "no complete answer" in status.stdout
    )


def once(env: dict[str, str], *feeds: str) -> subprocess.CompletedProcess[str]:
    args = [DOCKETLINE, "watch", "rss", "--once", "--interval", "1", "--metrics-port", "0"]
    for f in feeds:
        args += ["--feed", f]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)


async def test_restarts_publish_nothing_twice_and_once_exits_1_when_a_feed_fails(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    s = settings_for(kafka_bootstrap, unique_prefix, tmp_path)
    sdny = versions("sdny_1", 2)
    ca4 = (RSS / "ca4_1.xml").read_bytes()
    with FeedServer() as server:
        server.set("/sdny.xml", sdny[0])
        server.set("/ca4.xml", ca4)
        urls = [server.url("/sdny.xml"), server.url("/ca4.xml")]
        first = once(env, *urls)
        assert first.returncode == 0, first.stdout + first.stderr
        assert urls[0] in first.stdout and urls[1] in first.stdout, first.stdout
        second = once(env, *urls)
        assert second.returncode == 0, second.stdout + second.stderr
        assert [r.status for r in server.requests] == [200, 200, 304, 304]
        # the server forgets its validators; the same ca4 body comes back whole: not parsed again
        server.set("/ca4.xml", ca4, validators=False)
        server.set("/sdny.xml", sdny[1])
        assert once(env, *urls).returncode == 0
        # state lost: everything fetched and parsed again; the ledger knows every event id
        (tmp_path / "watch" / "rss.sqlite").unlink()
        lost = once(env, *urls)
        assert lost.returncode == 0, lost.stdout + lost.stderr
        states = read_states(tmp_path)
        assert [st.items_new for st in states.values()] == [0, 0], lost.stdout
        # a redirect is followed on the same host only
        server.behave("/moved.xml", mode="redirect", location="/ca4.xml")
        server.behave(
            "/away.xml", mode="redirect", location=f"http://localhost:{server.port}/ca4.xml"
        )
        moved = once(env, server.url("/moved.xml"), server.url("/away.xml"))
        assert moved.returncode == 1, moved.stdout + moved.stderr
        assert "redirect to another host refused: localhost" in moved.stdout, moved.stdout
        assert read_states(tmp_path)[server.url("/moved.xml")].failures == 0
        server.behave("/e500", mode="status", status=500)
        failing = once(env, urls[1], server.url("/e500"))
        assert failing.returncode == 1 and "HTTP 500" in failing.stdout, (
            failing.stdout + failing.stderr
        )

    ids = await topic_ids(kafka_bootstrap, s.topic_events)
    assert set(ids) == ids_of(sdny[0]) | ids_of(sdny[1]) | ids_of(ca4)
    assert max(ids.values()) == 1


async def test_sigkill_of_the_watcher_mid_work_loses_nothing_and_adds_no_event_id(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    s = settings_for(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    names = ["sdny_1", "nysb_1", "ca4_1", "ca11"]
    steps = {n: versions(n, 6) for n in names}
    rng = random.Random(13)
    kills = 0
    with FeedServer() as server:
        for n in names:
            server.set(f"/{n}.xml", steps[n][0])
        args = ["watch", "rss", "--interval", "0.2", "--metrics-port", "0", "-l", "warning"]
        args += [a for n in names for a in ("--feed", server.url(f"/{n}.xml"))]
        for step in range(1, 6):
            for n in names:
                server.set(f"/{n}.xml", steps[n][step])
            with running(args, env, tmp_path / f"watch-{step}.log") as proc:
                # kill once fetching started (the state file exists), at a random moment of the work
                deadline = time.monotonic() + 120
                while (
                    not (tmp_path / "watch" / "rss.sqlite").exists() and time.monotonic() < deadline
                ):
                    await asyncio.sleep(0.05)
                await asyncio.sleep(rng.uniform(0.0, 1.5))
                kill(proc)
                kills += 1
        final = once(env, *[server.url(f"/{n}.xml") for n in names])
        assert final.returncode == 0, final.stdout + final.stderr

    expected = set().union(*(ids_of(b) for n in names for b in steps[n]))
    ids = await topic_ids(kafka_bootstrap, s.topic_events)
    assert kills == 5
    assert set(ids) - expected == set(), "unexpected events"
    assert expected - set(ids) == set(), f"{len(expected - set(ids))} events lost"
    # By event id, as consumers count them: a kill between the broker's acknowledgement
    # and the ledger's commit (a few milliseconds of a poll) may send one chunk again
    # with the same ids, which the processor ignores. Printed, so a run shows it.
    print(f"{sum(ids.values())} records for {len(ids)} event ids after {kills} SIGKILLs")


REF = "cand:5:25-cv-00709"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reference_items() -> tuple[bytes, bytes, bytes, bytes]:
    """The demo's two reference items, their pubDates five minutes apart (complaint first)."""
    from importlib import resources

    xml = Path(str(resources.files("services.demo") / "reference_case_rss.xml")).read_bytes()
    head, (dismissal, complaint), tail = split_feed(xml)
    complaint = complaint.replace(
        b"Wed, 22 Jan 2025 01:05:31 GMT", b"Thu, 30 Jan 2025 23:07:44 GMT"
    )
    return head, complaint, dismissal, tail


async def test_the_reference_case_as_two_feed_items_five_minutes_apart_makes_one_open_to_closed_alert(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = settings_for(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    group = f"{unique_prefix}{s.processor_app_id}"
    head, complaint, dismissal, tail = reference_items()
    port = free_port()
    with FeedServer() as server:
        server.set("/cand.xml", assemble(head, [complaint], tail))
        with running(["worker", "-l", "warn"], env, tmp_path / "worker.log"), running(
            ["watch", "rss", "--feed", server.url("/cand.xml"), "--interval", "0.5", "--metrics-port", str(port)],
            env, tmp_path / "watch.log",
        ):  # fmt: skip
            deadline = time.monotonic() + 120
            while not [
                r for r in await read_all(kafka_bootstrap, s.topic_states) if r.key == REF.encode()
            ]:
                assert time.monotonic() < deadline, "the complaint never reached case.states"
                await asyncio.sleep(0.5)
            server.set("/cand.xml", assemble(head, [dismissal, complaint], tail))
            deadline = time.monotonic() + 120
            while len(await topic_ids(kafka_bootstrap, s.topic_events)) < 2:
                assert time.monotonic() < deadline, "the dismissal item was never published"
                await asyncio.sleep(0.5)
            await wait_caught_up(kafka_bootstrap, group, s.topic_events, timeout=120)
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    feed = server.url("/cand.xml")
    assert f'docketline_rss_items_total{{feed="{feed}",outcome="new"}} 2.0' in metrics, metrics
    assert f'docketline_rss_consecutive_failures{{feed="{feed}"}} 0.0' in metrics
    assert f'docketline_rss_last_success_timestamp_seconds{{feed="{feed}"}}' in metrics
    assert 'docketline_rss_poll_duration_seconds_count{result="ok"}' in metrics
    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [(a.subject, a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        (REF, "status.changed", "open", "closed")
    ]
    assert alerts[0].data.disposition is not None
    assert alerts[0].data.disposition.type == "voluntary_dismissal"
