"""Admin APIs against strata with confluent-kafka and kafka-python: describe and alter configs
(changes that take effect on the running broker and survive a restart), create partitions,
delete records."""
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewPartitions, NewTopic, ResourceType)

from conftest import serve_for_module

# Retention checked every 200 ms so a retention change shows within the test's time.
ADMIN_SETTINGS = {"log.retention.check.interval.ms": "200", "log.retention.hours": "100"}


@pytest.fixture(scope="module")
def admin_broker(tmp_path_factory):
    yield from serve_for_module(tmp_path_factory, "strata-admin", ADMIN_SETTINGS)


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def create(broker, name, partitions=1, config=None):
    client = admin(broker)
    client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
                         operation_timeout=10)[name].result(timeout=20)


def describe_topic(broker, name):
    client = admin(broker)
    resource = ConfigResource(ResourceType.TOPIC, name)
    return client.describe_configs([resource], request_timeout=10)[resource].result(timeout=20)


def produce(broker, topic, count, size=10, timestamp=None, partition=0):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    errors = []
    for i in range(count):
        kwargs = {"timestamp": timestamp} if timestamp is not None else {}
        producer.produce(topic, key=str(i).encode(), value=b"x" * size, partition=partition,
                         on_delivery=lambda err, msg: errors.append(err), **kwargs)
    assert producer.flush(20) == 0
    return errors


