"""Durability across restarts: a clean SIGTERM stop and a SIGKILL crash; topics (name, id,
partitions, configs) and every acknowledged record come back."""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def topic_ids(broker):
    from kafka.admin import KafkaAdminClient
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        return {t["name"]: (t["topic_id"], len(t["partitions"])) for t in client.describe_topics()}
    finally:
        client.close()


def produce(broker, topic, count, start=0, **config):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5, **config})
    delivered = []
    for i in range(start, start + count):
        producer.produce(topic, key=str(i % 7).encode(), value=f"record-{i}".encode(),
                         on_delivery=lambda err, msg: delivered.append(err))
    assert producer.flush(20) == 0
    assert delivered == [None] * count
    return [f"record-{i}".encode() for i in range(start, start + count)]


def consume_values(broker, topic, partitions, expected, timeout=20):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    values = []
    deadline = time.monotonic() + timeout
    try:
        while len(values) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None:
                assert message.error() is None, message.error()
                values.append(message.value())
    finally:
        consumer.close()
    return values


def create(broker, name, partitions, config=None):
    client = AdminClient({"bootstrap.servers": broker.bootstrap})
    client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
                         operation_timeout=10)[name].result(timeout=20)


def test_clean_restart_keeps_topics_and_records(fresh_broker):
    broker = fresh_broker.start()
    create(broker, "orders", 3, {"retention.ms": "86400000"})
    sent = produce(broker, "orders", 500, **{"compression.codec": "zstd"})
    before = topic_ids(broker)
    assert broker.stop() == 0
    assert "logs closed cleanly" in broker.log()
    assert (broker.data_dir / ".kafka_cleanshutdown").exists()
    broker.start()
    assert topic_ids(broker)["orders"] == before["orders"]
    assert sorted(consume_values(broker, "orders", 3, len(sent))) == sorted(sent)
    assert "clean shutdown: true" in broker.log()


def test_consume_from_beginning_after_sigkill(fresh_broker):
    broker = fresh_broker.start()
    create(broker, "events", 2)
    sent = produce(broker, "events", 300)
    sent += produce(broker, "events", 300, start=300, **{"compression.codec": "lz4"})
    before = topic_ids(broker)
    broker.restart(kill=True)
    assert "clean shutdown: false" in broker.log()
    assert topic_ids(broker)["events"] == before["events"]
    assert sorted(consume_values(broker, "events", 2, len(sent))) == sorted(sent)
    # The log keeps working after recovery: offsets continue.
    more = produce(broker, "events", 10, start=600)
    assert sorted(consume_values(broker, "events", 2, len(sent) + 10)) == sorted(sent + more)


def test_deleted_topic_stays_deleted(fresh_broker):
    broker = fresh_broker.start()
    create(broker, "short-lived", 1)
    produce(broker, "short-lived", 5)
    client = AdminClient({"bootstrap.servers": broker.bootstrap})
    client.delete_topics(["short-lived"], operation_timeout=10)["short-lived"].result(timeout=20)
    broker.restart(kill=True)
    assert "short-lived" not in topic_ids(broker)
    assert not (broker.data_dir / "short-lived-0").exists()
    # The name can be used again, with a new id and an empty log.
    create(broker, "short-lived", 1)
    assert consume_values(broker, "short-lived", 1, 1, timeout=3) == []
