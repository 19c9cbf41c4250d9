"""`strata serve` start-up: properties file plus --override, refusal of unknown and invalid
settings (non-zero exit naming the setting), and a start with no configuration at all."""
import socket
import subprocess
import time

import pytest

from conftest import Broker, strata_binary


def run_serve(args, cwd, timeout=20):
    return subprocess.run([strata_binary(), "serve", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("setting, message", [
    ("no.such.setting=1", "unknown setting 'no.such.setting'"),
    ("num.partitions=many", "invalid value 'many' for num.partitions: not an integer"),
    ("log.retention.hours=soon", "log.retention.hours"),
    ("listeners=SSL://127.0.0.1:0", "only PLAINTEXT"),
    ("log.segment.bytes=1", "invalid value '1' for log.segment.bytes"),
])
def test_bad_settings_are_refused_by_name(tmp_path, setting, message):
    result = run_serve(["--override", f"log.dirs={tmp_path / 'data'}", "--override", setting], cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_properties_file_with_overrides(tmp_path):
    properties = tmp_path / "server.properties"
    properties.write_text(
        "# a stock-looking file\n"
        "process.roles=broker,controller\n"
        "node.id=1\n"
        "num.partitions=3\n"
        "log.dirs=" + str(tmp_path / "from-file") + "\n"
        "listeners=PLAINTEXT://127.0.0.1:1\n")
    broker = Broker(tmp_path / "data", tmp_path / "strata.log", overrides={})
    # --override wins over the file: the data directory and the listener come from the harness.
    broker.command = lambda: [strata_binary(), "serve", str(properties),
                              "--override", f"listeners=PLAINTEXT://127.0.0.1:{broker.port}",
                              "--override", f"log.dirs={tmp_path / 'data'}"]
    broker.start()
    try:
        out = subprocess.run(["kcat", "-b", broker.bootstrap, "-L", "-t", "auto"], capture_output=True, text=True, timeout=30)
        subprocess.run(["kcat", "-b", broker.bootstrap, "-P", "-t", "auto"], input="x\n", text=True, timeout=30, check=True)
        out = subprocess.run(["kcat", "-b", broker.bootstrap, "-L", "-t", "auto"], capture_output=True, text=True, timeout=30).stdout
        assert "broker 1 at" in out
        assert 'topic "auto" with 3 partitions' in out
        assert (tmp_path / "data" / "meta.properties").exists()
        assert not (tmp_path / "from-file").exists()
        assert "process.roles is accepted but has no effect" in broker.log()
    finally:
        assert broker.stop() == 0


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def test_no_configuration_at_all(tmp_path):
    if not port_free(9092):
        pytest.skip("port 9092 is taken on this machine")
    log = open(tmp_path / "strata.log", "w")
    process = subprocess.Popen([strata_binary(), "serve"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while "listening on" not in (tmp_path / "strata.log").read_text() and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "strata.log").read_text()
            time.sleep(0.05)
        assert "listening on PLAINTEXT://:9092" in (tmp_path / "strata.log").read_text()
        out = subprocess.run(["kcat", "-b", "127.0.0.1:9092", "-L"], capture_output=True, text=True, timeout=30).stdout
        assert "broker 0 at 127.0.0.1:9092" in out
        assert (tmp_path / "data" / "meta.properties").exists()
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        log.close()
