#!/usr/bin/env python3
"""Client load for Benchmarks/broker.sh: the same confluent-kafka (librdkafka) load against a
Strata broker and against librdkafka's in-process mock cluster (test.mock.num.brokers=1).

Subcommands (each prints `RESULT key value` lines on stdout, progress on stderr):
  memory     --bootstrap HOST:PORT --pid PID [--partitions 1000] [--idle 5]
             create a topic with PARTITIONS partitions, wait IDLE seconds, read VmRSS of PID
  throughput --bootstrap HOST:PORT --pid PID [--records N] [--size 100] [--latency-seconds S]
             [--reps R] [--keep-topics]
             R times, alternately on the broker at HOST:PORT (prefix `strata.`) and on the mock
             cluster (prefix `mock.`): produce N records (acks=1, linger.ms=5) to a new topic,
             then consume them from offset 0; before each broker run after the first, the
             previous repetition's topic is deleted (not with --keep-topics). Medians per side
             and the median of the paired strata/mock ratios; broker CPU seconds (utime+stime of
             PID) around the produce runs. Then a paced produce at 10,000 records/s for S
             seconds on both, per-record delivery latency (produce() to delivery callback).
"""
import argparse
import os
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def result(key, value):
    print(f"RESULT {key} {value}", flush=True)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command name: state is fields[0]; utime is field 14, stime 15 (1-based overall)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def vm_rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def create_topic(bootstrap, topic, partitions, mock=False):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if mock:
        # The mock cluster names no controller, so CreateTopics cannot be sent; it auto-creates a
        # topic on its first metadata request, with 4 partitions (librdkafka's mock default).
        md = admin.list_topics(topic, timeout=10).topics[topic]
        if len(md.partitions) != partitions:
            raise RuntimeError(f"mock auto-created {topic} with {len(md.partitions)} partitions, "
                               f"not {partitions}: use --partitions {len(md.partitions)}")
        return
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                                  request_timeout=30)
    for _, fut in futures.items():
        fut.result(timeout=40)
    # wait until metadata shows every partition with a leader
    deadline = time.time() + 60
    while time.time() < deadline:
        md = admin.list_topics(topic, timeout=10).topics.get(topic)
        if md is not None and md.error is None and len(md.partitions) == partitions and \
                all(p.leader >= 0 for p in md.partitions.values()):
            return
        time.sleep(0.2)
    raise RuntimeError(f"topic {topic} did not get {partitions} partitions with leaders")


# The client configuration, identical for both targets.
PRODUCER_CONFIG = {
    "acks": 1,
    "linger.ms": 5,
    "compression.type": "none",
    "queue.buffering.max.messages": 1_000_000,
    "queue.buffering.max.kbytes": 1_048_576,
    "enable.idempotence": False,
}
CONSUMER_CONFIG = {
    "group.id": "strata-broker-bench",
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "enable.partition.eof": False,
    # librdkafka postpones a partition's next fetch by fetch.queue.backoff.ms (1 s by default) once
    # its local queue holds queued.min.messages; the Python loop drains the queue more slowly than
    # the broker fills it, so with the default most runs measured one 1 s pause
    "fetch.queue.backoff.ms": 10,
}


def delete_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_topics([topic], request_timeout=30)[topic].result()


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def produce_run(bootstrap, topic, records, size, extra=None):
    conf = dict(PRODUCER_CONFIG, **{"bootstrap.servers": bootstrap})
    if extra:
        conf.update(extra)
    p = Producer(conf)
    payload = os.urandom(size)
    errors = [0]

    def on_delivery(err, msg):
        if err is not None:
            errors[0] += 1

    # connect first (metadata), so connection set-up is not timed
    p.list_topics(topic, timeout=10)
    produce = p.produce
    poll = p.poll
    start = time.perf_counter()
    for i in range(records):
        while True:
            try:
                produce(topic, payload, on_delivery=on_delivery) if i % 10000 == 0 else produce(topic, payload)
                break
            except BufferError:
                poll(0.001)
        if i & 1023 == 0:
            poll(0)
    remaining = p.flush(120)
    elapsed = time.perf_counter() - start
    if remaining or errors[0]:
        raise RuntimeError(f"produce: {remaining} undelivered, {errors[0]} delivery errors")
    return p, elapsed