def watermarks(broker, topic, partition=0):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "watermarks"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def test_describe_configs_reports_values_sources_and_synonyms(admin_broker, topic_name):
    create(admin_broker, topic_name, config={"retention.bytes": "1048576"})
    configs = describe_topic(admin_broker, topic_name)
    assert configs["retention.bytes"].value == "1048576"
    assert configs["retention.bytes"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["retention.ms"].value == str(100 * 3_600_000)
    assert configs["retention.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert "log.retention.hours" in configs["retention.ms"].synonyms
    assert configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["cleanup.policy"].value == "delete"
    assert not configs["segment.bytes"].is_read_only

    broker_resource = ConfigResource(ResourceType.BROKER, "0")
    client = admin(admin_broker)  # kept alive until its futures complete
    broker_configs = client.describe_configs([broker_resource], request_timeout=10)[broker_resource].result(timeout=20)
    assert broker_configs["log.retention.hours"].value == "100"
    assert broker_configs["log.retention.hours"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert broker_configs["group.initial.rebalance.delay.ms"].value == "3000"
    assert broker_configs["num.io.threads"].is_read_only


def test_incremental_alter_changes_retention_live(admin_broker, topic_name):
    create(admin_broker, topic_name, config={"segment.bytes": "2000"})
    hour_ago = int(time.time() * 1000) - 3_600_000
    assert produce(admin_broker, topic_name, 50, size=100, timestamp=hour_ago) == [None] * 50
    time.sleep(0.5)
    assert watermarks(admin_broker, topic_name) == (0, 50), "100 hours of retention keep everything"

    resource = ConfigResource(ResourceType.TOPIC, topic_name, incremental_configs=[
        ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
    ])
    client = admin(admin_broker)  # kept alive until its futures complete
    client.incremental_alter_configs([resource])[resource].result(timeout=20)
    configs = describe_topic(admin_broker, topic_name)
    assert configs["retention.ms"].value == "60000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert set(configs["cleanup.policy"].value.split(",")) == {"compact", "delete"}

    # The periodic retention check now deletes the hour-old segments.
    deadline = time.monotonic() + 15
    while watermarks(admin_broker, topic_name)[0] < 50 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert watermarks(admin_broker, topic_name) == (50, 50)

    undo = ConfigResource(ResourceType.TOPIC, topic_name, incremental_configs=[
        ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE),
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SUBTRACT),
    ])
    client.incremental_alter_configs([undo])[undo].result(timeout=20)
    configs = describe_topic(admin_broker, topic_name)
    assert configs["retention.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["cleanup.policy"].value == "delete"

    bad = ConfigResource(ResourceType.TOPIC, topic_name, incremental_configs=[
        ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET)])
    with pytest.raises(KafkaException) as refused:
        client.incremental_alter_configs([bad])[bad].result(timeout=20)
    assert refused.value.args[0].code() == KafkaError.INVALID_CONFIG


def test_alter_configs_with_kafka_python_limits_message_size_live_and_persists(admin_broker, topic_name):
    from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType, KafkaAdminClient

    create(admin_broker, topic_name)
    client = KafkaAdminClient(bootstrap_servers=admin_broker.bootstrap)
    try:
        client.alter_configs([KConfigResource(ConfigResourceType.TOPIC, topic_name, configs={"max.message.bytes": "1000"})])
    finally:
        client.close()
    errors = produce(admin_broker, topic_name, 1, size=5000)
    assert errors[0] is not None and errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE
    assert produce(admin_broker, topic_name, 1, size=100) == [None]

    admin_broker.restart()
    assert describe_topic(admin_broker, topic_name)["max.message.bytes"].value == "1000"
    errors = produce(admin_broker, topic_name, 1, size=5000)
    assert errors[0] is not None and errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_create_partitions(admin_broker, topic_name):
    create(admin_broker, topic_name, partitions=2)
    client = admin(admin_broker)
    client.create_partitions([NewPartitions(topic_name, 5)], operation_timeout=10)[topic_name].result(timeout=20)
    assert sorted(client.list_topics(timeout=10).topics[topic_name].partitions) == [0, 1, 2, 3, 4]
    assert produce(admin_broker, topic_name, 3, partition=4) == [None] * 3
    assert watermarks(admin_broker, topic_name, partition=4) == (0, 3)
    with pytest.raises(KafkaException) as shrink:
        client.create_partitions([NewPartitions(topic_name, 3)], operation_timeout=10)[topic_name].result(timeout=20)
    assert shrink.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_delete_records(admin_broker, topic_name):
    create(admin_broker, topic_name)
    assert produce(admin_broker, topic_name, 20) == [None] * 20
    client = admin(admin_broker)
    futures = client.delete_records([TopicPartition(topic_name, 0, 12)], request_timeout=10)
    deleted = list(futures.values())[0].result(timeout=20)
    assert deleted.low_watermark == 12
    assert watermarks(admin_broker, topic_name) == (12, 20)
    reader = Consumer({"bootstrap.servers": admin_broker.bootstrap, "group.id": "after-delete", "auto.offset.reset": "earliest"})
    reader.assign([TopicPartition(topic_name, 0, 0)])
    try:
        offsets = []
        deadline = time.monotonic() + 15
        while len(offsets) < 8 and time.monotonic() < deadline:
            message = reader.poll(0.2)
            if message is not None and message.error() is None:
                offsets.append(message.offset())
        assert offsets == list(range(12, 20))
    finally:
        reader.close()
    beyond = client.delete_records([TopicPartition(topic_name, 0, 50)], request_timeout=10)
    with pytest.raises(KafkaException) as out_of_range:
        list(beyond.values())[0].result(timeout=20)
    assert out_of_range.value.args[0].code() == KafkaError.OFFSET_OUT_OF_RANGE


def test_preallocate_reserves_the_whole_segment_on_disk(admin_broker, topic_name):
    """Kafka's `preallocate` topic config takes effect: the active segment's whole segment.bytes
    is reserved on disk with the first append, while the file's size stays what was appended."""
    segment_bytes = 8 << 20
    create(admin_broker, topic_name, config={"preallocate": "true", "segment.bytes": str(segment_bytes)})
    assert describe_topic(admin_broker, topic_name)["preallocate"].value == "true"
    assert produce(admin_broker, topic_name, 100, size=1000) == [None] * 100
    log_file = admin_broker.data_dir / f"{topic_name}-0" / ("0" * 20 + ".log")
    stat = log_file.stat()
    assert 100_000 < stat.st_size < 1 << 20
    if stat.st_blocks * 512 <= stat.st_size + 4096:
        pytest.skip("this file system does not reserve space past a file's end (fallocate KEEP_SIZE)")
    assert stat.st_blocks * 512 >= segment_bytes - 4096
