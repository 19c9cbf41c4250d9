#!/usr/bin/env python3
"""Builds kafka-orders-0/, a partition directory laid out as an Apache Kafka broker leaves it,
for Tests/EngineTests/KafkaCompatibilityTests.swift.

Why this way: no Kafka broker runs here, so the batches come from an independent implementation
of the RecordBatch v2 format, kafka-python's DefaultRecordBatchBuilder (what its producer sends),
numbered the way a Kafka broker numbers them on append (base offset and partition leader epoch
are written into the header outside the CRC). The .index and .timeindex files are written here
from Kafka's published layouts and its index rule (one offset-index entry, naming the batch's last
offset and its start position, whenever more than index.interval.bytes = 4096 bytes were written
since the previous entry; a time-index entry with the largest timestamp so far beside each, and a
final one when the segment rolls). expected.json lists every batch and record field by field.

Run: python3 make_kafka_fixtures.py  (needs kafka-python, python-snappy, lz4, zstandard)
"""
import json
import os
import shutil
import struct

from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "kafka-orders-0")
INDEX_INTERVAL = 4096
BASE_TS = 1_700_000_000_000
CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def make_batch(base_offset, leader_epoch, codec, records, producer=(-1, -1, -1), transactional=False, control=False):
    pid, epoch, seq = producer
    builder = DefaultRecordBatchBuilder(2, codec, transactional, pid, epoch, seq, 1 << 20)
    for delta, ts, key, value, headers in records:
        builder.append(delta, ts, key, value, headers)
    data = bytearray(builder.build())
    if control:
        attributes = struct.unpack_from(">h", data, 21)[0] | 0x20
        struct.pack_into(">h", data, 21, attributes)
        struct.pack_into(">I", data, 17, calc_crc32c(bytes(data[21:])))
    # What the broker does on append: assign the base offset, stamp the leader epoch.
    struct.pack_into(">q", data, 0, base_offset)
    struct.pack_into(">i", data, 12, leader_epoch)
    return bytes(data)


def text(b):
    return None if b is None else b.decode("utf-8")