def consume_run(bootstrap, topic, records):
    """Reads up to `records` records from the start of every partition; returns (count, seconds)."""
    from confluent_kafka import OFFSET_BEGINNING
    conf = dict(CONSUMER_CONFIG, **{"bootstrap.servers": bootstrap})
    c = Consumer(conf)
    md = c.list_topics(topic, timeout=10).topics[topic]
    available = 0
    for p in md.partitions:
        low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        available += high - low
    records = min(records, available)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in md.partitions])
    got = 0
    nbytes = 0
    start = None
    deadline = time.time() + 300
    while got < records and time.time() < deadline:
        # a short timeout: consume() waits for num_messages or the timeout, so a long timeout
        # would add its whole length to the last, partial batch
        batch = c.consume(num_messages=10000, timeout=0.01)
        if start is None and batch:
            # timed from the first fetched batch, so connection and assignment are not timed
            start = time.perf_counter()
            first = len(batch)
        for m in batch:
            if m.error() is None:
                got += 1
                nbytes += len(m.value())
            elif m.error().code() != KafkaError._PARTITION_EOF:
                raise RuntimeError(f"consume: {m.error()}")
    elapsed = time.perf_counter() - start
    c.close()
    if got < records:
        raise RuntimeError(f"consume: {got} of {records} records")
    # rate over the records after the first batch
    return got - first, elapsed, records


def latency_run(bootstrap, topic, rate, seconds, size):
    conf = dict(PRODUCER_CONFIG, **{"bootstrap.servers": bootstrap, "linger.ms": 0})
    p = Producer(conf)
    p.list_topics(topic, timeout=10)
    payload = os.urandom(size)
    lat = []
    errors = [0]
    now = time.perf_counter

    def cb_for(t0, index):
        def cb(err, msg):
            if err is not None:
                errors[0] += 1
            elif index >= warm:
                lat.append(now() - t0)
        return cb

    # warm-up: the first second at the same rate is not recorded (its first records wait for
    # the connections to the partition leaders)
    total = int(rate * (seconds + 1))
    warm = rate
    start = now()
    sent = 0
    while sent < total:
        due = int((now() - start) * rate) + 1
        while sent < min(due, total):
            t0 = now()
            p.produce(topic, payload, on_delivery=cb_for(t0, sent))
            sent += 1
        p.poll(0)
        nxt = start + sent / rate
        d = nxt - now()
        if d > 0:
            p.poll(min(d, 0.0005))
    p.flush(30)
    elapsed = now() - start
    if errors[0]:
        raise RuntimeError(f"latency: {errors[0]} delivery errors")
    lat.sort()

    def q(x):
        return lat[min(len(lat) - 1, int(x * len(lat)))] * 1e6

    return len(lat), total / elapsed, q(0.50), q(0.99), q(0.999), lat[-1] * 1e6


def cmd_memory(a):
    create_topic(a.bootstrap, "idle", a.partitions)
    log(f"  topic 'idle' with {a.partitions} partitions created; idle {a.idle} s")
    before = vm_rss_bytes(a.pid)
    time.sleep(a.idle)
    result("strata.rss_idle_bytes", vm_rss_bytes(a.pid))
    result("strata.rss_after_create_bytes", before)


