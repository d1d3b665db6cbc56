#!/bin/sh
# Builds e2e/fixture-model: the tiny DenseNet at 32 px trained for 4 steps on 40 synthetic
# patients (wasm backend), exported with `trainer export`. Run from anywhere after `pnpm build`.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cli="$here/../trainer/dist/cli.js"
node "$cli" train --out "$work/run" --cache-dir "$work/cache" --patients 40 --image-size 32 \
  --batch-size 8 --epochs 1 --max-batches 4 --mc-samples 5 --backend wasm --seed 7
rm -rf "$here/e2e/fixture-model"
node "$cli" export --run "$work/run" --out "$here/e2e/fixture-model"
