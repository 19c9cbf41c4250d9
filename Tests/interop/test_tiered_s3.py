"""Tiered storage against a real S3-protocol server (moto, started here) with faults injected by a
proxy in front of it: the store down during uploads, 500s, answers slower than the request
timeout, and the broker SIGKILLed mid-upload. Afterwards no record is lost or duplicated, uploads
resume by themselves, local disk returns under its bound, and the bucket holds only what the
manifests name."""
import json
import re
import time
from pathlib import Path

import pytest

from conftest import Broker
from tiering_support import (TIERED_TOPIC_CONFIG, S3Server, consume_from_beginning, create_topic, local_bytes,
                             local_segments, metrics, produce, tiered_overrides, wait_offloaded, wait_until)

SEGMENT_BYTES = int(TIERED_TOPIC_CONFIG["segment.bytes"])


@pytest.fixture
def s3(tmp_path):
    server = S3Server(tmp_path)
    yield server
    server.close()


@pytest.fixture
def tiered_s3_broker(tmp_path, s3):
    broker = Broker(tmp_path / "data", tmp_path / "strata.log", overrides=tiered_overrides(s3.broker_settings())).start()
    yield broker
    broker.kill()


def manifest(broker, topic, partition=0):
    return json.loads((Path(broker.data_dir) / f"{topic}-{partition}" / "remote-log-manifest.json").read_text())


def assert_reads_everything_once(broker, topic, sent):
    """A consumer from offset 0 gets every record sent, once, in order, at offsets 0..n-1."""
    records = consume_from_beginning(broker, topic, len(sent))
    assert [offset for offset, _ in records] == list(range(len(sent)))
    assert [value for _, value in records] == sent


