#!/usr/bin/env bash
# Strata tiered-storage benchmark, each figure beside its reference measured in the same run:
#   1. upload throughput: `strata remote put` (the broker's S3 client: SigV4, multipart) against a
#      plain `curl -T` PUT of the same file to the same S3-protocol server (moto_server on loopback);
#   2. sequential consume (`strata perf consume`) of a tiered topic whose segments are all remote,
#      with a cold chunk cache (broker just restarted) and a warm one, against the same records read
#      from local segments of an untiered topic on the same broker.
#
#   Benchmarks/tiering.sh            full run (256 MiB upload file, 200 MB topic; a few minutes)
#   Benchmarks/tiering.sh --quick    short run (64 MiB, 50 MB)
#
# Options: --quick, --no-build (use .build/release/strata), --markdown FILE (also write the table).
# Traffic goes to 127.0.0.1 only. Needs: swift, curl, python3 (.venv from scripts/setup-python.sh).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
ARGS=()
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ARGS+=(--quick) ;;
        --no-build) BUILD=0 ;;
        --markdown) ARGS+=(--markdown "$2"); shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "tiering.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
cd "$ROOT"
scripts/setup-python.sh >&2
command -v curl >/dev/null || { echo "tiering.sh: curl is needed (apt-get install -y curl)" >&2; exit 1; }
if [ "$BUILD" = 1 ]; then
    echo "building strata (release) ..." >&2
    swift build -c release --product strata >"$ROOT/.build-bench-tiering.log" 2>&1 || { tail -30 "$ROOT/.build-bench-tiering.log" >&2; exit 1; }
    rm -f "$ROOT/.build-bench-tiering.log"
fi
exec "$ROOT/.venv/bin/python" "$HERE/tiering_bench.py" --strata "$ROOT/.build/release/strata" --moto "$ROOT/.venv/bin/moto_server" "${ARGS[@]}"
