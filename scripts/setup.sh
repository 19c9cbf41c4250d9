#!/usr/bin/env bash
# Installs what Strata needs to build and test on a fresh Debian machine with Swift 6.x.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

source "$(dirname "$0")/lib/apt.sh"
ensure_apt_packages pkg-config libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libcurl4-openssl-dev libssl-dev

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.1 or later) is not on PATH; install it from swift.org first" >&2
  exit 1
fi
