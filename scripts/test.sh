#!/usr/bin/env bash
# Sets up a fresh machine and runs every test suite. Long soak runs are opt-in:
#   STRATA_CRASH_ROUNDS=500 scripts/test.sh    (default 60 SIGKILL rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-python.sh  # before the Swift tests: TieringTests start moto_server from .venv
swift build --build-tests
swift test --skip-build

# Interop: the real `strata` binary (built above) driven by kcat, confluent-kafka and kafka-python
# over 127.0.0.1 (Tests/interop). Every test has its own time limit; the whole run at most 5 minutes.
# pytest exits 5 when it collects no test: that is a failure here, as Tests/interop always has tests.
STRATA_BIN="$(swift build --show-bin-path)/strata" timeout 300 .venv/bin/python -m pytest -q Tests/interop
