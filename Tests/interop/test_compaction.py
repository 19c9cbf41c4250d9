"""A compacted topic written by an idempotent and a plain producer and cleaned by the broker's
cleaner, then read from its start by confluent-kafka, kcat and kafka-python: each reads the same
records, the latest value of every key last, in offset order, past the empty batch the cleaner
keeps of the idempotent producer's last batch (as Kafka's cleaner does)."""
import struct
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from kafka import KafkaConsumer
from kafka import TopicPartition as KafkaPythonTopicPartition

from conftest import serve_for_module
from kafka_support import create_topic, read_from_beginning

KEYS = 10
ROUNDS = 30


@pytest.fixture(scope="module")
def cleaning_broker(tmp_path_factory):
    yield from serve_for_module(tmp_path_factory, "strata-compaction", {"log.cleaner.backoff.ms": "100"})


def batch_headers(path):
    """(base offset, producer id, record count) of each record batch in a segment file."""
    data = path.read_bytes()
    headers, position = [], 0
    while position + 61 <= len(data):
        base, length = struct.unpack(">qi", data[position:position + 12])
        producer_id, = struct.unpack(">q", data[position + 43:position + 51])
        count, = struct.unpack(">i", data[position + 57:position + 61])
        headers.append((base, producer_id, count))
        position += 12 + length
    return headers


def latest_values(pairs):
    latest = {}
    for key, value in pairs:
        latest[key] = value
    return latest


def test_a_cleaned_topic_with_an_idempotent_producers_empty_batch_reads_back_in_every_client(cleaning_broker, topic_name):
    broker = cleaning_broker
    create_topic(broker, topic_name, config={"cleanup.policy": "compact", "segment.bytes": "2048",
                                             "min.cleanable.dirty.ratio": "0.01"})
    idempotent = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "linger.ms": 50})
    for key in range(KEYS):
        idempotent.produce(topic_name, key=f"k{key}".encode(), value=b"first")
    assert idempotent.flush(20) == 0
    plain = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    for round_ in range(1, ROUNDS):
        for key in range(KEYS):
            plain.produce(topic_name, key=f"k{key}".encode(), value=f"v{round_}".encode())
        assert plain.flush(20) == 0

    first_segment = Path(broker.data_dir) / f"{topic_name}-0" / ("0" * 20 + ".log")
    deadline = time.monotonic() + 30
    while True:
        headers = batch_headers(first_segment)
        if any(producer >= 0 and count == 0 for _, producer, count in headers):
            break
        assert time.monotonic() < deadline, f"not cleaned: {headers[:5]}"
        time.sleep(0.2)
    producer_batches = [(base, count) for base, producer, count in headers if producer >= 0]
    assert [count for _, count in producer_batches] == [0], "the idempotent producer's last batch stays, empty"

    expected = {f"k{key}": f"v{ROUNDS - 1}" for key in range(KEYS)}
    messages = read_from_beginning(broker, topic_name, 1, until_quiet=True)
    confluent = [(m.offset(), m.key().decode(), m.value().decode()) for m in messages]
    assert confluent and all(a[0] < b[0] for a, b in zip(confluent, confluent[1:]))
    assert confluent[0][0] > 0, "offset 0 held only the idempotent producer's records"
    assert latest_values((key, value) for _, key, value in confluent) == expected
    assert len(confluent) < KEYS * ROUNDS, "the cleaner removed superseded records"

    result = subprocess.run(["kcat", "-b", broker.bootstrap, "-C", "-t", topic_name, "-p", "0", "-o", "beginning", "-e",
                             "-f", "%o %k %s\\n"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    kcat = [(int(offset), key, value) for offset, key, value in (line.split(" ") for line in result.stdout.splitlines())]
    assert kcat == confluent

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=5000, enable_auto_commit=False)
    partition = KafkaPythonTopicPartition(topic_name, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    kafka_python = [(record.offset, record.key.decode(), record.value.decode()) for record in consumer]
    consumer.close()
    assert kafka_python == confluent
