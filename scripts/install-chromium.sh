#!/bin/sh
# Installs Debian's headless-capable Chromium for the web viewer's end-to-end tests and benchmark
# (apps/viewer: Playwright's playwright-core drives it; no browser download from elsewhere).
# Needs root and apt. Prints where it is; exits non-zero if it could not install it.
set -eu
if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium) ($(chromium --version 2>/dev/null || echo '?'))"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
echo "chromium installed: $(command -v chromium) ($(chromium --version 2>/dev/null || echo '?'))"
