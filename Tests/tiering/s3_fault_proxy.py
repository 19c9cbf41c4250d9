#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for S3 tests (Python standard library only).

It sits between an S3 client (Strata's S3RemoteStorage, a broker, boto3, the AWS CLI) and a real
S3-compatible server (moto_server, MinIO) and forwards every request byte for byte -- request
line, headers (Host included, so SigV4 signatures still verify) and body -- to the one upstream
server, and the upstream's answer byte for byte back, but for its hop-by-hop `Connection`
header: the proxy keeps client connections alive (so connection reuse can be observed) even
though it opens a new upstream connection per request. On command it answers with errors instead,
delays requests, or drops connections, so that tests can check retries, timeouts and error
reporting against a server that otherwise behaves like S3.

Usage:
    s3_fault_proxy.py --upstream http://127.0.0.1:5000 [--port 0] [--host 127.0.0.1]

The first line on stdout is `listening on PORT` (the port chosen when --port is 0); after that
the proxy logs nothing on stdout. It runs until killed (SIGTERM/SIGINT).

Control (on the proxy's own port; these requests are never forwarded nor counted):

    POST /__fault__          JSON body; sets the fault mode for the requests that follow:
        {"mode": "none"}                             forward everything (the initial mode)
        {"mode": "error", "status": 500, "count": N} answer the next N requests with `status` and
                                                     an S3 XML error body; optional "code" (S3
                                                     error code; default from the status:
                                                     500 InternalError, 503 SlowDown, 403
                                                     AccessDenied, 404 NoSuchKey, 429
                                                     SlowDown, ...) and "message"
        {"mode": "slow", "delay_ms": D, "count": N}  wait D ms before forwarding each of the next
                                                     N requests (the client may time out first)
        {"mode": "down"}                             read each request, then close the
                                                     connection without an answer (as a crashed
                                                     server would); optional "count"
        {"mode": "lost"}                             forward each request, then close the client
                                                     connection without passing the answer on
                                                     (the server acted, the client never heard);
                                                     optional "count"
        Every mode but "none" takes optional filters: "method" ("PUT") and "path_regex"
        (matched with re.search against the request target, query included, e.g.
        "partNumber=2"); requests that do not match are forwarded and do not use up the count.
        "count" omitted or null means for ever. When the count is used up the mode returns to
        "none", or becomes the command given in "then" (which may have a "then" of its own), so
        that faults can be chained: {"mode": "lost", "count": 1, "then": {"mode": "error",
        "status": 404, "code": "NoSuchUpload", "count": 1}}. Add "reset_stats": true to zero
        the counters as well.
        Answers 200 {"ok": true, "mode": ...}; 400 with {"error": ...} for a bad command.

    GET /__fault__/stats     200 JSON: {"mode", "connections", "requests", "forwarded", "faulted",
                             "forwarded_by_method": {"PUT": n, ...},
                             "faulted_by_method": {...}, "upstream_errors": n}
                             (requests = forwarded + faulted + upstream_errors; a "lost"
                             request reached the server but counts as faulted; connections
                             counts the client connections accepted, control ones included)

The proxy is threaded (one thread per client connection, keep-alive supported) and opens a new
upstream connection per forwarded request. `Expect: 100-continue` is answered by the proxy itself.
"""

import argparse
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from socketserver import TCPServer, ThreadingMixIn, BaseRequestHandler

DEFAULT_CODES = {
    400: "BadRequest",
    403: "AccessDenied",
    404: "NoSuchKey",
    408: "RequestTimeout",
    409: "Conflict",
    416: "InvalidRange",
    429: "SlowDown",
    500: "InternalError",
    501: "NotImplemented",
    502: "BadGateway",
    503: "SlowDown",
    504: "GatewayTimeout",
}
REASONS = {
    400: "Bad Request", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 409: "Conflict",
    416: "Range Not Satisfiable", 429: "Too Many Requests", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}
MAX_HEAD = 64 * 1024


class BadRequest(Exception):
    pass


class FaultState:
    """The current fault mode and the counters, shared by all connection threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mode = {"mode": "none"}
        self.reset_stats()

    def reset_stats(self):
        self.connections = 0
        self.forwarded = 0
        self.faulted = 0
        self.upstream_errors = 0
        self.forwarded_by_method = {}
        self.faulted_by_method = {}

    def set_mode(self, command):
        self.validate(command)
        with self.lock:
            self.mode = dict(command)
            if command.get("reset_stats"):
                self.reset_stats()
            return dict(self.mode)

    def validate(self, command):
        if not isinstance(command, dict):
            raise ValueError("a command is a JSON object")
        mode = command.get("mode")
        if mode not in ("none", "error", "slow", "down", "lost"):
            raise ValueError("mode must be none, error, slow, down or lost")
        count = command.get("count")
        if count is not None and (not isinstance(count, int) or count < 0):
            raise ValueError("count must be a non-negative integer or null")
        if mode == "error":
            status = command.get("status")
            if not isinstance(status, int) or not 400 <= status <= 599:
                raise ValueError("error mode needs an integer status from 400 to 599")
        if mode == "slow":
            delay = command.get("delay_ms")
            if not isinstance(delay, (int, float)) or delay < 0:
                raise ValueError("slow mode needs a non-negative delay_ms")
        if "path_regex" in command:
            re.compile(command["path_regex"])
        if command.get("then") is not None:
            if count is None:
                raise ValueError("\"then\" needs a count")
            self.validate(command["then"])

    def take_fault(self, method, target):
        """The fault to apply to this request (using up one of its count), or None."""
        with self.lock:
            mode = self.mode
            if mode["mode"] == "none":
                return None
            if mode.get("method") and mode["method"].upper() != method.upper():
                return None
            if mode.get("path_regex") and not re.search(mode["path_regex"], target):
                return None
            count = mode.get("count")
            if count is not None:
                if count <= 0:
                    self.mode = {"mode": "none"}
                    return None
                mode = dict(mode, count=count - 1)
                self.mode = mode if count - 1 > 0 else (mode.get("then") or {"mode": "none"})
            return mode

    def count_connection(self):
        with self.lock:
            self.connections += 1

    def count(self, kind, method):
        with self.lock:
            if kind == "forwarded":
                self.forwarded += 1
                self.forwarded_by_method[method] = self.forwarded_by_method.get(method, 0) + 1
            elif kind == "faulted":
                self.faulted += 1
                self.faulted_by_method[method] = self.faulted_by_method.get(method, 0) + 1
            else:
                self.upstream_errors += 1

    def stats(self):
        with self.lock:
            return {
                "mode": self.mode.get("mode"),
                "connections": self.connections,
                "requests": self.forwarded + self.faulted + self.upstream_errors,
                "forwarded": self.forwarded,
                "faulted": self.faulted,
                "upstream_errors": self.upstream_errors,
                "forwarded_by_method": dict(self.forwarded_by_method),
                "faulted_by_method": dict(self.faulted_by_method),
            }


class Reader:
    """Buffered reads of raw bytes from a socket, keeping every byte as received."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        self.buffer += data

    def read_head(self):
        """Bytes up to and including the blank line; None if the peer closed cleanly first."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise BadRequest("header section too large")
            try:
                self._fill()
            except ConnectionError:
                if not self.buffer:
                    return None
                raise
        end = self.buffer.index(b"\r\n\r\n") + 4
        head, self.buffer = self.buffer[:end], self.buffer[end:]
        return head

    def read_exact(self, count):
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        end = self.buffer.index(b"\r\n") + 2
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        return line

    def read_chunked(self):
        """A chunked body exactly as sent: chunks, the last chunk, trailers, final CRLF."""
        raw = b""
        while True:
            line = self.read_line()
            raw += line
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                break
            raw += self.read_exact(size + 2)
        while True:
            line = self.read_line()
            raw += line
            if line == b"\r\n":
                return raw

    def read_to_close(self):
        data = self.buffer
        self.buffer = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def parse_head(head):
    lines = head[:-4].split(b"\r\n")
    first = lines[0].decode("latin-1")
    headers = []
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return first, headers


def header(headers, name):
    for key, value in headers:
        if key == name:
            return value
    return None


def drop_header(head, name):
    lines = head[:-4].split(b"\r\n")
    kept = [lines[0]] + [line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() != name]
    return b"\r\n".join(kept) + b"\r\n\r\n"


def read_body(reader, headers):
    if (header(headers, "transfer-encoding") or "").lower().endswith("chunked"):
        return reader.read_chunked()
    length = header(headers, "content-length")
    return reader.read_exact(int(length)) if length else b""


def respond(sock, status, body, content_type, extra=()):
    lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")), "Content-Type: " + content_type,
             "Content-Length: %d" % len(body)]
    lines.extend(extra)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def s3_error_body(status, code, message, target):
    resource = urllib.parse.urlsplit(target).path
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            "<Resource>%s</Resource><RequestId>fault-proxy</RequestId></Error>"
            % (code, message, resource)).encode()


