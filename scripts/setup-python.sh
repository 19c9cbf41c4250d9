#!/usr/bin/env bash
# Creates .venv with the Kafka clients the interop tests drive (confluent-kafka, kafka-python)
# and pytest, and installs Debian's kcat and python3-venv when they are missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
command -v kcat >/dev/null 2>&1 || apt_missing+=(kcat)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_missing+=(python3-venv)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "setup-python: installing ${apt_missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

requirements=(pytest pytest-timeout confluent-kafka kafka-python python-snappy lz4 zstandard)
if [ ! -x .venv/bin/python ]; then
  echo "setup-python: creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import pytest, pytest_timeout, confluent_kafka, kafka, snappy, lz4.frame, zstandard' >/dev/null 2>&1; then
  echo "setup-python: installing ${requirements[*]}"
  .venv/bin/python -m pip install -q --disable-pip-version-check "${requirements[@]}"
fi
