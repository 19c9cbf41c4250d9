#!/usr/bin/env bash
# Sets up a fresh machine and runs every test suite. Long soak runs are opt-in:
#   STRATA_CRASH_ROUNDS=500 scripts/test.sh    (default 60 SIGKILL rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
