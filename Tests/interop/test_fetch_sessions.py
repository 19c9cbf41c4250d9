"""kafka-python's incremental fetch sessions (KIP-227, its FetchSessionHandler) against strata.

The broker runs at debug log level so the test can count, from the broker's side, the sessions it
created and the incremental fetches it served; kafka-python's own debug log shows the client side.
"""
import logging
import re
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from conftest import Broker

PARTITIONS = 4
INCREMENTAL = re.compile(r"incremental fetch in session (\d+) at epoch (\d+)")
CREATED = re.compile(r"created fetch session (\d+)")
ANSWERED = re.compile(r"fetch session (\d+) answered (\d+) of (\d+) partitions \((\d+) record bytes\)")
REFUSED = re.compile(r"refused an incremental fetch|changed while a fetch")


class DebugBroker(Broker):
    def command(self):
        return super().command() + ["--log-level", "debug"]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    base = tmp_path_factory.mktemp("sessions")
    instance = DebugBroker(base / "data", base / "strata.log").start()
    yield instance
    alive = instance.alive()
    code = instance.stop()
    assert alive, f"the broker died during the tests:\n{instance.log()[-4000:]}"
    assert code == 0, f"unclean exit {code}:\n{instance.log()[-4000:]}"


class ClientLog(logging.Handler):
    """Collects kafka-python's fetcher debug messages."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def client_log():
    logger = logging.getLogger("kafka.consumer.fetcher")
    handler = ClientLog()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def create_topic(broker, name):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=15000)
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])
    admin.close()


def session_consumer(broker, topic, **config):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                             enable_incremental_fetch_sessions=True, **config)
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    return consumer


def broker_lines(broker, since, pattern):
    return pattern.findall(broker.log()[since:])


def test_every_record_once_over_many_incremental_fetches(broker, topic_name, client_log):
    create_topic(broker, topic_name)
    log_start = len(broker.log())
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=2)
    consumer = session_consumer(broker, topic_name, fetch_max_wait_ms=200, max_poll_records=7)

    sent = {p: [] for p in range(PARTITIONS)}
    received = {p: [] for p in range(PARTITIONS)}
    for round_ in range(8):
        # Each round writes mostly to one partition and a little to the next; the other two stay
        # idle, so incremental responses must leave them out and still deliver the rest.
        for i in range(36):
            partition = round_ % PARTITIONS if i % 4 else (round_ + 1) % PARTITIONS
            value = f"r{round_}-{i}"
            producer.send(topic_name, value=value.encode(), partition=partition)
            sent[partition].append(value)
        producer.flush(timeout=20)
        expected = sum(len(v) for v in sent.values())
        deadline = time.monotonic() + 20
        while sum(len(v) for v in received.values()) < expected and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    assert record.offset == len(received[tp.partition]), f"{tp}: offset {record.offset} out of order"
                    received[tp.partition].append(record.value.decode())
    # A last quiet poll: nothing more may arrive (no record delivered twice).
    for tp, records in consumer.poll(timeout_ms=1000).items():
        for record in records:
            received[tp.partition].append(record.value.decode())
    consumer.close()
    producer.close()

    assert received == sent
    created = broker_lines(broker, log_start, CREATED)
    incremental = broker_lines(broker, log_start, INCREMENTAL)
    assert len(created) >= 1, "the broker created no fetch session"
    # Every round after the first is delivered by incremental fetches; some answers must carry
    # records while leaving idle partitions out.
    assert len(incremental) >= 7, f"only {len(incremental)} incremental fetches reached the broker"
    sessions = {session for session, _ in incremental}
    assert sessions <= set(created), "incremental fetches named a session the broker did not create"
    answers = [(int(sent_), int(total), int(size)) for _, sent_, total, size in broker_lines(broker, log_start, ANSWERED)]
    # (the last fetch may still be parked when the consumer closes)
    assert len(incremental) - 1 <= len(answers) <= len(incremental)
    assert any(0 < sent_ < total and size > 0 for sent_, total, size in answers), f"no answer left idle partitions out: {answers}"
    assert not broker_lines(broker, log_start, REFUSED), "the broker refused one of kafka-python's incremental fetches"
    client_incremental = [m for m in client_log.messages if "sent an incremental fetch response for session" in m]
    assert len(client_incremental) >= 7, "kafka-python did not see incremental fetch responses"


def test_idle_session_fetches_wait_instead_of_spinning(broker, topic_name):
    create_topic(broker, topic_name)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    for p in range(PARTITIONS):
        producer.send(topic_name, value=b"only", partition=p)
    producer.flush(timeout=20)
    producer.close()
    consumer = session_consumer(broker, topic_name, fetch_max_wait_ms=500)
    got = 0
    deadline = time.monotonic() + 20
    while got < PARTITIONS and time.monotonic() < deadline:
        got += sum(len(records) for records in consumer.poll(timeout_ms=500).values())
    assert got == PARTITIONS

    # Nothing more is written: each incremental fetch parks for fetch.max.wait.ms (500 ms) and is
    # answered with no partitions, so 3 s of polling makes a handful of fetches, not hundreds.
    log_start = len(broker.log())
    started = time.monotonic()
    while time.monotonic() - started < 3:
        assert not consumer.poll(timeout_ms=200)
    consumer.close()
    idle = broker_lines(broker, log_start, INCREMENTAL)
    assert 2 <= len(idle) <= 10, f"{len(idle)} incremental fetches in 3 s of idle polling"
