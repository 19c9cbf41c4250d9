"""Client-side helpers shared by the confluent-kafka interop tests: create a topic through the
AdminClient, and read a topic from its first offset."""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create_topic(broker, name, partitions=1, config=None, validate_only=False):
    client = AdminClient({"bootstrap.servers": broker.bootstrap})  # kept alive until the future completes
    futures = client.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})],
        operation_timeout=10, request_timeout=15, validate_only=validate_only)
    return futures[name].result(timeout=20)


def read_from_beginning(broker, topic, expected, partitions=(0,), timeout=30, until_quiet=False, **config):
    """The messages of `partitions` from their first offset, until `expected` arrived (or the
    timeout). With `until_quiet`, reading goes on past `expected` until a poll comes back empty,
    so that copies stored beyond the expected records are seen too."""
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "enable.auto.commit": False, **config})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    messages = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and (until_quiet or len(messages) < expected):
            message = consumer.poll(0.5)
            if message is None:
                if until_quiet and len(messages) >= expected:
                    break
                continue
            assert message.error() is None, message.error()
            messages.append(message)
    finally:
        consumer.close()
    return messages
