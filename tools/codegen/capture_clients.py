#!/usr/bin/env python3
"""Re-captures the client byte strings embedded in Tests/KafkaProtocolTests/KnownBytesTests.swift.

Not part of the build or CI. Needs a throwaway virtualenv (network traffic stays on 127.0.0.1):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install kafka-python confluent-kafka
    /tmp/kvenv/bin/python tools/codegen/capture_clients.py

Prints `name = hex` lines: request frames without their int32 size prefix (header + body),
and one ApiVersionsResponse frame (response header v0 + body).
"""

import socket
import struct
import sys
import threading


def kafka_python():
    from kafka.protocol.old import metadata as om, produce as op, fetch as of, group as og
    from kafka.protocol.metadata import (MetadataRequest, ApiVersionsRequest, ApiVersionsResponse,
                                         FindCoordinatorRequest)

    def show(name, msg, **header):
        msg.with_header(**header)
        print(f"{name} = {msg.encode(header=True).hex()}")

    # Legacy hand-written protocol classes.
    show("old_metadata_v1", om.MetadataRequest[1](topics=['t']), correlation_id=7, client_id='kafka-python')
    show("old_produce_v3", op.ProduceRequest[3](transactional_id=None, acks=-1, timeout_ms=1500,
         topic_data=[('events', [(0, b'\x00\x01\x02\x03RECORDS')])]), correlation_id=8, client_id='kp')
    show("old_fetch_v4", of.FetchRequest[4](replica_id=-1, max_wait_ms=500, min_bytes=1, max_bytes=52428800,
         isolation_level=1, topics=[('events', [(0, 42, 1048576)])]), correlation_id=9, client_id='kp')
    show("old_joingroup_v1", og.JoinGroupRequest[1](group='g1', session_timeout=10000, rebalance_timeout=30000,
         member_id='', protocol_type='consumer', group_protocols=[('range', b'\x00\x01meta')]),
         correlation_id=10, client_id='kp')
    # Schema-driven classes, flexible versions.
    show("new_metadata_v12", MetadataRequest[12](topics=[MetadataRequest.MetadataRequestTopic(name='t')],
         allow_auto_topic_creation=False, include_topic_authorized_operations=True),
         correlation_id=11, client_id='kafka-python')
    show("new_apiversions_req_v3", ApiVersionsRequest[3](client_software_name='kafka-python',
         client_software_version='3.0.12'), correlation_id=1, client_id='kafka-python')
    show("new_findcoordinator_v4", FindCoordinatorRequest[4](key_type=1, coordinator_keys=['txn-a', 'txn-b']),
         correlation_id=12, client_id='kp')
    R = ApiVersionsResponse
    show("new_apiversions_resp_v3", R[3](error_code=0,
         api_keys=[R.ApiVersion(api_key=0, min_version=0, max_version=11),
                   R.ApiVersion(api_key=18, min_version=0, max_version=4)],
         throttle_time_ms=5, finalized_features_epoch=3,
         supported_features=[R.SupportedFeatureKey(name='metadata.version', min_version=1, max_version=21)]),
         correlation_id=1)


def librdkafka():
    """Points a confluent-kafka Producer at a listener on 127.0.0.1 and records its first two requests."""
    from confluent_kafka import Producer, libversion
    from kafka.protocol.metadata import ApiVersionsResponse as R

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    frames = []

    def recv_exact(c, n):
        b = b""
        while len(b) < n:
            x = c.recv(n - len(b))
            if not x:
                raise EOFError
            b += x
        return b

    def serve():
        srv.settimeout(10)
        c, _ = srv.accept()
        c.settimeout(10)
        try:
            for i in range(2):
                size = struct.unpack(">i", recv_exact(c, 4))[0]
                frame = recv_exact(c, size)
                frames.append(frame)
                if i == 0:  # answer ApiVersions so that librdkafka goes on to Metadata
                    corr = struct.unpack(">i", frame[4:8])[0]
                    r = R[3](error_code=0, throttle_time_ms=0, api_keys=[
                        R.ApiVersion(api_key=18, min_version=0, max_version=3),
                        R.ApiVersion(api_key=3, min_version=0, max_version=12),
                        R.ApiVersion(api_key=0, min_version=0, max_version=9)])
                    r.with_header(correlation_id=corr)
                    body = r.encode(header=True)
                    c.sendall(struct.pack(">i", len(body)) + body)
        except Exception as e:  # noqa: BLE001
            print("listener:", repr(e), file=sys.stderr)
        finally:
            c.close()
            srv.close()

    t = threading.Thread(target=serve)
    t.start()
    p = Producer({"bootstrap.servers": f"127.0.0.1:{port}", "client.id": "strata-capture",
                  "socket.timeout.ms": 3000, "log_level": 0})
    p.produce("capture-topic", b"v")
    t.join(15)
    print(f"# librdkafka {libversion()[0]}")
    for i, f in enumerate(frames):
        print(f"librdkafka_frame{i} = {f.hex()}")


if __name__ == "__main__":
    kafka_python()
    librdkafka()
