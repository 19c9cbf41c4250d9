"""Helpers shared by the tiered-storage interop tests: broker settings for a tiered broker, a
producer and a from-the-beginning reader, and waits on the broker's own files and metrics."""
import hashlib
import time
import urllib.parse
import urllib.request
from pathlib import Path

from confluent_kafka import Producer

from conftest import free_port
from kafka_support import create_topic, read_from_beginning

TIERED_TOPIC_CONFIG = {
    "remote.storage.enable": "true",
    "segment.bytes": "16384",
    "local.retention.bytes": "0",
}


def tiered_overrides(backend_settings):
    """Broker settings: tiering on with a fast manager loop, small chunks, a metrics endpoint."""
    return {
        "remote.log.storage.system.enable": "true",
        "remote.log.manager.task.interval.ms": "200",
        "rsm.config.chunk.size": "65536",
        "rsm.config.fetch.chunk.cache.size": "1048576",
        "strata.metrics.listener": f"127.0.0.1:{free_port()}",
        **backend_settings,
    }


def produce(broker, topic, count, start=0, partition=0, timestamp=None):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5,
                         "batch.size": 4096, "compression.codec": "lz4"})
    failures = []
    for i in range(start, start + count):
        kwargs = {"timestamp": timestamp} if timestamp is not None else {}
        producer.produce(topic, key=f"k{i % 13}".encode(), value=record_value(i), partition=partition,
                         on_delivery=lambda err, msg: err and failures.append(err), **kwargs)
        if i % 500 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    assert failures == []
    return [record_value(i) for i in range(start, start + count)]


def record_value(i):
    """About 80 bytes that do not compress away, so segments fill and roll."""
    return f"record-{i:06d}-{hashlib.sha256(str(i).encode()).hexdigest()}".encode()


def consume_from_beginning(broker, topic, expected, partition=0, timeout=40):
    """Every record from offset 0, as (offset, value), via confluent-kafka (librdkafka), in fetches
    small enough to cross several remote chunks."""
    messages = read_from_beginning(broker, topic, expected, partitions=(partition,), timeout=timeout,
                                   **{"group.id": "tiering-reader", "fetch.max.bytes": 1048576,
                                      "message.max.bytes": 1048576, "max.partition.fetch.bytes": 65536})
    return [(m.offset(), m.value()) for m in messages]


def local_segments(broker, topic, partition=0):
    return sorted(p.name for p in (Path(broker.data_dir) / f"{topic}-{partition}").glob("*.log"))


def local_bytes(broker, topic, partition=0):
    return sum(p.stat().st_size for p in (Path(broker.data_dir) / f"{topic}-{partition}").glob("*.log"))


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message())


def metrics(broker):
    address = broker.overrides["strata.metrics.listener"]
    text = urllib.request.urlopen(f"http://{address}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = int(value)
    return values


def wait_offloaded(broker, topic, max_local_segments=1, timeout=30):
    """Waits until the partition keeps at most `max_local_segments` local segments (the active one)."""
    wait_until(lambda: len(local_segments(broker, topic)) <= max_local_segments, timeout,
               lambda: f"local segments never went: {local_segments(broker, topic)}\n{broker.log()[-3000:]}")


class S3Server:
    """A real S3-protocol server for the test: moto_server (moto[server], installed in .venv by
    scripts/setup-python.sh) on a free loopback port, with the fault-injecting proxy
    (Tests/tiering/s3_fault_proxy.py) in front of it. The broker talks to the proxy."""

    def __init__(self, workdir: Path):
        import json
        import os
        import subprocess
        import sys
        from conftest import ROOT
        self._json = json
        moto = os.environ.get("STRATA_MOTO_SERVER") or str(ROOT / ".venv" / "bin" / "moto_server")
        if not os.access(moto, os.X_OK):
            raise RuntimeError(f"moto_server not found at {moto}: run scripts/setup-python.sh")
        self.moto_port = free_port()
        self._moto_log = open(workdir / "moto.log", "w")
        self.moto = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(self.moto_port)],
                                     stdout=self._moto_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_until(self._moto_ready, 30, lambda: f"moto_server did not start: {(workdir / 'moto.log').read_text()}")
        python = ROOT / ".venv" / "bin" / "python"
        self.proxy = subprocess.Popen(
            [str(python) if python.exists() else sys.executable, str(ROOT / "Tests" / "tiering" / "s3_fault_proxy.py"),
             "--port", "0", "--upstream", f"http://127.0.0.1:{self.moto_port}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        line = self.proxy.stdout.readline()
        assert line.startswith("listening on "), line
        self.port = int(line.split()[-1])
        self.bucket = "strata-tiering"
        request = urllib.request.Request(f"http://127.0.0.1:{self.moto_port}/{self.bucket}", method="PUT")
        urllib.request.urlopen(request, timeout=10).read()

    def _moto_ready(self):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.moto_port}/", timeout=1).read()
            return True
        except Exception:
            return False

    def broker_settings(self, **extra):
        settings = {
            "rsm.config.storage.backend": "s3",
            "rsm.config.storage.s3.bucket.name": self.bucket,
            "rsm.config.storage.s3.region": "us-east-1",
            "rsm.config.storage.s3.endpoint.url": f"http://127.0.0.1:{self.port}",
            "rsm.config.storage.s3.path.style.access.enabled": "true",
            "rsm.config.storage.aws.access.key.id": "testing",
            "rsm.config.storage.aws.secret.access.key": "testing-secret",
            "rsm.config.storage.s3.api.call.timeout": "2000",
            "rsm.config.storage.s3.retry.backoff.ms": "50",
            "rsm.config.storage.s3.retry.backoff.max.ms": "200",
            "rsm.config.storage.s3.max.retries": "2",
        }
        settings.update(extra)
        return settings

    def fault(self, mode, **options):
        body = self._json.dumps({"mode": mode, **options}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/__fault__", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        return self._json.loads(urllib.request.urlopen(request, timeout=5).read())

    def stats(self):
        return self._json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__fault__/stats", timeout=5).read())

    def keys(self, prefix=""):
        """Every object key in the bucket (ListObjectsV2 straight to moto, unsigned)."""
        import re
        keys, token = [], None
        while True:
            url = f"http://127.0.0.1:{self.moto_port}/{self.bucket}?list-type=2&prefix={prefix}"
            if token:
                url += "&continuation-token=" + urllib.parse.quote(token)
            text = urllib.request.urlopen(url, timeout=10).read().decode()
            keys += re.findall(r"<Key>([^<]+)</Key>", text)
            match = re.search(r"<NextContinuationToken>([^<]+)</NextContinuationToken>", text)
            if not match:
                return keys
            token = match.group(1)

    def close(self):
        for process in (self.proxy, self.moto):
            process.terminate()
            try:
                process.wait(timeout=10)
            except Exception:
                process.kill()
        self._moto_log.close()
