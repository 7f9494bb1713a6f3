#!/usr/bin/env bash
# Make sure the system tools the project needs are present; install the Debian ones that are missing.
# Go is part of this machine kind (the exact toolchain is then fetched through GOTOOLCHAIN).
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v git >/dev/null || missing+=(git)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} from Debian" >&2
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi
command -v go >/dev/null || { echo "error: Go is required to build the control plane (it ships with this machine kind)" >&2; exit 1; }
command -v "${PYTHON:-python3.11}" >/dev/null || { echo "error: Python 3.11 is required" >&2; exit 1; }
