"""confluent-kafka (librdkafka) against strata: admin, produce/consume in every codec with keys,
headers and timestamps, keyed partitioning, offsets, long polling."""
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from kafka_support import create_topic, read_from_beginning

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def create(broker, name, partitions=1, config=None, validate_only=False):
    return create_topic(broker, name, partitions, config, validate_only)


def consume_all(broker, topic, partitions, expected, timeout=20, **extra):
    return read_from_beginning(broker, topic, expected, partitions=range(partitions), timeout=timeout, **extra)


def test_admin_create_describe_delete(broker, topic_name):
    create(broker, topic_name, partitions=3, config={"retention.ms": "3600000", "segment.bytes": "1048576"})
    metadata = admin(broker).list_topics(timeout=10)
    assert metadata.cluster_id
    assert metadata.controller_id == 0
    assert sorted(metadata.topics[topic_name].partitions) == [0, 1, 2]
    assert metadata.topics[topic_name].partitions[1].leader == 0

    with pytest.raises(KafkaException) as exists:
        create(broker, topic_name)
    assert exists.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS

    client = admin(broker)
    client.delete_topics([topic_name], operation_timeout=10)[topic_name].result(timeout=20)
    assert topic_name not in admin(broker).list_topics(timeout=10).topics

    with pytest.raises(KafkaException) as missing:
        client.delete_topics([topic_name], operation_timeout=10)[topic_name].result(timeout=20)
    assert missing.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_admin_refuses_bad_requests(broker, topic_name):
    with pytest.raises(KafkaException) as bad_config:
        create(broker, topic_name, config={"retention.ms": "soon"})
    assert bad_config.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "retention.ms" in bad_config.value.args[0].str()

    with pytest.raises(KafkaException) as unknown_config:
        create(broker, topic_name, config={"no.such.config": "1"})
    assert unknown_config.value.args[0].code() == KafkaError.INVALID_CONFIG

    with pytest.raises(KafkaException) as bad_name:
        create(broker, "bad name!")
    assert bad_name.value.args[0].code() == KafkaError.TOPIC_EXCEPTION

    client = admin(broker)
    futures = client.create_topics([NewTopic(topic_name, num_partitions=1, replication_factor=3)], operation_timeout=10)
    with pytest.raises(KafkaException) as replication:
        futures[topic_name].result(timeout=20)
    assert replication.value.args[0].code() == KafkaError.INVALID_REPLICATION_FACTOR

    create(broker, topic_name, partitions=2, validate_only=True)
    assert topic_name not in admin(broker).list_topics(timeout=10).topics


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip_every_codec(broker, topic_name, codec):
    create(broker, topic_name, partitions=2)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "compression.codec": codec, "linger.ms": 10, "acks": "all"})
    sent = []
    base_time = 1_700_000_000_000
    for i in range(300):
        key = f"key-{i % 17}".encode()
        value = (f"{codec}-{i}-" + "x" * (i % 50)).encode()
        headers = [("index", str(i).encode()), ("codec", codec.encode())]
        producer.produce(topic_name, key=key, value=value, headers=headers, timestamp=base_time + i)
        sent.append((key, value, headers, base_time + i))
    assert producer.flush(20) == 0

    received = consume_all(broker, topic_name, 2, len(sent))
    assert len(received) == len(sent)
    by_index = {}
    partitions_by_key = {}
    for message in received:
        headers = message.headers()
        index = int(dict(headers)["index"])
        by_index[index] = message
        partitions_by_key.setdefault(message.key(), set()).add(message.partition())
    for i, (key, value, headers, timestamp) in enumerate(sent):
        message = by_index[i]
        assert message.key() == key
        assert message.value() == value
        assert message.headers() == headers
        assert message.timestamp()[1] == timestamp
    # Keyed partitioning: every key stays on one partition, and both partitions are used.
    assert all(len(p) == 1 for p in partitions_by_key.values())
    assert {p for ps in partitions_by_key.values() for p in ps} == {0, 1}
    # Per partition, offsets are dense and in send order.
    for partition in (0, 1):
        mine = [m for m in received if m.partition() == partition]
        assert [m.offset() for m in mine] == list(range(len(mine)))
        indexes = [int(dict(m.headers())["index"]) for m in mine]
        assert indexes == sorted(indexes)


def test_null_key_and_value_and_large_message(broker, topic_name):
    create(broker, topic_name)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    producer.produce(topic_name, value=None, key=None)
    big = b"z" * 900_000
    producer.produce(topic_name, value=big)
    assert producer.flush(20) == 0
    received = consume_all(broker, topic_name, 1, 2)
    assert received[0].value() is None and received[0].key() is None
    assert received[1].value() == big


def test_message_too_large_is_refused(broker, topic_name):
    create(broker, topic_name, config={"max.message.bytes": "2000"})
    errors = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.max.bytes": 100_000})
    producer.produce(topic_name, value=b"y" * 50_000, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(20)
    assert errors and errors[0] is not None
    assert errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_watermarks_and_offsets_for_times(broker, topic_name):
    create(broker, topic_name)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    for i in range(10):
        producer.produce(topic_name, value=str(i).encode(), timestamp=1_000_000 + i * 1000)
        producer.flush(10)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused"})
    try:
        assert consumer.get_watermark_offsets(TopicPartition(topic_name, 0), timeout=10) == (0, 10)
        found = consumer.offsets_for_times([TopicPartition(topic_name, 0, 1_004_500)], timeout=10)
        assert found[0].offset == 5
        beyond = consumer.offsets_for_times([TopicPartition(topic_name, 0, 9_000_000)], timeout=10)
        assert beyond[0].offset == -1
    finally:
        consumer.close()


def test_long_poll_is_woken_by_produce(broker, topic_name):
    create(broker, topic_name)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "fetch.wait.max.ms": 5000,
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic_name, 0, 0)])
    try:
        assert consumer.poll(1.5) is None  # the consumer is now parked in a long-poll fetch
        producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
        started = time.monotonic()
        producer.produce(topic_name, value=b"wake up")
        producer.flush(10)
        message = None
        while message is None and time.monotonic() - started < 10:
            message = consumer.poll(0.1)
        latency = time.monotonic() - started
        assert message is not None and message.value() == b"wake up"
        assert latency < 2.5, f"the fetch was not woken by the append ({latency:.2f}s)"
    finally:
        consumer.close()


def test_offset_out_of_range_resets(broker, topic_name):
    create(broker, topic_name)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(3):
        producer.produce(topic_name, value=str(i).encode())
    producer.flush(10)
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic_name, 0, 1000)])
    try:
        values = []
        deadline = time.monotonic() + 15
        while len(values) < 3 and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(message.value())
        assert values == [b"0", b"1", b"2"]
    finally:
        consumer.close()


def test_unknown_topic_produce_without_auto_create_fails(broker, topic_name):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "allow.auto.create.topics": False,
                         "message.timeout.ms": 3000, "topic.metadata.propagation.max.ms": 1000})
    errors = []
    producer.produce(topic_name, value=b"nowhere", on_delivery=lambda err, msg: errors.append(err))
    producer.flush(10)
    assert errors and errors[0] is not None