class ProxyHandler(BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.state.count_connection()
        reader = Reader(sock)
        try:
            while True:
                head = reader.read_head()
                if head is None:
                    return
                if not self.handle_one(sock, reader, head):
                    return
        except (ConnectionError, OSError, BadRequest, ValueError):
            return

    def handle_one(self, sock, reader, head):
        """Serves one request; False when the client connection must close."""
        state = self.server.state
        request_line, headers = parse_head(head)
        parts = request_line.split(" ")
        if len(parts) != 3:
            raise BadRequest("bad request line")
        method, target, version = parts
        if (header(headers, "expect") or "").lower() == "100-continue":
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = read_body(reader, headers)
        keep_alive = version == "HTTP/1.1" and (header(headers, "connection") or "").lower() != "close"

        path = urllib.parse.urlsplit(target).path
        if path == "/__fault__" and method == "POST":
            try:
                command = json.loads(body or b"{}")
                mode = state.set_mode(command)
                respond(sock, 200, json.dumps({"ok": True, "mode": mode}).encode(), "application/json")
            except (ValueError, TypeError, re.error) as error:
                respond(sock, 400, json.dumps({"error": str(error)}).encode(), "application/json")
            return keep_alive
        if path == "/__fault__/stats" and method == "GET":
            respond(sock, 200, json.dumps(state.stats()).encode(), "application/json")
            return keep_alive

        fault = state.take_fault(method, target)
        if fault is not None:
            kind = fault["mode"]
            if kind == "down":
                state.count("faulted", method)
                sock.shutdown(socket.SHUT_RDWR)
                return False
            if kind == "error":
                state.count("faulted", method)
                status = fault["status"]
                code = fault.get("code") or DEFAULT_CODES.get(status, "InternalError")
                message = fault.get("message") or "injected by s3_fault_proxy"
                respond(sock, status, s3_error_body(status, code, message, target), "application/xml",
                        ["x-amz-request-id: fault-proxy"])
                return keep_alive
            if kind == "slow":
                time.sleep(fault["delay_ms"] / 1000.0)
            if kind == "lost":
                return self.forward(sock, method, head + body, keep_alive, lose_answer=True)
        return self.forward(sock, method, head + body, keep_alive)

    def forward(self, sock, method, raw_request, keep_alive, lose_answer=False):
        state = self.server.state
        host, port = self.server.upstream
        try:
            upstream = socket.create_connection((host, port), timeout=self.server.upstream_timeout)
        except OSError as error:
            state.count("upstream_error", method)
            respond(sock, 502, s3_error_body(502, "BadGateway", "upstream unreachable: %s" % error, "/"),
                    "application/xml")
            return keep_alive
        with upstream:
            upstream.sendall(raw_request)
            reader = Reader(upstream)
            while True:
                head = reader.read_head()
                if head is None:
                    state.count("upstream_error", method)
                    return False
                status_line, headers = parse_head(head)
                status = int(status_line.split(" ")[1])
                if 100 <= status < 200:
                    continue  # the proxy has already answered any Expect: 100-continue itself
                break
            close_after = False
            if method == "HEAD" or status in (204, 304):
                body = b""
            elif (header(headers, "transfer-encoding") or "").lower().endswith("chunked"):
                body = reader.read_chunked()
            elif header(headers, "content-length") is not None:
                body = reader.read_exact(int(header(headers, "content-length")))
            else:
                body = reader.read_to_close()
                close_after = True
            if not close_after and keep_alive:
                # `Connection` is hop-by-hop: the upstream connection is per request anyway, and
                # the client's stays open (moto's Werkzeug says "close" on every answer).
                head = drop_header(head, b"connection")
        if lose_answer:
            state.count("faulted", method)
            sock.shutdown(socket.SHUT_RDWR)
            return False
        # Counted before the answer goes out, so a client that has its answer sees it counted.
        state.count("forwarded", method)
        sock.sendall(head + body)
        return keep_alive and not close_after


class ProxyServer(ThreadingMixIn, TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, upstream, upstream_timeout):
        super().__init__(address, ProxyHandler)
        self.state = FaultState()
        self.upstream = upstream
        self.upstream_timeout = upstream_timeout


def main():
    parser = argparse.ArgumentParser(description="Fault-injecting HTTP proxy in front of an S3 server.")
    parser.add_argument("--upstream", required=True, help="the real server, http://HOST:PORT")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--upstream-timeout", type=float, default=60.0, help="seconds to wait for the upstream")
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname:
        parser.error("--upstream must be http://HOST:PORT")
    server = ProxyServer((args.host, args.port), (upstream.hostname, upstream.port or 80), args.upstream_timeout)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
