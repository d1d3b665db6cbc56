#!/usr/bin/env bash
# Makes .venv-tf (or $CIHMLC_TF_VENV) with tensorflow-cpu, so that @cihmlc/runtime's
# link-tensorflow end-to-end test runs (it looks for .venv-tf/bin/python or $CIHMLC_TF_PYTHON).
# About 2 minutes on a quiet 2-core machine (9 under heavy load) and 1.6 GB. Uses the first `global.extra-index-url` of the pip configuration as
# the index when there is one (machines whose default index is unreachable), else pip's default.
# Idempotent: exits at once when the venv already has TensorFlow.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CIHMLC_TF_VENV:-.venv-tf}"
python="${PYTHON:-python3}"
has_tf='import importlib.util, sys; sys.exit(importlib.util.find_spec("tensorflow") is None)'
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$has_tf" 2>/dev/null; then
  echo "install-tensorflow-venv: $venv already has TensorFlow"
  exit 0
fi
command -v "$python" >/dev/null || { echo "install-tensorflow-venv: no $python on PATH" >&2; exit 1; }
index="$("$python" -m pip config get global.extra-index-url 2>/dev/null | awk '{print $1}' || true)"
"$python" -m venv "$venv"
args=(--quiet --disable-pip-version-check --timeout 30 --retries 2)
[ -n "$index" ] && args+=(--index-url "$index")
"$venv/bin/pip" install "${args[@]}" tensorflow-cpu
"$venv/bin/python" -c "$has_tf"
echo "install-tensorflow-venv: $venv has tensorflow-cpu $("$venv/bin/pip" show tensorflow-cpu | awk '/^Version/ {print $2}')"
