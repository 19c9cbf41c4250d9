"""Harness for the interop tests: starts the real `strata` binary on a free loopback port with a
temporary data directory, and hands tests a `Broker` to point Kafka clients at.

The binary is $STRATA_BIN, or .build/debug/strata (what `swift build` makes). Traffic goes to
127.0.0.1 only. Every wait is bounded.
"""
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on PLAINTEXT://([0-9.]+):(\d+)")


def strata_binary() -> str:
    path = os.environ.get("STRATA_BIN") or str(ROOT / ".build" / "debug" / "strata")
    if not os.access(path, os.X_OK):
        pytest.fail(f"strata binary not found at {path}; run `swift build` first or set STRATA_BIN")
    return path


class Broker:
    """One `strata serve` process. `start()` waits until it listens; `port` stays the same across
    restarts so clients' bootstrap address keeps working."""

    def __init__(self, data_dir: Path, log_path: Path, overrides=None):
        self.data_dir = data_dir
        self.log_path = log_path
        self.overrides = dict(overrides or {})
        self.port = 0
        self.process = None
        self._log = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self):
        settings = {"listeners": f"PLAINTEXT://127.0.0.1:{self.port}", "log.dirs": str(self.data_dir)}
        settings.update(self.overrides)
        args = [strata_binary(), "serve"]
        for name, value in settings.items():
            args += ["--override", f"{name}={value}"]
        return args

    def start(self, timeout=30):
        assert self.process is None
        self._log = open(self.log_path, "a")
        self._log.write(f"--- start {' '.join(self.command())}\n")
        self._log.flush()
        offset = self._log.tell()
        self.process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text()[offset:]
            match = LISTENING.search(text)
            if match:
                self.port = int(match.group(2))
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"strata exited with {self.process.returncode} before listening:\n{text}")
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"strata did not start listening within {timeout}s:\n{self.log()}")

    def stop(self, timeout=30) -> int:
        """SIGTERM and wait: the clean shutdown path. Returns the exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError("strata did not stop within {timeout}s of SIGTERM")
        finally:
            self._closed()
        return code

    def kill(self):
        """SIGKILL: the crash path."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self._closed()

    def restart(self, kill=False):
        if kill:
            self.kill()
        else:
            assert self.stop() == 0
        return self.start()

    def _closed(self):
        self.process = None
        if self._log:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def serve_for_module(tmp_path_factory, name="strata", overrides=None):
    """Runs a broker for the tests of one module (use with `yield from` in a module fixture) and
    checks at the end that it stayed up and stopped cleanly."""
    base = tmp_path_factory.mktemp(name)
    instance = Broker(base / "data", base / "strata.log", overrides=overrides).start()
    yield instance
    alive = instance.alive()
    code = instance.stop()
    assert alive, f"the broker died during the tests:\n{instance.log()[-4000:]}"
    assert code == 0, f"unclean exit {code}:\n{instance.log()[-4000:]}"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A broker shared by the tests of one module."""
    yield from serve_for_module(tmp_path_factory)


@pytest.fixture
def fresh_broker(tmp_path):
    """A broker of its own, for tests that restart or kill it."""
    instance = Broker(tmp_path / "data", tmp_path / "strata.log")
    yield instance
    instance.kill()


_counter = [0]


@pytest.fixture
def topic_name(request):
    """A topic name unique in the session."""
    _counter[0] += 1
    base = re.sub(r"[^a-zA-Z0-9]", "-", request.node.name)[:80]
    return f"{base}-{_counter[0]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
