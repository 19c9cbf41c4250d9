"""kafka-python against strata: admin, idempotent producer (InitProducerId), every codec with
keys, headers and timestamps, keyed partitioning, offset lookups."""
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import InvalidConfigurationError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

CODECS = [None, "gzip", "snappy", "lz4", "zstd"]


@pytest.fixture
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=15000)
    yield client
    client.close()


def consume(broker, topic, partitions, expected):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=5000, auto_offset_reset="earliest")
    consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
    records = []
    for record in consumer:
        records.append(record)
        if len(records) == expected:
            break
    consumer.close()
    return records


def test_admin_create_and_delete(broker, admin, topic_name):
    result = admin.create_topics([NewTopic(topic_name, 4, 1, topic_configs={"cleanup.policy": "delete"})])
    assert result["topics"][0]["error_code"] == 0
    assert topic_name in admin.list_topics()
    described = admin.describe_topics([topic_name])[0]
    assert len(described["partitions"]) == 4
    with pytest.raises(TopicAlreadyExistsError):
        admin.create_topics([NewTopic(topic_name, 1, 1)], raise_errors=True)
    with pytest.raises(InvalidConfigurationError):
        admin.create_topics([NewTopic(topic_name + "-x", 1, 1, topic_configs={"segment.bytes": "-5"})], raise_errors=True)
    admin.delete_topics([topic_name])
    assert topic_name not in admin.list_topics()
    with pytest.raises(UnknownTopicOrPartitionError):
        admin.delete_topics([topic_name], raise_errors=True)


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip_every_codec(broker, admin, topic_name, codec):
    admin.create_topics([NewTopic(topic_name, 3, 1)])
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type=codec, acks="all", linger_ms=5)
    sent = {}
    for i in range(150):
        key = f"user-{i % 11}".encode()
        value = f"{codec}-{i}".encode() * (1 + i % 5)
        future = producer.send(topic_name, key=key, value=value, headers=[("i", str(i).encode())], timestamp_ms=1_650_000_000_000 + i)
        sent[i] = (key, value, future)
    producer.flush(timeout=20)
    metadata = {i: future.get(timeout=10) for i, (_, _, future) in sent.items()}
    producer.close()

    records = consume(broker, topic_name, 3, len(sent))
    assert len(records) == len(sent)
    partition_of_key = {}
    for record in records:
        i = int(dict(record.headers)["i"])
        key, value, _ = sent[i]
        assert (record.key, record.value) == (key, value)
        assert record.timestamp == 1_650_000_000_000 + i
        assert (record.partition, record.offset) == (metadata[i].partition, metadata[i].offset)
        partition_of_key.setdefault(key, set()).add(record.partition)
    assert all(len(p) == 1 for p in partition_of_key.values())


def test_offsets_lookups(broker, admin, topic_name):
    admin.create_topics([NewTopic(topic_name, 1, 1)])
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(20):
        producer.send(topic_name, value=b"v", timestamp_ms=5_000 + i * 10)
    producer.flush(timeout=20)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    tp = TopicPartition(topic_name, 0)
    assert consumer.beginning_offsets([tp]) == {tp: 0}
    assert consumer.end_offsets([tp]) == {tp: 20}
    found = consumer.offsets_for_times({tp: 5_095})[tp]
    assert (found.offset, found.timestamp) == (10, 5_100)
    consumer.close()
