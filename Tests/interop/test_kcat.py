"""Debian's kcat (librdkafka) against strata: metadata, produce and consume in every codec, keys,
headers and timestamps."""
import subprocess

import pytest

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def kcat(broker, *args, input=None, timeout=30):
    result = subprocess.run(["kcat", "-b", broker.bootstrap, *args], input=input, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"kcat {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result


def test_metadata_lists_broker_and_auto_created_topic(broker, topic_name):
    kcat(broker, "-P", "-t", topic_name, input="one\n")
    listing = kcat(broker, "-L", "-t", topic_name).stdout
    assert f"broker 0 at 127.0.0.1:{broker.port} (controller)" in listing
    assert f'topic "{topic_name}" with 1 partitions' in listing
    assert "partition 0, leader 0, replicas: 0, isrs: 0" in listing


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip_every_codec(broker, topic_name, codec):
    lines = [f"{codec}-message-{i}" for i in range(200)]
    kcat(broker, "-P", "-t", topic_name, "-z", codec, "-X", "linger.ms=20", input="\n".join(lines) + "\n")
    out = kcat(broker, "-C", "-t", topic_name, "-o", "beginning", "-e", "-q").stdout.splitlines()
    assert out == lines


def test_keys_headers_and_timestamps(broker, topic_name):
    kcat(broker, "-P", "-t", topic_name, "-K", ":", "-H", "trace=abc", "-H", "empty=", input="k1:v1\nk2:v2\n")
    out = kcat(broker, "-C", "-t", topic_name, "-o", "beginning", "-e", "-q", "-f", "%k|%s|%h|%T|%o\\n").stdout.splitlines()
    assert [line.rsplit("|", 2)[0] for line in out] == ["k1|v1|trace=abc,empty=", "k2|v2|trace=abc,empty="]
    timestamps = [int(line.split("|")[3]) for line in out]
    assert all(t > 1_600_000_000_000 for t in timestamps)
    assert [line.split("|")[4] for line in out] == ["0", "1"]


def test_consume_from_offset_and_end(broker, topic_name):
    kcat(broker, "-P", "-t", topic_name, input="".join(f"m{i}\n" for i in range(10)))
    assert kcat(broker, "-C", "-t", topic_name, "-o", "7", "-e", "-q").stdout.splitlines() == ["m7", "m8", "m9"]
    assert kcat(broker, "-C", "-t", topic_name, "-o", "-2", "-e", "-q").stdout.splitlines() == ["m8", "m9"]
    assert kcat(broker, "-C", "-t", topic_name, "-o", "end", "-e", "-q").stdout == ""
