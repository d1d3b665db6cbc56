#!/usr/bin/env bash
# The trainer's GPU device check. On a GPU machine (NVIDIA driver with Vulkan, PyTorch installed,
# no Node, no network), with apps/trainer/bench/gpu/dist/ present (prepare.sh), in one call:
#   1. a synthetic CheXpert-format dataset at SIZE px (PATIENTS patients: ~1.3 train images
#      each, so the default 2,800 give ~3,600 images = 200+ steps of batch 16 per epoch);
#   2. `train --profile paper --backend webgpu` (DenseNet-121, batch 16, Adam 1e-4) for EPOCHS
#      epochs, through the trainer itself (data loading, progress, checkpoints, evaluation);
#   3. `evaluate` of the run's best-loss checkpoint;
#   4. the PyTorch DenseNet-121 peer (packages/runtime/bench/torch_peer.py) on CUDA;
# and writes one JSON, $OUT/<date>-<card>.json, to be committed as benchmarks/gpu/<date>-<card>.json:
#   { card, date, trainerImagesPerSecond, pytorchImagesPerSecond, firstStepSeconds, steps,
#     lossFirst, lossLast, peakGpuMemoryMiB, notes }.
# trainerImagesPerSecond is the last epoch's images/s from metrics.jsonl (whole epoch, data
# loading included; the first epoch also pays for shader compilation).
# Env: SIZE=320 PATIENTS=2800 EPOCHS=2 BATCH=16 VARIANT= (default: the paper's densenet121)
#      MAX_BATCHES=0 (0: whole epochs) TORCH_DEVICE=cuda TORCH_SIZE=$SIZE TORCH_STEPS=20
#      SKIP_TORCH=1 TRAIN_SECONDS=480 (time limit of the training call)
#      REPLAY=1 (default: train with --replay, the recorded step replayed; REPLAY=0: every step
#      through TF.js's normal dispatch path)
#      PLAIN_BATCHES=40 (with REPLAY=1: then 2 epochs of this many steps without --replay, whose
#      2nd-epoch images/s the notes give beside the replayed figure; 0 skips it)
#   Lavapipe smoke test: SIZE=32 PATIENTS=30 VARIANT=tiny EPOCHS=2 MAX_BATCHES=2 TORCH_DEVICE=cpu
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARRY="${CARRY:-$HERE/dist}"
WORK="$(mktemp -d /tmp/cihmlc-trainer-gpu.XXXXXX)"
OUT="${OUT:-$WORK/out}"; mkdir -p "$OUT"
SIZE="${SIZE:-320}" PATIENTS="${PATIENTS:-2800}" EPOCHS="${EPOCHS:-2}" BATCH="${BATCH:-16}"
LOG="$OUT/trainer-gpu.log"; : > "$LOG"
say() { echo "[trainer-gpu] $*" | tee -a "$LOG"; }

CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
xz -dc "$CARRY/node.xz" > "$WORK/node" && chmod +x "$WORK/node"
xz -dc "$CARRY/dawn.node.xz" > "$WORK/dawn.node"
# bin/ next to fonts/: the bundle finds jimp's fonts in ../fonts.
mkdir -p "$WORK/bin" && cp "$CARRY/trainer.bundle.mjs" "$CARRY/pool-worker.js" "$WORK/bin/"
cp -r "$CARRY/fonts" "$WORK/"
# The bundle loads tfjs-backend-webgpu itself (entry.ts); this stub answers selectBackend's require.
STUB="$WORK/node_modules/@tensorflow/tfjs-backend-webgpu"
mkdir -p "$STUB" && echo '{"name":"@tensorflow/tfjs-backend-webgpu","main":"index.js"}' > "$STUB/package.json"
echo 'module.exports = {};' > "$STUB/index.js"
# NVIDIA's Vulkan ICD lives under /usr/local/nvidia on the lent machines; its GL dispatch
# libraries come from the carried Debian packages.
if [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  for f in "$CARRY"/debs/*.deb; do dpkg -x "$f" / 2>/dev/null; done; ldconfig 2>/dev/null
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export LD_LIBRARY_PATH="/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export DAWN_NODE="$WORK/dawn.node"
trainer() { (cd "$WORK" && timeout -k 10 "$1" ./node bin/trainer.bundle.mjs "${@:2}") 2>&1 | grep -v 'artificially reduced' | tee -a "$LOG"; }

# Peak GPU memory while the trainer runs (NVIDIA only).
MEM="$OUT/gpu-memory.csv"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 500 > "$MEM" 2>/dev/null &
  MEMPID=$!
fi

TRAIN_ARGS=(train --profile paper --backend webgpu --patients "$PATIENTS" --image-size "$SIZE"
  --batch-size "$BATCH" --epochs "$EPOCHS" --out "$WORK/run")
[ -n "${VARIANT:-}" ] && TRAIN_ARGS+=(--variant "$VARIANT")
[ "${MAX_BATCHES:-0}" != 0 ] && TRAIN_ARGS+=(--max-batches "$MAX_BATCHES")
[ "${REPLAY:-1}" != 0 ] && TRAIN_ARGS+=(--replay)
say "trainer: ${TRAIN_ARGS[*]}"
trainer "${TRAIN_SECONDS:-480}" "${TRAIN_ARGS[@]}"
say "evaluate: the run's best-loss checkpoint on the test split"
trainer 240 evaluate --run "$WORK/run" --backend webgpu
PLAIN_ARGS=()
if [ "${REPLAY:-1}" != 0 ] && [ "${PLAIN_BATCHES:-40}" != 0 ]; then
  PLAIN_ARGS=(train --profile paper --backend webgpu --patients "$PATIENTS" --image-size "$SIZE"
    --batch-size "$BATCH" --epochs 2 --max-batches "${PLAIN_BATCHES:-40}" --out "$WORK/run-plain")
  [ -n "${VARIANT:-}" ] && PLAIN_ARGS+=(--variant "$VARIANT")
  say "the same training without --replay, for comparison: ${PLAIN_ARGS[*]}"
  trainer "${PLAIN_SECONDS:-240}" "${PLAIN_ARGS[@]}" > /dev/null
fi
[ -n "${MEMPID:-}" ] && kill "$MEMPID" 2>/dev/null
cp "$WORK/run/metrics.jsonl" "$WORK/run/config.json" "$OUT/" 2>/dev/null

TORCH_JSON="$OUT/torch-peer.json"
if [ "${SKIP_TORCH:-0}" != 1 ]; then
  say "PyTorch DenseNet-121 peer (batch $BATCH, ${TORCH_SIZE:-$SIZE} px, ${TORCH_DEVICE:-cuda})"
  python3 "$CARRY/torch_peer.py" --model densenet121 --device "${TORCH_DEVICE:-cuda}" --batch "$BATCH" \
    --size "${TORCH_SIZE:-$SIZE}" --steps "${TORCH_STEPS:-20}" --warmup 5 2>&1 | tee -a "$LOG" \
    | grep '^{' | tail -1 > "$TORCH_JSON"
fi

python3 "$CARRY/summarize.py" --run "$WORK/run" --plain-run "$WORK/run-plain" --log "$LOG" --memory "$MEM" --torch "$TORCH_JSON" \
  --card "${CARD:-}" --out "$OUT"
