"""Hostile and broken input from a raw socket: the broker answers where Kafka answers, closes the
connection where Kafka closes it, logs why, and keeps serving normal clients."""
import os
import socket
import struct
import subprocess

import pytest


def connect(broker):
    s = socket.create_connection(("127.0.0.1", broker.port), timeout=10)
    s.settimeout(10)
    return s


def request(api_key, version, correlation_id, body=b"", client_id=b"raw-test"):
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def read_frame(s):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data
    size = struct.unpack(">i", exactly(4))[0]
    return exactly(size)


def assert_closed(s):
    """The server closes the connection (EOF or reset) rather than answering."""
    try:
        data = s.recv(65536)
    except ConnectionResetError:
        return
    assert data == b"", f"expected the connection to be closed, got {data[:64]!r}"


def assert_still_serving(broker):
    assert broker.alive()
    result = subprocess.run(["kcat", "-b", broker.bootstrap, "-L"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "1 brokers" in result.stdout


def test_oversized_frame_closes_connection(broker):
    with connect(broker) as s:
        s.sendall(struct.pack(">i", 200 * 1024 * 1024) + b"\x00" * 100)
        assert_closed(s)
    assert "larger than socket.request.max.bytes (104857600)" in broker.log()
    assert_still_serving(broker)


def test_negative_frame_size_closes_connection(broker):
    with connect(broker) as s:
        s.sendall(struct.pack(">i", -5))
        assert_closed(s)
    assert "is negative" in broker.log()
    assert_still_serving(broker)


def test_garbage_bytes_close_connection(broker):
    with connect(broker) as s:
        s.sendall(struct.pack(">i", 64) + os.urandom(2) + b"\x7f\x7f" + os.urandom(60))
        assert_closed(s)
    with connect(broker) as s:
        # A known API (Metadata v1) whose body is nonsense: a topic count far beyond the bytes sent.
        s.sendall(request(3, 1, 7, body=b"\x7f\xff\xff\xff" + os.urandom(20)))
        assert_closed(s)
    assert "malformed Metadata v1 request" in broker.log()
    assert_still_serving(broker)


def test_truncated_request_closes_connection(broker):
    # A Produce v3 request cut short inside its topic array: the frame is complete, the body is not.
    body = struct.pack(">hhih", -1, 1, 30000, 1) + struct.pack(">h", 5) + b"topic" + struct.pack(">i", 1)
    with connect(broker) as s:
        s.sendall(request(0, 3, 9, body=body))
        assert_closed(s)
    assert "malformed Produce v3 request" in broker.log()
    # A frame that never completes: the client goes away in the middle of it.
    with connect(broker) as s:
        s.sendall(struct.pack(">i", 1000) + b"\x00\x12\x00\x00")
    assert_still_serving(broker)


def test_unknown_api_key_closes_connection(broker):
    with connect(broker) as s:
        s.sendall(request(999, 0, 11))
        assert_closed(s)
    assert "unknown API key 999" in broker.log()
    assert_still_serving(broker)


def test_unsupported_version_of_a_known_api_closes_connection(broker):
    with connect(broker) as s:
        s.sendall(request(1, 0, 12, body=b"\x00" * 12))  # Fetch v0: before RecordBatch v2
        assert_closed(s)
    assert "Fetch v0 is not supported (supported: 4-17)" in broker.log()
    assert_still_serving(broker)


def test_api_versions_of_unknown_version_gets_unsupported_version(broker):
    with connect(broker) as s:
        s.sendall(request(18, 99, 42))
        frame = read_frame(s)
        correlation_id, error_code, count = struct.unpack(">ihi", frame[:10])
        assert (correlation_id, error_code) == (42, 35)
        apis = {struct.unpack(">hhh", frame[10 + 6 * i: 16 + 6 * i])[0]: struct.unpack(">hhh", frame[10 + 6 * i: 16 + 6 * i])[1:]
                for i in range(count)}
        assert apis[18] == (0, 4)
        assert apis[0] == (3, 11)
        assert apis[1] == (4, 17)
        # The connection stays usable: a supported version is answered normally.
        s.sendall(request(18, 0, 43))
        frame = read_frame(s)
        assert struct.unpack(">ih", frame[:6]) == (43, 0)


def test_pipelined_requests_are_answered_in_order(broker):
    with connect(broker) as s:
        metadata_v1_all_topics = struct.pack(">i", -1)
        s.sendall(b"".join([
            request(18, 0, 1), request(3, 1, 2, body=metadata_v1_all_topics), request(18, 2, 3), request(3, 1, 4, body=metadata_v1_all_topics),
        ]))
        assert [struct.unpack(">i", read_frame(s)[:4])[0] for _ in range(4)] == [1, 2, 3, 4]
