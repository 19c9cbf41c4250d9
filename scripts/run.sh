#!/usr/bin/env bash
# Sets up a fresh machine, builds Strata in release mode and runs the `strata` command with the
# given arguments, e.g.  scripts/run.sh dump Tests/EngineTests/Fixtures/kafka-orders-0
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product strata >&2
exec .build/release/strata "$@"
