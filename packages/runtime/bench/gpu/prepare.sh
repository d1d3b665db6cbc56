#!/usr/bin/env bash
# Builds bench/gpu/dist/ (~30 MB, git-ignored) for run.sh on a GPU machine that has no Node and
# no network: an esbuild bundle of densenet121-webgpu.ts with TF.js and this package's kernels,
# this machine's node and dawn.node (stripped, xz), the Debian Vulkan loader / GL dispatch .debs,
# and the PyTorch peer script. Run from anywhere: bash packages/runtime/bench/gpu/prepare.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKG="$(cd "$HERE/../.." && pwd)"
CARRY="$HERE/dist"
mkdir -p "$CARRY/debs"
cd "$PKG"
node_modules/.bin/esbuild bench/gpu/densenet121-webgpu.ts --bundle --platform=node --format=esm --minify-whitespace --minify-syntax \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" \
  --outfile="$CARRY/bench.bundle.mjs" --log-level=warning
DAWN="$(node -e "const p=require('path');console.log(p.join(p.dirname(require.resolve('webgpu/package.json')),'dist',process.platform+'-'+process.arch,'dawn.node'))")"
# node, dawn.node and the .debs do not change with the code: kept from an earlier prepare.
[ -s "$CARRY/node.xz" ] || { strip -o /tmp/node.stripped "$(command -v node)" && xz -9e -T2 -c /tmp/node.stripped > "$CARRY/node.xz"; }
[ -s "$CARRY/dawn.node.xz" ] || { strip -o /tmp/dawn.stripped "$DAWN" && xz -9e -T2 -c /tmp/dawn.stripped > "$CARRY/dawn.node.xz"; }
ls "$CARRY"/debs/libvulkan1_*.deb >/dev/null 2>&1 || (cd "$CARRY/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
cp "$PKG/bench/torch_peer.py" "$CARRY/"
ls -la "$CARRY" "$CARRY/debs"
du -sh "$CARRY"
