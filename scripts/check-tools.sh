#!/usr/bin/env bash
# Make sure the system tools the project needs are present; install the Debian ones that are missing.
# Go and the Pythons (3.11, and 3.13 under pyenv) are part of this machine kind (the exact Go toolchain is
# then fetched through GOTOOLCHAIN; Python packages come from PyPI through pip).
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v git >/dev/null || missing+=(git)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} from Debian" >&2
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi
command -v go >/dev/null || { echo "error: Go is required to build the control plane (it ships with this machine kind)" >&2; exit 1; }
"${PYTHON:-python3.11}" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || { echo "error: Python 3.11 is required (PYTHON=${PYTHON:-python3.11})" >&2; exit 1; }
if [[ -n "${NEWEST_PYTHON:-}" ]]; then
  "$NEWEST_PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null \
    || { echo "error: Python 3.13 is required for make test (NEWEST_PYTHON=$NEWEST_PYTHON; pyenv install 3.13)" >&2; exit 1; }
fi
