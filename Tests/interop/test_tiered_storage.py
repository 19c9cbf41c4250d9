"""Tiered storage end to end with a local-folder remote store: closed segments are uploaded and
their local copies deleted; consumers from the beginning (librdkafka, kafka-python, kcat) get every
record, in order, across remote and local bytes; offsets by time and the log start offsets are
the remote log's; a SIGKILL and restart keep everything."""
import subprocess
import time

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka import KafkaException

from conftest import serve_for_module
from tiering_support import (TIERED_TOPIC_CONFIG, consume_from_beginning, create_topic, local_segments, metrics,
                             produce, tiered_overrides, wait_offloaded)


@pytest.fixture(scope="module")
def tiered_broker(tmp_path_factory):
    remote = tmp_path_factory.mktemp("remote-store")
    yield from serve_for_module(tmp_path_factory, "tiered", tiered_overrides({
        "rsm.config.storage.backend": "filesystem", "rsm.config.storage.root": str(remote)}))


def test_offloaded_records_are_read_back_by_every_client(tiered_broker, topic_name):
    create_topic(tiered_broker, topic_name, config=TIERED_TOPIC_CONFIG)
    sent = produce(tiered_broker, topic_name, 3000)
    wait_offloaded(tiered_broker, topic_name)
    values = metrics(tiered_broker)
    assert values["strata_remote_copy_segments_total"] >= 5
    assert values["strata_remote_copy_lag_segments"] == 0

    records = consume_from_beginning(tiered_broker, topic_name, len(sent))
    assert [offset for offset, _ in records] == list(range(len(sent)))
    assert [value for _, value in records] == sent
    assert metrics(tiered_broker)["strata_remote_fetch_bytes_total"] > 0

    # kcat (an older librdkafka) from the beginning, counting records.
    out = subprocess.run(["kcat", "-C", "-b", tiered_broker.bootstrap, "-t", topic_name, "-o", "beginning", "-e", "-q",
                          "-f", "%o\n"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [int(line) for line in out.stdout.split()] == list(range(len(sent)))


def test_log_start_offsets_and_offsets_by_time_include_the_remote_log(tiered_broker, topic_name):
    from kafka import KafkaConsumer, TopicPartition as KTopicPartition
    create_topic(tiered_broker, topic_name, config=TIERED_TOPIC_CONFIG)
    base = int(time.time() * 1000) - 3_600_000
    produce(tiered_broker, topic_name, 1000, timestamp=base)
    produce(tiered_broker, topic_name, 1000, start=1000, timestamp=base + 60_000)
    produce(tiered_broker, topic_name, 200, start=2000, timestamp=base + 120_000)
    wait_offloaded(tiered_broker, topic_name)
    assert local_segments(tiered_broker, topic_name)[0] != "00000000000000000000.log"
    consumer = KafkaConsumer(bootstrap_servers=tiered_broker.bootstrap)
    try:
        partition = KTopicPartition(topic_name, 0)
        assert consumer.beginning_offsets([partition])[partition] == 0
        assert consumer.end_offsets([partition])[partition] == 2200
        found = consumer.offsets_for_times({partition: base + 30_000})[partition]
        assert found.offset == 1000 and found.timestamp == base + 60_000
    finally:
        consumer.close()


def test_tiered_topics_need_tiering_on_the_broker(broker, topic_name):
    client = AdminClient({"bootstrap.servers": broker.bootstrap})
    future = client.create_topics([NewTopic(topic_name, 1, 1, config={"remote.storage.enable": "true"})])[topic_name]
    with pytest.raises(KafkaException) as raised:
        future.result(timeout=20)
    assert "remote.log.storage.system.enable" in str(raised.value)


def test_records_survive_sigkill_and_restart(tmp_path, topic_name):
    from conftest import Broker
    broker = Broker(tmp_path / "data", tmp_path / "strata.log", overrides=tiered_overrides({
        "rsm.config.storage.backend": "filesystem", "rsm.config.storage.root": str(tmp_path / "remote")})).start()
    try:
        create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
        sent = produce(broker, topic_name, 2000)
        wait_offloaded(broker, topic_name)
        broker.restart(kill=True)
        sent += produce(broker, topic_name, 1000, start=2000)
        wait_offloaded(broker, topic_name)
        records = consume_from_beginning(broker, topic_name, len(sent))
        assert [value for _, value in records] == sent
        assert [offset for offset, _ in records] == list(range(len(sent)))
    finally:
        broker.kill()
