"""confluent-kafka's idempotent producer (enable.idempotence=True) against strata: every record
is stored exactly once and in order, also when the broker is SIGKILLed while batches are in
flight and the producer retries them against the restarted broker (which must recognise the
retries from its recovered producer state)."""
import signal
import threading
import time

from confluent_kafka import KafkaError, Producer

from kafka_support import create_topic, read_from_beginning


def idempotent_producer(broker, errors, **extra):
    def on_error(error):
        errors.append(error)
    return Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "acks": "all",
                     "linger.ms": 2, "batch.num.messages": 50, "max.in.flight.requests.per.connection": 5,
                     "message.timeout.ms": 60000, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500,
                     "error_cb": on_error, **extra})


def send_in_background(producer, topic, count, delivered):
    """Produces `count` records from a thread at a steady pace (about 2,000 a second), so that
    requests are in flight whenever the test disturbs the broker."""
    def send():
        for i in range(count):
            while True:
                try:
                    producer.produce(topic, value=f"record-{i}".encode(), on_delivery=lambda err, msg: delivered.append(err))
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            if i % 10 == 0:
                time.sleep(0.005)

    sender = threading.Thread(target=send)
    sender.start()
    return sender


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def consume(broker, topic, expected, timeout=30):
    # Read on past `expected`: a duplicate stored behind the expected records must be seen.
    return read_from_beginning(broker, topic, expected, timeout=timeout, until_quiet=True)


def assert_exactly_once_in_order(messages, count):
    values = [int(m.value().decode().split("-")[1]) for m in messages]
    assert len(values) == count, f"{len(values)} records stored for {count} sent; duplicates: {len(values) - len(set(values))}"
    assert values == list(range(count))
    assert [m.offset() for m in messages] == list(range(count))


def assert_sent_and_stored_once(broker, topic, sender, producer, errors, delivered, count):
    """The background sender finished, every record was acknowledged without a fatal error, and
    the partition holds each record exactly once, in order."""
    sender.join(60)
    assert not sender.is_alive()
    assert producer.flush(60) == 0
    assert not [e for e in errors if e.fatal()], errors
    assert delivered == [None] * count, {str(e) for e in delivered if e is not None}
    assert_exactly_once_in_order(consume(broker, topic, count), count)


def test_idempotent_producer_stores_each_record_once_in_order(broker, topic_name):
    create_topic(broker, topic_name)
    errors = []
    producer = idempotent_producer(broker, errors)
    delivered = []
    count = 3000
    for i in range(count):
        producer.produce(topic_name, value=f"record-{i}".encode(), on_delivery=lambda err, msg: delivered.append(err))
        if i % 500 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    assert delivered == [None] * count
    assert not [e for e in errors if e.fatal()], errors
    assert_exactly_once_in_order(consume(broker, topic_name, count), count)


def test_idempotent_producer_retries_across_a_broker_sigkill(fresh_broker, topic_name):
    broker = fresh_broker.start()
    create_topic(broker, topic_name)
    errors = []
    producer = idempotent_producer(broker, errors)
    delivered = []
    count = 6000
    sender = send_in_background(producer, topic_name, count, delivered)
    wait_for(lambda: len(delivered) >= count // 3)
    broker.restart(kill=True)  # SIGKILL with batches in flight, then start on the same port
    assert_sent_and_stored_once(broker, topic_name, sender, producer, errors, delivered, count)
    # And the state survives a clean restart too: the same producer goes on.
    broker.restart()
    for i in range(count, count + 100):
        producer.produce(topic_name, value=f"record-{i}".encode(), on_delivery=lambda err, msg: delivered.append(err))
    assert producer.flush(60) == 0
    assert not [e for e in errors if e.fatal()], errors
    assert_exactly_once_in_order(consume(broker, topic_name, count + 100), count + 100)


def test_requests_the_producer_gave_up_on_are_not_stored_twice(fresh_broker, topic_name):
    """The broker stalls (SIGSTOP) with produce requests in its socket buffer; the producer times
    them out, reconnects and sends the same batches again. When the broker resumes it appends the
    stalled requests first, so the resent batches are duplicates: answered with the original
    offsets, not stored again."""
    broker = fresh_broker.start()
    create_topic(broker, topic_name)
    errors = []
    producer = idempotent_producer(broker, errors, **{"socket.timeout.ms": 500, "linger.ms": 0, "batch.num.messages": 20})
    delivered = []
    count = 4000
    sender = send_in_background(producer, topic_name, count, delivered)
    wait_for(lambda: len(delivered) >= count // 4)
    broker.process.send_signal(signal.SIGSTOP)
    time.sleep(2.5)
    broker.process.send_signal(signal.SIGCONT)
    assert_sent_and_stored_once(broker, topic_name, sender, producer, errors, delivered, count)