def assert_bucket_matches_manifest(s3, broker, topic, timeout=20):
    """Every object in the bucket belongs to a finished segment of the manifest (or is the
    manifest object itself): nothing orphaned by an interrupted upload, nothing uploaded twice.
    A request the broker gave up on may still land late; the broker's sweep removes it, so this
    waits a little for the two to agree."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _bucket_matches_manifest(s3, broker, topic)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _bucket_matches_manifest(s3, broker, topic):
    segments = manifest(broker, topic)["segments"]
    assert all(segment["state"] == "COPY_SEGMENT_FINISHED" for segment in segments), segments
    bases = [segment["baseOffset"] for segment in segments]
    assert len(bases) == len(set(bases)), f"a segment is in the manifest twice: {bases}"
    ids = {segment["segmentId"] for segment in segments}
    keys = [key for key in s3.keys() if key.startswith(f"{topic}-")]
    for key in keys:
        name = key.rsplit("/", 1)[-1]
        if name == "manifest.json":
            continue
        match = re.match(r"\d{20}-([0-9a-f-]{36})\.", name)
        assert match and match.group(1) in ids, f"orphaned object {key}"
    assert len([k for k in keys if k.endswith(".log")]) == len(segments)


def test_uploads_go_to_s3_and_read_back(tiered_s3_broker, s3, topic_name):
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    sent = produce(broker, topic_name, 2000)
    wait_offloaded(broker, topic_name)
    records = consume_from_beginning(broker, topic_name, len(sent))
    assert [value for _, value in records] == sent
    assert [offset for offset, _ in records] == list(range(len(sent)))
    assert_bucket_matches_manifest(s3, broker, topic_name)
    printed = "\n".join(line for line in broker.log().splitlines() if not line.startswith("--- start"))
    assert "testing-secret" not in printed


def test_store_down_during_uploads_then_back(tiered_s3_broker, s3, topic_name):
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    s3.fault("down")
    sent = produce(broker, topic_name, 2000)
    wait_until(lambda: metrics(broker)["strata_remote_copy_errors_total"] >= 2, 30,
               lambda: f"no failed upload reported\n{broker.log()[-2000:]}")
    # Nothing uploaded, so nothing local may go; consumers still read everything locally.
    assert local_segments(broker, topic_name)[0] == "00000000000000000000.log"
    assert metrics(broker)["strata_remote_copy_lag_segments"] >= 3
    assert [value for _, value in consume_from_beginning(broker, topic_name, len(sent))] == sent

    s3.fault("none")
    wait_offloaded(broker, topic_name, timeout=40)
    assert local_bytes(broker, topic_name) <= SEGMENT_BYTES + 4096
    assert metrics(broker)["strata_remote_copy_lag_segments"] == 0
    assert_reads_everything_once(broker, topic_name, sent)
    assert_bucket_matches_manifest(s3, broker, topic_name)


def test_server_errors_and_slow_answers_are_retried(tiered_s3_broker, s3, topic_name):
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    s3.fault("error", status=500, count=7, then={"mode": "slow", "delay_ms": 3000, "count": 3, "method": "PUT"})
    sent = produce(broker, topic_name, 2000)
    wait_offloaded(broker, topic_name, timeout=60)
    stats = s3.stats()
    assert stats["faulted"] >= 7 and stats["mode"] == "none", stats  # every injected fault was met
    # Three PUTs slower than the 2 s request timeout exhaust one upload's retries: a failed pass,
    # then a later pass uploads the segment.
    assert metrics(broker)["strata_remote_copy_errors_total"] >= 1
    assert_reads_everything_once(broker, topic_name, sent)
    assert_bucket_matches_manifest(s3, broker, topic_name)


def test_sigkill_mid_upload_loses_and_duplicates_nothing(tiered_s3_broker, s3, topic_name):
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    sent = produce(broker, topic_name, 500)
    wait_offloaded(broker, topic_name)
    # Every PUT now takes 400 ms: the next uploads are in flight when the broker dies.
    s3.fault("slow", delay_ms=400, method="PUT")
    sent += produce(broker, topic_name, 1500, start=500)
    wait_until(lambda: any(s["state"] == "COPY_SEGMENT_STARTED" for s in manifest(broker, topic_name)["segments"]), 30,
               lambda: f"no upload started\n{manifest(broker, topic_name)}")
    broker.kill()
    started = [s for s in manifest(broker, topic_name)["segments"] if s["state"] == "COPY_SEGMENT_STARTED"]
    assert started, "the kill landed after the upload finished"
    s3.fault("none")
    broker.start()
    sent += produce(broker, topic_name, 300, start=2000)
    wait_offloaded(broker, topic_name, timeout=40)
    wait_until(lambda: all(s["state"] == "COPY_SEGMENT_FINISHED" for s in manifest(broker, topic_name)["segments"]), 20,
               lambda: f"interrupted upload not cleaned up: {manifest(broker, topic_name)}")
    assert not any(s["segmentId"] == started[0]["segmentId"] for s in manifest(broker, topic_name)["segments"])
    assert_reads_everything_once(broker, topic_name, sent)
    assert_bucket_matches_manifest(s3, broker, topic_name)


def test_remote_reads_fail_cleanly_while_the_store_is_down(tiered_s3_broker, s3, topic_name):
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    sent = produce(broker, topic_name, 2000)
    wait_offloaded(broker, topic_name)
    s3.fault("down", count=6)
    # librdkafka retries the fetch after KAFKA_STORAGE_ERROR; once the fault is used up every record arrives.
    records = consume_from_beginning(broker, topic_name, len(sent), timeout=60)
    assert [value for _, value in records] == sent
    assert s3.stats()["faulted"] >= 1
    assert broker.alive()


def test_tools_read_remote_segments_and_report_remote_bytes(tiered_s3_broker, s3, topic_name):
    import os
    import subprocess
    from conftest import strata_binary
    broker = tiered_s3_broker
    create_topic(broker, topic_name, config=TIERED_TOPIC_CONFIG)
    produce(broker, topic_name, 2000)
    wait_offloaded(broker, topic_name)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret"}
    reach = ["--s3-endpoint", f"http://127.0.0.1:{s3.moto_port}", "--s3-path-style"]

    listed = subprocess.run([strata_binary(), "remote", "ls", f"s3://{s3.bucket}/{topic_name}-", *reach],
                            capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0, listed.stderr
    logs = [line.split("\t")[1] for line in listed.stdout.splitlines() if line.endswith(".log")]
    first = manifest(broker, topic_name)["segments"][0]
    assert len(logs) == len(manifest(broker, topic_name)["segments"])

    dumped = subprocess.run([strata_binary(), "dump", "--verify", logs[0], *reach], capture_output=True, text=True, env=env, timeout=60)
    assert dumped.returncode == 0, dumped.stderr
    assert f"baseOffset: {first['baseOffset']} " in dumped.stdout and "Verification passed" in dumped.stdout, dumped.stdout[-2000:]
    index = logs[0][:-len(".log")] + ".index"
    dumped = subprocess.run([strata_binary(), "dump", "--verify", index, *reach], capture_output=True, text=True, env=env, timeout=60)
    assert dumped.returncode == 0, dumped.stdout[-2000:] + dumped.stderr
    missing = subprocess.run([strata_binary(), "dump", logs[0] + "-missing.log", *reach], capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 1 and "does not exist" in missing.stderr, missing.stderr

    analyzed = subprocess.run([strata_binary(), "tune", "analyze", str(broker.data_dir), "--topic", topic_name, "--json"],
                              capture_output=True, text=True, timeout=60)
    assert analyzed.returncode == 0, analyzed.stderr
    partition = json.loads(analyzed.stdout)["partitions"][0]
    assert partition["remote"]["segments"] == len(logs)
    assert partition["remote"]["size"] == sum(s["sizeInBytes"] for s in manifest(broker, topic_name)["segments"])
    assert partition["size"] < partition["remote"]["size"]


def test_a_topic_deleted_while_the_store_is_down_loses_its_objects_once_it_is_back(tiered_s3_broker, s3, topic_name):
    """Deleting a tiered topic while the store is down succeeds at once; the store folders of its
    partitions stay listed as to be emptied, across a SIGKILL and restart, and are emptied once
    the store answers again. Another tiered topic's objects are left alone."""
    from confluent_kafka.admin import AdminClient
    broker = tiered_s3_broker
    keep = f"kept-{topic_name}"  # no prefix shared with the deleted topic's folders
    for name in (topic_name, keep):
        create_topic(broker, name, config=TIERED_TOPIC_CONFIG)
        produce(broker, name, 2000)
        wait_offloaded(broker, name)
    kept_keys = s3.keys(f"{keep}-")
    assert kept_keys and s3.keys(f"{topic_name}-")

    s3.fault("down")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.delete_topics([topic_name], operation_timeout=10)[topic_name].result(timeout=30)
    assert not (Path(broker.data_dir) / f"{topic_name}-0").exists()
    pending = Path(broker.data_dir) / "remote-log-deletions-pending"
    wait_until(lambda: metrics(broker).get("strata_remote_delete_pending_partitions") == 1, 30,
               lambda: f"no pending deletion reported\n{broker.log()[-2000:]}")
    assert pending.read_text().startswith(f"{topic_name}-"), pending.read_text()
    assert s3.keys(f"{topic_name}-"), "nothing could be deleted while the store was down"

    broker.restart(kill=True)
    s3.fault("none")
    wait_until(lambda: not s3.keys(f"{topic_name}-"), 40,
               lambda: f"objects left: {s3.keys(f'{topic_name}-')[:5]}\n{broker.log()[-2000:]}")
    wait_until(lambda: not pending.exists(), 10, lambda: pending.read_text())
    assert set(kept_keys) <= set(s3.keys(f"{keep}-")), "the other topic's objects are all still there"
    assert metrics(broker)["strata_remote_delete_pending_partitions"] == 0
