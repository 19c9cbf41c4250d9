"""Consumer groups against strata: two librdkafka consumers splitting a topic, commits that
survive a consumer restart and a broker SIGKILL, kafka-python's group consumer and group admin."""
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import serve_for_module

# A short initial rebalance delay keeps the tests quick (Kafka's default is 3 s).
GROUP_SETTINGS = {"group.initial.rebalance.delay.ms": "100", "offsets.topic.num.partitions": "5"}


@pytest.fixture(scope="module")
def groups_broker(tmp_path_factory):
    yield from serve_for_module(tmp_path_factory, "strata-groups", GROUP_SETTINGS)


def create(broker, name, partitions):
    client = AdminClient({"bootstrap.servers": broker.bootstrap})
    client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                         operation_timeout=10)[name].result(timeout=20)


def produce(broker, topic, values, partitions=None):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    for index, value in enumerate(values):
        kwargs = {} if partitions is None else {"partition": index % partitions}
        producer.produce(topic, value=value, **kwargs)
    assert producer.flush(20) == 0


def consumer(broker, group, **extra):
    settings = {"bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, "session.timeout.ms": 10000, "heartbeat.interval.ms": 500}
    settings.update(extra)
    return Consumer(settings)


def poll_until(consumers, count, timeout=30):
    """Polls every consumer in turn until `count` messages in total or the timeout."""
    received = [[] for _ in consumers]
    deadline = time.monotonic() + timeout
    while sum(map(len, received)) < count and time.monotonic() < deadline:
        for index, c in enumerate(consumers):
            message = c.poll(0.1)
            if message is None:
                continue
            assert message.error() is None, message.error()
            received[index].append(message)
    return received


def test_two_consumers_split_a_topic_and_read_every_record_once(groups_broker, topic_name):
    create(groups_broker, topic_name, 4)
    members = [consumer(groups_broker, "splitters"), consumer(groups_broker, "splitters")]
    try:
        for c in members:
            c.subscribe([topic_name])
        # Wait for one generation that gives each member some of the partitions.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for c in members:
                c.poll(0.1)
            assignments = [set(p.partition for p in c.assignment()) for c in members]
            if all(assignments) and sorted(assignments[0] | assignments[1]) == [0, 1, 2, 3] \
                    and not assignments[0] & assignments[1]:
                break
        else:
            pytest.fail(f"the group never settled: {[c.assignment() for c in members]}")

        values = [f"record-{i}".encode() for i in range(400)]
        produce(groups_broker, topic_name, values, partitions=4)
        received = poll_until(members, len(values))
        everything = [m.value() for batch in received for m in batch]
        assert sorted(everything) == sorted(values), "every record exactly once"
        assert all(received), "both members consumed"
        for index, batch in enumerate(received):
            assert {m.partition() for m in batch} <= assignments[index]
        for c in members:
            c.commit(asynchronous=False)
        committed = members[0].committed([TopicPartition(topic_name, p) for p in range(4)], timeout=10)
        assert sum(tp.offset for tp in committed) == len(values)
    finally:
        for c in members:
            c.close()


def test_commit_and_resume_after_a_consumer_restart(groups_broker, topic_name):
    create(groups_broker, topic_name, 1)
    values = [f"value-{i}".encode() for i in range(100)]
    produce(groups_broker, topic_name, values)
    first = consumer(groups_broker, "resumers")
    first.subscribe([topic_name])
    taken = []
    deadline = time.monotonic() + 30
    while len(taken) < 40 and time.monotonic() < deadline:
        message = first.poll(0.1)
        if message is not None and message.error() is None:
            taken.append(message)
    assert len(taken) == 40
    first.commit(message=taken[-1], asynchronous=False)
    first.close()

    second = consumer(groups_broker, "resumers")
    second.subscribe([topic_name])
    try:
        rest = poll_until([second], 60)[0]
        assert [m.value() for m in rest] == values[40:]
        assert rest[0].offset() == 40
    finally:
        second.close()


def test_committed_offsets_and_groups_survive_sigkill(fresh_broker, topic_name):
    fresh_broker.overrides.update(GROUP_SETTINGS)
    broker = fresh_broker.start()
    create(broker, topic_name, 2)
    values = [f"durable-{i}".encode() for i in range(60)]
    produce(broker, topic_name, values, partitions=2)
    reader = consumer(broker, "survivors")
    reader.subscribe([topic_name])
    received = poll_until([reader], 60)[0]
    assert len(received) == 60
    reader.commit(offsets=[TopicPartition(topic_name, 0, 20), TopicPartition(topic_name, 1, 25)], asynchronous=False)
    reader.close()

    broker.restart(kill=True)
    assert "clean shutdown: false" in broker.log()
    assert "loaded 1 group(s)" in broker.log()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    groups = admin.list_consumer_groups(request_timeout=10).result()
    assert "survivors" in {g.group_id for g in groups.valid}

    resumed = consumer(broker, "survivors")
    resumed.subscribe([topic_name])
    try:
        rest = poll_until([resumed], 15)[0]
        by_partition = {}
        for m in rest:
            by_partition.setdefault(m.partition(), []).append(m.offset())
        assert min(by_partition[0]) == 20 and min(by_partition[1]) == 25
        assert len(rest) == 15
        resumed.commit(asynchronous=False)
    finally:
        resumed.close()

    # A clean restart keeps the new commit too.
    broker.restart()
    check = consumer(broker, "survivors")
    try:
        committed = check.committed([TopicPartition(topic_name, 0), TopicPartition(topic_name, 1)], timeout=10)
        assert [tp.offset for tp in committed] == [30, 30]
    finally:
        check.close()


def test_kafka_python_group_consumer_and_group_admin(groups_broker, topic_name):
    from kafka import KafkaConsumer, TopicPartition as KTopicPartition
    from kafka.admin import KafkaAdminClient

    create(groups_broker, topic_name, 2)
    values = [f"kp-{i}".encode() for i in range(50)]
    produce(groups_broker, topic_name, values, partitions=2)
    reader = KafkaConsumer(topic_name, bootstrap_servers=groups_broker.bootstrap, group_id="kp-group",
                           auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=15000,
                           session_timeout_ms=10000, heartbeat_interval_ms=500)
    admin = KafkaAdminClient(bootstrap_servers=groups_broker.bootstrap)
    try:
        seen = []
        for message in reader:
            seen.append(message.value)
            if len(seen) == len(values):
                break
        assert sorted(seen) == sorted(values)
        reader.commit()

        listed = {g["group_id"]: g for g in admin.list_groups()}
        assert listed["kp-group"]["group_state"] == "Stable"
        assert listed["kp-group"]["protocol_type"] == "consumer"
        described = admin.describe_groups(["kp-group"])["kp-group"]
        assert described["group_state"] == "Stable"
        assert described["protocol_data"] == "range"
        assert described["members"][0]["client_host"] == "/127.0.0.1"
        assert described["members"][0]["member_assignment"]["assigned_partitions"] == [{"topic": topic_name, "partitions": [0, 1]}]
        offsets = admin.list_group_offsets({"kp-group": None})["kp-group"]
        assert {tp.partition: meta.offset for tp, meta in offsets.items()} == {0: 25, 1: 25}

        assert admin.delete_groups(["kp-group"]) == {"kp-group": "NonEmptyGroupError"}
        # OffsetDelete refuses topics the live group subscribes to.
        refused = admin.delete_group_offsets("kp-group", [KTopicPartition(topic_name, 0)])
        assert [error.__name__ for error in refused.values()] == ["GroupSubscribedToTopicError"]
    finally:
        reader.close()

    try:
        deleted = admin.delete_group_offsets("kp-group", [KTopicPartition(topic_name, 0)])
        assert [error.__name__ for error in deleted.values()] == ["NoError"]
        offsets = admin.list_group_offsets({"kp-group": None})["kp-group"]
        assert {tp.partition for tp in offsets} == {1}
        assert admin.delete_groups(["kp-group"]) == {"kp-group": "OK"}
        assert admin.delete_groups(["kp-group"]) == {"kp-group": "GroupIdNotFoundError"}
    finally:
        admin.close()


def test_confluent_group_admin(groups_broker, topic_name):
    from confluent_kafka import ConsumerGroupState

    create(groups_broker, topic_name, 1)
    produce(groups_broker, topic_name, [b"a", b"b", b"c"])
    member = consumer(groups_broker, "admin-group")
    member.subscribe([topic_name])
    admin = AdminClient({"bootstrap.servers": groups_broker.bootstrap})
    try:
        assert len(poll_until([member], 3)[0]) == 3
        member.commit(asynchronous=False)
        stable = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}, request_timeout=10).result()
        assert "admin-group" in {g.group_id for g in stable.valid}
        description = admin.describe_consumer_groups(["admin-group"], request_timeout=10)["admin-group"].result()
        assert description.state == ConsumerGroupState.STABLE
        assert description.partition_assignor == "range"
        assert [tp.partition for tp in description.members[0].assignment.topic_partitions] == [0]
        with pytest.raises(KafkaException) as busy:
            admin.delete_consumer_groups(["admin-group"], request_timeout=10)["admin-group"].result()
        assert busy.value.args[0].code() == KafkaError.NON_EMPTY_GROUP
    finally:
        member.close()
    admin.delete_consumer_groups(["admin-group"], request_timeout=10)["admin-group"].result()
    remaining = admin.list_consumer_groups(request_timeout=10).result()
    assert "admin-group" not in {g.group_id for g in remaining.valid}
