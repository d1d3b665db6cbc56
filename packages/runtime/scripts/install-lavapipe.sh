#!/usr/bin/env bash
# Installs a CPU Vulkan driver (Mesa >= 25 lavapipe from Debian bookworm-backports) so that Dawn
# (npm `webgpu`) finds a WebGPU adapter on machines without a GPU, and the webgpu numerics tests
# run instead of being skipped. Debian 12's own Mesa 22 lavapipe is too old for Dawn (adapter
# null: "shaderUniform*ArrayDynamicIndexing required"). Needs root and Debian's apt mirrors.
# Usage: bash packages/runtime/scripts/install-lavapipe.sh   (idempotent)
set -euo pipefail

if ! grep -qs 'bookworm' /etc/os-release; then
  echo "install-lavapipe: this script targets Debian 12 (bookworm); found: $(. /etc/os-release && echo "$PRETTY_NAME")" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

BACKPORTS=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$BACKPORTS" ]; then
  $SUDO tee "$BACKPORTS" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO apt-get update -qq
# mesa-vulkan-drivers pulls the matching libdrm* from backports; libvulkan1 is the loader Dawn dlopens.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
  mesa-vulkan-drivers libvulkan1 >/dev/null
echo "install-lavapipe: $(dpkg-query -W -f '${Package} ${Version}\n' mesa-vulkan-drivers)"
ls /usr/share/vulkan/icd.d/ | grep -i lvp || { echo 'install-lavapipe: lvp_icd json missing' >&2; exit 1; }
