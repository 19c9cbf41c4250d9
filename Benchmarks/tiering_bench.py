"""The measurements of Benchmarks/tiering.sh (see there). Prints progress on stderr and a table of
figures with their references and ratios on stdout."""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"tiering_bench: timed out waiting for {what}")


class Moto:
    def __init__(self, binary, workdir):
        self.port = free_port()
        self.log = open(workdir / "moto.log", "w")
        self.process = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.ready, 30, "moto_server")
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1).read()
            return True
        except Exception:
            return False

    def create_bucket(self, name):
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/{name}", method="PUT"), timeout=10).read()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Broker:
    def __init__(self, strata, data, settings):
        self.strata, self.data, self.settings = strata, data, settings
        self.process = None

    def start(self):
        args = [self.strata, "serve", "--override", "listeners=PLAINTEXT://127.0.0.1:0", "--override", f"log.dirs={self.data}"]
        for name, value in self.settings.items():
            args += ["--override", f"{name}={value}"]
        self.logfile = self.data.parent / "broker.log"
        out = open(self.logfile, "a")
        offset = out.tell()
        self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=aws_env())
        port = []

        def listening():
            match = re.search(r"listening on PLAINTEXT://127\.0\.0\.1:(\d+)", self.logfile.read_text()[offset:])
            if match:
                port.append(match.group(1))
            return bool(match) or self.process.poll() is not None
        wait_until(listening, 60, "strata serve")
        if not port:
            raise SystemExit(f"strata serve exited: {self.logfile.read_text()[-2000:]}")
        self.bootstrap = f"127.0.0.1:{port[0]}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def aws_env():
    return {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


def upload_figures(strata, moto, size_mib, reps, workdir):
    """Median MiB/s of curl's single PUT, of `strata remote put` as one PUT (part size above the
    file) and as a multipart upload (the default 25 MiB parts, what the broker does for segments
    of that size or more). Runs alternate their order and delete their object afterwards, since
    moto keeps objects in memory and slows down as it fills."""
    path = workdir / "upload.bin"
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))
    reach = ["--s3-endpoint", moto.url, "--s3-path-style"]
    figures = {"curl": [], "single": [], "multipart": []}

    def run(kind, rep):
        key = f"{kind}-{rep}"
        if kind == "curl":
            out = subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-w", "%{time_total}", "-T", str(path),
                                  f"{moto.url}/bench/{key}"], capture_output=True, text=True, check=True)
            figures[kind].append(size_mib / float(out.stdout))
        else:
            part = ["--s3-part-size", str((size_mib + 1) << 20)] if kind == "single" else []
            out = subprocess.run([strata, "remote", "put", str(path), f"s3://bench/{key}", *reach, *part, "--json"],
                                 capture_output=True, text=True, env=aws_env())
            if out.returncode != 0:
                raise SystemExit(f"strata remote put failed: {out.stderr}")
            figures[kind].append(json.loads(out.stdout)["megabytesPerSecond"])
        subprocess.run([strata, "remote", "rm", f"s3://bench/{key}", *reach], check=True, env=aws_env())

    order = ["curl", "single", "multipart"]
    for rep in range(reps):
        for kind in (order if rep % 2 == 0 else list(reversed(order))):
            run(kind, rep)
        log(f"  upload rep {rep + 1}: curl {figures['curl'][-1]:.1f}, strata one PUT {figures['single'][-1]:.1f}, "
            f"strata multipart {figures['multipart'][-1]:.1f} MiB/s")
    path.unlink()
    return {kind: statistics.median(values) for kind, values in figures.items()}


def perf(strata, *args):
    out = subprocess.run([strata, "perf", *args, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"strata perf {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout)


def create_topic(bootstrap, name, config):
    from confluent_kafka.admin import AdminClient, NewTopic
    client = AdminClient({"bootstrap.servers": bootstrap})
    client.create_topics([NewTopic(name, 1, 1, config=config)])[name].result(timeout=30)


def consume_figures(strata, moto, megabytes, workdir):
    moto.create_bucket("tiered")
    records = megabytes * 1000
    settings = {
        "remote.log.storage.system.enable": "true", "remote.log.manager.task.interval.ms": "500",
        "rsm.config.storage.backend": "s3", "rsm.config.storage.s3.bucket.name": "tiered",
        "rsm.config.storage.s3.endpoint.url": moto.url, "rsm.config.storage.s3.path.style.access.enabled": "true",
        "rsm.config.fetch.chunk.cache.size": str(4 * megabytes * 1_000_000),
    }
    broker = Broker(strata, workdir / "data", settings)
    broker.start()
    create_topic(broker.bootstrap, "local", {"segment.bytes": str(16 << 20)})
    create_topic(broker.bootstrap, "tiered", {"segment.bytes": str(16 << 20), "remote.storage.enable": "true", "local.retention.bytes": "0"})
    for topic in ("local", "tiered"):
        log(f"  producing {records} x 1000 B to {topic}")
        perf(strata, "produce", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--num-records", str(records),
             "--record-size", "1000", "--acks", "1")
    # Everything but the active segment goes remote; the consume reads through both.
    tiered_dir = workdir / "data" / "tiered-0"
    wait_until(lambda: len(list(tiered_dir.glob("*.log"))) <= 1, 300, "the tiered topic's segments to be uploaded")
    consume = lambda topic: perf(strata, "consume", "--bootstrap-server", broker.bootstrap, "--topic", topic,
                                 "--num-records", str(records))["mbPerSecond"]
    local = consume("local")
    log(f"  local consume {local:.1f} MB/s")
    broker.stop()
    broker.start()  # empties the chunk cache
    cold = consume("tiered")
    log(f"  remote consume, cold cache {cold:.1f} MB/s")
    warm = consume("tiered")
    log(f"  remote consume, warm cache {warm:.1f} MB/s")
    local_again = consume("local")
    log(f"  local consume again {local_again:.1f} MB/s")
    broker.stop()
    return cold, warm, max(local, local_again)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--strata", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    size_mib, megabytes, reps = (64, 50, 1) if args.quick else (256, 200, 4)
    workdir = Path(tempfile.mkdtemp(prefix="strata-tiering-bench-"))
    try:
        log(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; upload file {size_mib} MiB x {reps}, topic {megabytes} MB")
        moto = Moto(args.moto, workdir)
        try:
            moto.create_bucket("bench")
            log("1/2 upload throughput")
            upload = upload_figures(args.strata, moto, size_mib, reps, workdir)
            log("2/2 sequential consume")
            cold, warm, local = consume_figures(args.strata, moto, megabytes, workdir)
        finally:
            moto.stop()
        rows = [
            ("upload, one PUT (strata remote put, MiB/s)", upload["single"], "curl -T PUT", upload["curl"]),
            ("upload, multipart 25 MiB parts (MiB/s)", upload["multipart"], "curl -T PUT", upload["curl"]),
            ("remote consume, cold cache (MB/s)", cold, "local consume", local),
            ("remote consume, warm cache (MB/s)", warm, "local consume", local),
        ]
        lines = ["| figure | value | reference | value | ratio |", "| --- | ---: | --- | ---: | ---: |"]
        for name, value, reference, ref in rows:
            lines.append(f"| {name} | {value:.1f} | {reference} | {ref:.1f} | {value / ref:.2f}x |")
        print("\n".join(lines))
        if args.markdown:
            Path(args.markdown).write_text("\n".join(lines) + "\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