def cmd_throughput(a):
    mock = Producer({"bootstrap.servers": "unused:1", "test.mock.num.brokers": 1})
    mock_bootstrap = ",".join(f"{b.host}:{b.port}" for b in mock.list_topics(timeout=10).brokers.values())
    # The mock first: it keeps only the tail of each partition's log, so it fixes how many records
    # the consume runs read (the same number on both, strata's from offset 0).
    targets = [("mock", mock_bootstrap), ("strata", a.bootstrap)]
    log(f"  mock cluster at {mock_bootstrap} (in this process)")
    consume_records = a.records
    rates = {(n, k): [] for n, _ in targets for k in ("produce", "consume")}
    cpu_produce = cpu_consume = 0.0
    for rep in range(a.reps):
        # alternate the order, so neither target always runs on the warmer machine
        for name, bootstrap in (targets if rep % 2 == 0 else targets[::-1]):
            topic = f"bench{rep}"
            if name == "strata" and rep > 0 and not a.keep_topics:
                # The mock keeps only each partition's tail and frees older messages as it goes,
                # so its memory is reused. The broker is given the same footing: the previous
                # repetition's topic goes before this one is written (untimed), as retention
                # frees old segments on a broker in steady state. Without this the broker would
                # write every run into page-cache memory never touched before, which on a VM that
                # hands free memory back to its host costs a host fault per page (--keep-topics).
                delete_topic(bootstrap, f"bench{rep - 1}")
            create_topic(bootstrap, topic, a.partitions, mock=(name == "mock"))
            cpu0 = cpu_seconds(a.pid)
            p, elapsed = produce_run(bootstrap, topic, a.records, a.size)
            if name == "strata":
                cpu_produce += cpu_seconds(a.pid) - cpu0
            del p
            rates[(name, "produce")].append(a.records / elapsed)
            log(f"  {name} #{rep + 1}: produce {a.records} x {a.size} B in {elapsed:.2f} s = "
                f"{a.records / elapsed:,.0f} rec/s, {a.records * a.size / elapsed / 1e6:.1f} MB/s")
        for name, bootstrap in targets:  # the mock first: it fixes the count
            topic = f"bench{rep}"
            cpu0 = cpu_seconds(a.pid)
            n, elapsed, read = consume_run(bootstrap, topic, consume_records if name == "strata" else a.records)
            if name == "mock":
                consume_records = read
            else:
                cpu_consume += cpu_seconds(a.pid) - cpu0
            rates[(name, "consume")].append(n / elapsed)
            log(f"  {name} #{rep + 1}: consume {read} records (rate over the {n} after the first batch) in "
                f"{elapsed:.2f} s = {n / elapsed:,.0f} rec/s, {n * a.size / elapsed / 1e6:.1f} MB/s")
    for kind in ("produce", "consume"):
        # Each strata run is paired with the mock run made next to it; the median of the pairs'
        # ratios cancels the drift of a shared machine better than a ratio of two medians.
        pairs = [s / m for s, m in zip(rates[("strata", kind)], rates[("mock", kind)])]
        result(f"{kind}_paired_ratio", f"{median(pairs):.4f}")
        result(f"{kind}_pair_ratios", ",".join(f"{r:.2f}" for r in pairs))
    result("produce_first_run_ratio", f"{rates[('strata', 'produce')][0] / rates[('mock', 'produce')][0]:.4f}")
    for (name, kind), values in rates.items():
        result(f"{name}.{kind}_records_per_s", f"{median(values):.0f}")
        result(f"{name}.{kind}_runs", ",".join(f"{v:.0f}" for v in sorted(values)))
    gb = a.reps * a.records * a.size / 1e9
    result("strata.cpu_s_per_gb", f"{cpu_produce / gb:.3f}")
    result("strata.produce_cpu_s", f"{cpu_produce:.3f}")
    result("strata.consume_cpu_s", f"{cpu_consume:.3f}")
    result("consume_records", consume_records)
    for name, bootstrap in targets:
        topic = "latency"
        create_topic(bootstrap, topic, a.partitions, mock=(name == "mock"))
        n, rate, p50, p99, p999, mx = latency_run(bootstrap, topic, a.rate, a.latency_seconds, a.size)
        result(f"{name}.latency_rate", f"{rate:.0f}")
        result(f"{name}.latency_p50_us", f"{p50:.0f}")
        result(f"{name}.latency_p99_us", f"{p99:.0f}")
        result(f"{name}.latency_p999_us", f"{p999:.0f}")
        result(f"{name}.latency_max_us", f"{mx:.0f}")
        log(f"  {name}: {n} records at {rate:,.0f} rec/s: p50 {p50:.0f} us, p99 {p99:.0f} us, "
            f"p99.9 {p999:.0f} us, max {mx:.0f} us")
    del mock


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("memory")
    m.add_argument("--bootstrap", required=True)
    m.add_argument("--pid", type=int, required=True)
    m.add_argument("--partitions", type=int, default=1000)
    m.add_argument("--idle", type=float, default=5)
    t = sub.add_parser("throughput")
    t.add_argument("--bootstrap", required=True)
    t.add_argument("--pid", type=int, required=True)
    t.add_argument("--records", type=int, default=2_000_000)
    t.add_argument("--size", type=int, default=100)
    t.add_argument("--partitions", type=int, default=4)
    t.add_argument("--rate", type=int, default=10_000)
    t.add_argument("--reps", type=int, default=3)
    t.add_argument("--latency-seconds", type=float, default=10)
    t.add_argument("--keep-topics", action="store_true",
                   help="keep every repetition's topic on the broker (each run then writes into fresh memory)")
    a = ap.parse_args()
    {"memory": cmd_memory, "throughput": cmd_throughput}[a.cmd](a)


if __name__ == "__main__":
    main()
