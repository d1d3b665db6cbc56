#!/usr/bin/env bash
# Builds apps/trainer/bench/gpu/dist/ (git-ignored) for run.sh on a GPU machine that has no Node
# and no network: an esbuild bundle of the trainer CLI (every @cihmlc package, TF.js, the webgpu
# backend), the chexpert-data decode/render worker next to it, and the runtime GPU bench's carry
# (this machine's node and dawn.node, stripped and xz'd, the Debian Vulkan loader / GL dispatch
# .debs) plus the PyTorch DenseNet-121 peer. Needs `pnpm install` (esbuild comes from
# @cihmlc/runtime's devDependencies). Run from anywhere: bash apps/trainer/bench/gpu/prepare.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
APP="$(cd "$HERE/../.." && pwd)"
ROOT="$(cd "$APP/../.." && pwd)"
RUNTIME="$ROOT/packages/runtime"
CARRY="$HERE/dist"
ESBUILD="$RUNTIME/node_modules/.bin/esbuild"
mkdir -p "$CARRY/debs"
cd "$APP"
NODE_PATH="$RUNTIME/node_modules" "$ESBUILD" bench/gpu/entry.ts --bundle --platform=node --format=esm --minify-whitespace --minify-syntax \
  --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" \
  --outfile="$CARRY/trainer.bundle.mjs" --log-level=warning
# The decode pool looks for pool-worker.js next to the module that starts it (here: the bundle).
"$ESBUILD" "$ROOT/packages/chexpert-data/src/pool-worker.ts" --bundle --platform=node --format=cjs \
  --minify-whitespace --minify-syntax --outfile="$CARRY/pool-worker.js" --log-level=warning
# jimp's bitmap fonts (the Grad-CAM titles): the bundle looks for them in ../fonts.
PRINT="$(cd "$ROOT/packages/explain" && node -e "const p=require('path');console.log(p.dirname(require.resolve('@jimp/plugin-print/package.json',{paths:[p.dirname(require.resolve('jimp'))]})))")"
rm -rf "$CARRY/fonts" && mkdir -p "$CARRY/fonts/open-sans"
cp -r "$PRINT"/fonts/open-sans/open-sans-*-black "$CARRY/fonts/open-sans/"
# node, dawn.node and the .debs do not change with the code: taken from the runtime bench's carry
# when it has them, else made the same way.
RCARRY="$RUNTIME/bench/gpu/dist"
for f in node.xz dawn.node.xz; do
  [ -s "$CARRY/$f" ] || { [ -s "$RCARRY/$f" ] && cp "$RCARRY/$f" "$CARRY/$f"; } || true
done
DAWN="$(cd "$RUNTIME" && node -e "const p=require('path');console.log(p.join(p.dirname(require.resolve('webgpu/package.json')),'dist',process.platform+'-'+process.arch,'dawn.node'))")"
[ -s "$CARRY/node.xz" ] || { strip -o /tmp/node.stripped "$(command -v node)" && xz -9e -T2 -c /tmp/node.stripped > "$CARRY/node.xz"; }
[ -s "$CARRY/dawn.node.xz" ] || { strip -o /tmp/dawn.stripped "$DAWN" && xz -9e -T2 -c /tmp/dawn.stripped > "$CARRY/dawn.node.xz"; }
ls "$CARRY"/debs/libvulkan1_*.deb >/dev/null 2>&1 || cp "$RCARRY"/debs/*.deb "$CARRY/debs/" 2>/dev/null \
  || (cd "$CARRY/debs" && apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
cp "$RUNTIME/bench/torch_peer.py" "$HERE/summarize.py" "$CARRY/"
ls -la "$CARRY" "$CARRY/debs"
du -sh "$CARRY"
