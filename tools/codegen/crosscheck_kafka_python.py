#!/usr/bin/env python3
"""Cross-checks the generated Swift codecs against kafka-python's independent encoder.

Not part of the build or CI. Steps:

    # 1. dump every sample encoding (every message, every version, both variants)
    KAFKA_SAMPLE_DUMP=/tmp/samples.txt swift test --filter SampleDumpTests
    # 2. decode each with kafka-python, check all bytes are consumed, re-encode, compare
    /tmp/kvenv/bin/python tools/codegen/crosscheck_kafka_python.py /tmp/samples.txt

kafka-python 3.x ships its own copy of (a subset of) Kafka's schemas; messages or
versions it doesn't know are counted and skipped.
"""

import collections
import importlib
import pkgutil
import sys

import kafka.protocol as kp
from kafka.protocol.api_message import ApiMessage


def message_classes():
    for m in pkgutil.walk_packages(kp.__path__, "kafka.protocol."):
        if ".old" in m.name:
            continue
        try:
            importlib.import_module(m.name)
        except Exception:  # noqa: BLE001
            pass

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    classes = {}
    for c in subclasses(ApiMessage):
        try:
            if c._class_version is None and c._json:
                classes[c._json["name"]] = c
        except Exception:  # noqa: BLE001
            pass
    return classes


def main(path):
    classes = message_classes()
    stats = collections.Counter()
    failures = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 3:
            continue
        name, version, variant = parts[0], int(parts[1]), parts[2]
        data = bytes.fromhex(parts[3] if len(parts) > 3 else "")
        c = classes.get(name)
        if c is None:
            stats["message unknown to kafka-python"] += 1
            continue
        if version > c.max_version:
            stats["version unknown to kafka-python"] += 1
            continue
        try:
            flexible = c.flexible_version_q(version)
            decode = c._struct.compiled_decode_from(version, compact=flexible, tagged=flexible, data_class=c)
            obj, pos = decode(memoryview(data), 0)
            if pos != len(data):
                raise ValueError(f"{len(data) - pos} byte(s) left over")
            obj._header = None
            obj._min_version = None
            obj._max_version = None
            again = bytes(obj.encode(version=version))
            if again != data:
                raise ValueError("re-encoding differs")
            stats["ok"] += 1
        except Exception as e:  # noqa: BLE001
            stats["failed"] += 1
            failures.append(f"{name} v{version} variant {variant}: {e!r}"[:200])
    print(dict(stats))
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