def build():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    batches = []  # (bytes, description)
    offset = 0
    n = 0
    segment_bases = [0]
    next_sequence = {}
    for i in range(70):
        codec = i % 5
        count = 1 + (i * 3) % 7
        records = []
        for r in range(count):
            key = None if n % 11 == 5 else ("order-%d" % (n % 40)).encode()
            value = None if n % 13 == 7 else (("value-%d-" % n) + "x" * ((n * 37) % 300)).encode()
            headers = [("trace", ("t%d" % n).encode()), ("null-header", None)] if n % 4 == 0 else []
            ts = BASE_TS + n * 10 - (5 if r == 1 else 0)
            records.append((r, ts, key, value, headers))
            n += 1
        if i % 4 == 1:
            # An idempotent producer's sequences continue batch after batch (a broker rejects a
            # gap); its first batch may start anywhere, as for a producer the log does not know.
            pid = 1000 + i % 3
            producer = (pid, 2, next_sequence.get(pid, i * 10))
            next_sequence[pid] = producer[2] + count
        else:
            producer = (-1, -1, -1)
        epoch = 0 if i < 30 else 3
        if i == 45:
            segment_bases.append(offset)
        data = make_batch(offset, epoch, codec, records, producer)
        # kafka-python sends a batch uncompressed when compression would not make it smaller.
        stored_codec = struct.unpack_from(">h", data, 21)[0] & 7
        batches.append((data, {
            "baseOffset": offset, "lastOffset": offset + count - 1, "codec": CODECS[stored_codec], "leaderEpoch": epoch,
            "producerId": producer[0], "producerEpoch": producer[1], "baseSequence": producer[2],
            "isTransactional": False, "isControl": False,
            "records": [{"offset": offset + r[0], "timestamp": r[1], "key": text(r[2]), "value": text(r[3]),
                         "headers": [[h[0], text(h[1])] for h in r[4]]} for r in records],
        }))
        offset += count
    # A transaction: two records and its COMMIT marker (version 0 key/value, coordinator epoch 9).
    txn = (4242, 0, 0)
    data = make_batch(offset, 3, 0, [(0, BASE_TS + 9000, b"tx", b"in-transaction", []), (1, BASE_TS + 9001, b"tx", b"second", [])], txn, transactional=True)
    batches.append((data, {"baseOffset": offset, "lastOffset": offset + 1, "codec": "none", "leaderEpoch": 3,
                           "producerId": 4242, "producerEpoch": 0, "baseSequence": 0, "isTransactional": True, "isControl": False,
                           "records": [{"offset": offset, "timestamp": BASE_TS + 9000, "key": "tx", "value": "in-transaction", "headers": []},
                                       {"offset": offset + 1, "timestamp": BASE_TS + 9001, "key": "tx", "value": "second", "headers": []}]}))
    offset += 2
    marker_key = struct.pack(">hh", 0, 1)
    marker_value = struct.pack(">hi", 0, 9)
    data = make_batch(offset, 3, 0, [(0, BASE_TS + 9002, marker_key, marker_value, [])], (4242, 0, -1), transactional=True, control=True)
    batches.append((data, {"baseOffset": offset, "lastOffset": offset, "codec": "none", "leaderEpoch": 3,
                           "producerId": 4242, "producerEpoch": 0, "baseSequence": -1, "isTransactional": True, "isControl": True,
                           "controlType": "COMMIT", "coordinatorEpoch": 9, "records": []}))
    offset += 1

    segments = []
    for index, base in enumerate(segment_bases):
        end = segment_bases[index + 1] if index + 1 < len(segment_bases) else offset
        mine = [(d, desc) for d, desc in batches if base <= desc["baseOffset"] < end]
        segments.append((base, mine))

    expected = {"segments": [], "logEndOffset": offset, "indexIntervalBytes": INDEX_INTERVAL}
    for base, mine in segments:
        name = "%020d" % base
        log = b"".join(d for d, _ in mine)
        offset_index = bytearray()
        time_index = bytearray()
        position = 0
        last_entry = 0
        max_ts, max_ts_offset = None, None
        last_time_entry = None
        for data, desc in mine:
            batch_max_ts = struct.unpack_from(">q", data, 35)[0]
            if max_ts is None or batch_max_ts > max_ts:
                max_ts, max_ts_offset = batch_max_ts, desc["lastOffset"]
            if position - last_entry > INDEX_INTERVAL:
                offset_index += struct.pack(">II", desc["lastOffset"] - base, position)
                if last_time_entry is None or max_ts > last_time_entry:
                    time_index += struct.pack(">qI", max_ts, max_ts_offset - base)
                    last_time_entry = max_ts
                last_entry = position
            position += len(data)
        if last_time_entry is None or max_ts > last_time_entry:  # the entry written on roll
            time_index += struct.pack(">qI", max_ts, max_ts_offset - base)
        for suffix, content in ((".log", log), (".index", offset_index), (".timeindex", time_index)):
            with open(os.path.join(OUT, name + suffix), "wb") as f:
                f.write(content)
        expected["segments"].append({"baseOffset": base, "logBytes": len(log), "indexEntries": len(offset_index) // 8,
                                     "timeIndexEntries": len(time_index) // 12,
                                     "batches": [desc for _, desc in mine]})
    # Files a Kafka partition directory also holds; the engine must leave them as they are.
    with open(os.path.join(OUT, "leader-epoch-checkpoint"), "w") as f:
        f.write("0\n2\n0 0\n3 %d\n" % next(desc["baseOffset"] for _, desc in batches if desc["leaderEpoch"] == 3))
    with open(os.path.join(OUT, "partition.metadata"), "w") as f:
        f.write("version: 0\ntopic_id: zB3bPqbcRYCUPdYzXrVh3g\n")
    # Kafka's producer-state snapshot at the log end, with no producer in it: version 1 (int16),
    # CRC-32C (uint32) of the bytes after it, an entry count of 0 (int32).
    with open(os.path.join(OUT, "%020d.snapshot" % offset), "wb") as f:
        entries = struct.pack(">i", 0)
        f.write(struct.pack(">hI", 1, calc_crc32c(entries)) + entries)
    with open(os.path.join(HERE, "kafka-orders-0.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", OUT, "with", offset, "offsets in", len(segments), "segments")


if __name__ == "__main__":
    build()
