"""The pure parts of the local Kafka manager: config, ids, ports, state file, jar cache."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from services.kafka.admin import TopicSpec
from services.kafka_local import LocalKafka, ToolNotFoundError, default_cache_dir, default_data_dir
from services.kafka_local.config import (
    KAFKA_VERSION,
    BrokerConfig,
    BrokerState,
    DataDirLayout,
    formatted_cluster_id,
    java_command,
    new_cluster_id,
    parse_properties,
    pick_free_ports,
    port_is_free,
    read_state,
    render_server_properties,
    tail_file,
    write_state,
)
from services.kafka_local.errors import StateFileError
from services.kafka_local.manager import REQUIRED_JARS


def _props(partitions: int = 4) -> dict[str, str]:
    cfg = BrokerConfig(
        port=19092, controller_port=19093, log_dir=Path("/d/kraft"), partitions=partitions
    )
    return parse_properties(render_server_properties(cfg))


# -- server.properties -------------------------------------------------------
def test_rendered_config_is_a_single_node_kraft_broker_and_controller_on_loopback() -> None:
    p = _props()
    assert p["process.roles"] == "broker,controller"
    assert p["node.id"] == "1"
    assert p["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert p["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert p["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert p["controller.listener.names"] == "CONTROLLER"
    assert p["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    assert p["log.dirs"] == "/d/kraft"


def test_rendered_config_sets_every_replication_factor_to_one_and_no_rebalance_delay() -> None:
    p = _props()
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
    ):
        assert p[key] == "1", key
    assert p["group.initial.rebalance.delay.ms"] == "0"
    assert p["offsets.topic.num.partitions"] == "4"
    assert p["auto.create.topics.enable"] == "true"


def test_rendered_config_keeps_default_retention_and_uses_the_partition_count() -> None:
    p = _props(partitions=7)
    assert p["num.partitions"] == "7"
    assert not any(k.startswith("log.retention") for k in p)


@pytest.mark.parametrize(
    ("port", "controller_port", "partitions"),
    [(9092, 9092, 4), (0, 9093, 4), (9092, 70000, 4), (9092, 9093, 0)],
)
def test_broker_config_rejects_impossible_values(
    port: int, controller_port: int, partitions: int
) -> None:
    with pytest.raises(ValueError):
        BrokerConfig(
            port=port, controller_port=controller_port, log_dir=Path("/x"), partitions=partitions
        )


# -- cluster id ----------------------------------------------------------------
def test_cluster_id_is_16_bytes_in_unpadded_urlsafe_base64() -> None:
    cid = new_cluster_id()
    assert len(cid) == 22
    assert len(base64.urlsafe_b64decode(cid + "==")) == 16
    assert set(cid) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_cluster_id_is_redrawn_when_it_would_start_with_a_dash() -> None:
    draws = iter([b"\xf8" + bytes(15), bytes(16)])  # 0xf8 encodes to a leading "-"
    assert new_cluster_id(lambda: next(draws)) == "A" * 22


def test_cluster_ids_differ() -> None:
    assert len({new_cluster_id() for _ in range(50)}) == 50


# -- ports ---------------------------------------------------------------------
def test_free_ports_are_distinct_bindable_and_avoid_what_is_asked() -> None:
    first = pick_free_ports(3)
    assert len(set(first)) == 3
    assert all(port_is_free(p) for p in first)
    again = pick_free_ports(3, avoid=set(first))
    assert not set(again) & set(first)


def test_a_listening_port_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert not port_is_free(s.getsockname()[1])


# -- state file and data dir --------------------------------------------------
def _state(tmp_path: Path, pid: int = 4242) -> BrokerState:
    return BrokerState(
        pid=pid,
        port=39092,
        controller_port=39093,
        cluster_id="AAAAAAAAAAAAAAAAAAAAAA",
        data_dir=str(tmp_path),
        started_at="2025-01-30T12:00:00+00:00",
    )


def test_state_round_trips_and_records_the_bootstrap(tmp_path: Path) -> None:
    layout = DataDirLayout(tmp_path)
    assert read_state(layout) is None
    write_state(layout, _state(tmp_path))
    assert read_state(layout) == _state(tmp_path)
    assert '"bootstrap": "127.0.0.1:39092"' in layout.state_file.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["kafka.state.json"], "no temp file left"


@pytest.mark.parametrize("text", ["", "{", '{"pid": 1}', '{"pid": "x", "port": 1}', "[]"])
def test_unreadable_state_is_a_named_error_naming_the_file(tmp_path: Path, text: str) -> None:
    layout = DataDirLayout(tmp_path)
    layout.state_file.write_text(text)
    with pytest.raises(StateFileError, match="kafka.state.json"):
        read_state(layout)


def test_formatted_cluster_id_is_read_from_meta_properties(tmp_path: Path) -> None:
    layout = DataDirLayout(tmp_path)
    assert formatted_cluster_id(layout) is None
    layout.log_dir.mkdir()
    layout.meta_properties.write_text(
        "#\n#Sat Nov 29 01:46:56 UTC 2025\nnode.id=1\ndirectory.id=NvxiG4804CpdMVff-O4Yww\n"
        "version=1\ncluster.id=5AmszM69SPC-4zB4G8JMoA\n"
    )
    assert formatted_cluster_id(layout) == "5AmszM69SPC-4zB4G8JMoA"


def test_java_command_passes_logging_config_classpath_main_and_args(tmp_path: Path) -> None:
    layout = DataDirLayout(tmp_path)
    argv = java_command(
        "/usr/bin/java",
        "/c/libs/*",
        "kafka.Kafka",
        ["/d/server.properties"],
        jvm_opts=["-Xmx1g"],
        layout=layout,
    )
    assert argv == [
        "/usr/bin/java",
        "-Xmx1g",
        f"-Dlog4j2.configurationFile={tmp_path / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={tmp_path / 'logs'}",
        "-cp",
        "/c/libs/*",
        "kafka.Kafka",
        "/d/server.properties",
    ]


def test_tail_file_returns_the_last_lines_or_says_the_file_is_missing(tmp_path: Path) -> None:
    log = tmp_path / "broker.log"
    assert "no log file" in tail_file(log)
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail_file(log, max_lines=3) == "line 97\nline 98\nline 99"


# -- manager decisions that need no broker -------------------------------------
def test_cache_and_data_dirs_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKETLINE_KAFKA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCKETLINE_DATA_DIR", str(tmp_path / "data"))
    assert default_cache_dir() == tmp_path / "cache" / KAFKA_VERSION
    assert default_data_dir() == tmp_path / "data" / "kafka"


def _complete_cache(cache: Path) -> None:
    (cache / "libs").mkdir(parents=True)
    for jar in REQUIRED_JARS:
        (cache / "libs" / jar).write_bytes(b"")
    pom = (
        Path(__file__).resolve().parents[2] / "services" / "kafka_local" / "pom.xml"
    ).read_bytes()
    (cache / "classpath.sha256").write_text(hashlib.sha256(pom).hexdigest() + "\n")


def test_a_complete_jar_cache_is_used_without_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _complete_cache(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no mvn reachable
    assert LocalKafka(cache_dir=tmp_path, progress=lambda _: None).fetch_jars() == tmp_path / "libs"


def test_a_cache_for_another_pom_is_fetched_again_and_needs_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _complete_cache(tmp_path)
    (tmp_path / "classpath.sha256").write_text("digest-of-an-older-pom\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolNotFoundError, match="mvn"):
        LocalKafka(cache_dir=tmp_path, progress=lambda _: None).fetch_jars()


def test_status_is_not_running_without_state_or_with_a_dead_or_foreign_pid(tmp_path: Path) -> None:
    manager = LocalKafka(cache_dir=tmp_path / "cache")
    layout = DataDirLayout(tmp_path)
    assert not manager.status(tmp_path).running

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(layout, _state(tmp_path, pid=dead.pid))
    assert not manager.status(tmp_path).running

    write_state(layout, _state(tmp_path, pid=os.getpid()))  # alive, but not a broker
    assert not manager.status(tmp_path).running


def test_stop_without_a_broker_is_a_no_op_that_clears_stale_files(tmp_path: Path) -> None:
    layout = DataDirLayout(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_state(layout, _state(tmp_path, pid=dead.pid))
    layout.log_dir.mkdir()
    layout.lock_file.write_text("")
    manager = LocalKafka(cache_dir=tmp_path / "cache")
    assert manager.stop(tmp_path) is False
    assert not layout.state_file.exists() and not layout.lock_file.exists()
    assert manager.stop(tmp_path) is False
    assert manager.stop(tmp_path / "never-created") is False


# -- topic specs -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["", "a b", "x" * 250, ".", "..", "é"])
def test_topic_spec_rejects_names_kafka_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        TopicSpec(name, 1)


def test_topic_spec_rejects_zero_partitions() -> None:
    with pytest.raises(ValueError):
        TopicSpec("docket.events", 0)
