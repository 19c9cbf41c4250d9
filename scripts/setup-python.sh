#!/usr/bin/env bash
# Creates .venv with the Kafka clients the interop tests drive (confluent-kafka, kafka-python),
# pytest, and moto's S3 server for the Tiering tests (moto[server]); installs Debian's kcat and
# python3-venv when they are missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/apt.sh
packages=()
command -v kcat >/dev/null 2>&1 || packages+=(kcat)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
[ ${#packages[@]} -eq 0 ] || ensure_apt_packages "${packages[@]}"

requirements=(pytest pytest-timeout confluent-kafka kafka-python python-snappy lz4 zstandard 'moto[server]')
if [ ! -x .venv/bin/python ]; then
  echo "setup-python: creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import pytest, pytest_timeout, confluent_kafka, kafka, snappy, lz4.frame, zstandard, moto.server' >/dev/null 2>&1; then
  echo "setup-python: installing ${requirements[*]}"
  .venv/bin/python -m pip install -q --disable-pip-version-check "${requirements[@]}"
fi
