"""Which feeds the RSS watcher polls: courts, --feed specs, the config file; and the status table."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from services.ingest.watch.config import RssSettings
from services.ingest.watch.feeds import (
    Feed,
    FeedConfigError,
    combine,
    court_feed,
    courts_from_list,
    feed_from_spec,
    load_config,
)
from services.ingest.watch.schedule import FeedState
from services.ingest.watch.status import rss_row, table


def test_a_court_maps_to_its_pacer_feed() -> None:
    assert court_feed("CAND") == Feed(
        "cand", "https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl", "cand"
    )


def test_courts_from_the_environment_list() -> None:
    assert [f.feed_id for f in courts_from_list("cand, nysd,,")] == ["cand", "nysd"]
    with pytest.raises(FeedConfigError):
        courts_from_list("cand,n y")


def test_a_feed_url_on_a_cmecf_host_is_identified_by_its_court() -> None:
    f = feed_from_spec("https://ecf.nysd.uscourts.gov/cgi-bin/rss_outside.pl")
    assert (f.feed_id, f.court) == ("nysd", None), "the adapter reads the court from the feed"


def test_a_feed_url_elsewhere_is_identified_by_the_url() -> None:
    f = feed_from_spec("http://127.0.0.1:8080/feeds/sdny.xml?x=1")
    assert (f.feed_id, f.url, f.court) == ("http://127.0.0.1:8080/feeds/sdny.xml?x=1",) * 2 + (
        None,
    )


def test_court_equals_url_names_the_court() -> None:
    f = feed_from_spec("cand=http://127.0.0.1:8080/a.xml?k=v")
    assert (f.feed_id, f.url, f.court) == ("cand", "http://127.0.0.1:8080/a.xml?k=v", "cand")


@pytest.mark.parametrize(
    "bad", ["ftp://x/feed", "not a url", "cand=file:///etc/passwd", "c d=http://x/"]
)
def test_bad_feed_specs_are_refused(bad: str) -> None:
    with pytest.raises(FeedConfigError):
        feed_from_spec(bad)


def test_config_file_gives_courts_urls_and_intervals(tmp_path: Path) -> None:
    path = tmp_path / "rss.toml"
    path.write_text(
        'interval = 600\n[[feed]]\ncourt = "cand"\ninterval = 60\n'
        '[[feed]]\nurl = "http://127.0.0.1:9/x.xml"\ncourt = "nysd"\n'
    )
    feeds, default = load_config(path)
    assert default == 600
    assert feeds == [
        Feed("cand", "https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl", "cand", 60.0),
        Feed("nysd", "http://127.0.0.1:9/x.xml", "nysd", None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "interval = -1\n",
        "[[feed]]\ninterval = 5\n",
        '[[feed]]\ncourt = "cand"\ninterval = "soon"\n',
        '[[feed]]\ncourt = "cand"\nspeed = 1\n',
        "feed = 3\n",
        "not toml [",
    ],
)
def test_bad_config_files_are_refused_with_the_file_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rss.toml"
    path.write_text(text)
    with pytest.raises(FeedConfigError, match="rss.toml"):
        load_config(path)


def test_the_same_feed_twice_is_one_feed_but_two_urls_for_one_court_is_an_error() -> None:
    assert combine([court_feed("cand"), court_feed("cand", 60)]) == [court_feed("cand", 60)]
    with pytest.raises(FeedConfigError, match="twice"):
        combine([court_feed("cand"), feed_from_spec("cand=http://127.0.0.1/x")])


def test_settings_combine_the_court_list_and_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "rss.toml"
    path.write_text('[[feed]]\ncourt = "nysd"\ninterval = 30\n')
    feeds, default = RssSettings(rss_courts="cand,nysd", rss_config=path).configured_feeds()
    assert [(f.feed_id, f.interval) for f in feeds] == [("cand", None), ("nysd", 30.0)]
    assert default is None


def test_the_status_table_shows_each_feed_with_its_counts_and_last_error() -> None:
    state = FeedState(
        "cand", "u", polls=4, failures=2, next_poll_at=1060.0, last_success_at=900.0,
        last_error_at=990.0, last_error="HTTP 503", last_status=503, last_duration=0.012,
        items_seen=10, items_new=7, items_rejected=1,
    )  # fmt: skip
    console = Console(width=200, record=True)
    console.print(table([rss_row(state)], now=1000.0))
    text = console.export_text()
    line = next(line for line in text.splitlines() if "cand" in line)
    for expected in [
        "rss",
        "503 x2",
        "2m ago",
        "10s ago",
        "in 60s",
        "10",
        "7",
        "1",
        "12 ms",
        "HTTP 503",
    ]:
        assert expected in line, (expected, line)


def test_a_feed_with_its_own_interval_keeps_the_rest_of_the_policy() -> None:
    tuning = RssSettings(rss_interval=300, rss_jitter=0.2, rss_backoff_cap=900).tuning()
    own = tuning.policy(court_feed("cand", 60))
    assert (own.interval, own.jitter, own.backoff_cap) == (60, 0.2, 900)
    assert tuning.policy(court_feed("nysd")).interval == 300
    assert RssSettings().tuning(interval=10).schedule.interval == 10


def test_up_runs_the_rss_watcher_only_when_feeds_are_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.up import _rss_configured

    monkeypatch.delenv("DOCKETLINE_RSS_COURTS", raising=False)
    monkeypatch.delenv("DOCKETLINE_RSS_CONFIG", raising=False)
    assert not _rss_configured()
    monkeypatch.setenv("DOCKETLINE_RSS_COURTS", "cand")
    assert _rss_configured()
    monkeypatch.delenv("DOCKETLINE_RSS_COURTS")
    monkeypatch.setenv("DOCKETLINE_RSS_CONFIG", str(tmp_path / "rss.toml"))
    assert _rss_configured()
