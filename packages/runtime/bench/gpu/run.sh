#!/usr/bin/env bash
# On a GPU machine (NVIDIA driver with Vulkan, PyTorch installed, no Node, no network), from the
# package root with bench/gpu/dist/ present (prepare.sh): unpacks node + dawn.node, installs the
# carried Vulkan loader, then in one run: kernel numerics on the GPU, the DenseNet-121 training
# step (batch 16, 320x320) on webgpu with stock kernels and with this package's kernels, and the
# PyTorch CUDA baseline; prints all three and the ratios.
# Env: BATCH=16 SIZE=320 STEPS=3 SKIP_STOCK=1 (stock takes ~15 s/step on an H100) MAX_SECONDS=240
#      SKIP_PROFILE=1 SKIP_HOSTPROFILE=1 STOCK_ADAM=1 (also bench tf.train.adam)
#      SPLITK_ROWS="0 2048" (also bench these split-K group sizes)  SUBMIT_BATCH=N (also bench with WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=N)
#      WARMUP=1 (untimed steps first)  NO_CACHE=1 (also bench without the bind-group cache)
#      REPEAT=N (the bench, and the NO_CACHE one, N times alternating)
#      SKIP_REPLAY=1 (no bench of the recorded-and-replayed step, captureTrainingStep)
#      CPU_PROFILE=1 (a V8 CPU profile of STEPS steps: summary printed, step.cpuprofile in $OUT)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARRY="${CARRY:-$HERE/dist}"
WORK="$(mktemp -d /tmp/cihmlc-gpu.XXXXXX)"
BATCH="${BATCH:-16}" SIZE="${SIZE:-320}" STEPS="${STEPS:-3}" MAX_SECONDS="${MAX_SECONDS:-240}" WARMUP="${WARMUP:-1}"
LOG="${OUT:-$WORK}/gpu-bench.log"; mkdir -p "$(dirname "$LOG")"
say() { echo "[gpu-bench] $*" | tee -a "$LOG"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
xz -dc "$CARRY/node.xz" > "$WORK/node" && chmod +x "$WORK/node"
xz -dc "$CARRY/dawn.node.xz" > "$WORK/dawn.node"
cp "$CARRY/bench.bundle.mjs" "$WORK/"
# NVIDIA's Vulkan ICD lives under /usr/local/nvidia on the lent machines; its GL dispatch
# libraries come from the carried Debian packages.
if [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  for f in "$CARRY"/debs/*.deb; do dpkg -x "$f" / 2>/dev/null; done; ldconfig 2>/dev/null
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export LD_LIBRARY_PATH="/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export DAWN_NODE="$WORK/dawn.node"
node_run() { (cd "$WORK" && timeout -k 10 "$1" ./node bench.bundle.mjs "${@:2}") 2>&1 | grep -v 'artificially reduced' | tee -a "$LOG"; }

say "numerics (kernels on the GPU vs a naive reference, tf.train.adam and the cpu backend)"
node_run 120 numerics
if [ "${SKIP_STOCK:-0}" != 1 ]; then
  say "DenseNet-121 webgpu, stock kernels"
  node_run $((MAX_SECONDS + 120)) bench --stock --batch "$BATCH" --size "$SIZE" --steps 2 --max-seconds "$MAX_SECONDS"
fi
for round in $(seq "${REPEAT:-1}"); do
  say "DenseNet-121 webgpu, @cihmlc/runtime kernels (round $round)"
  node_run $((MAX_SECONDS + 120)) bench --batch "$BATCH" --size "$SIZE" --steps "$STEPS" --warmup "$WARMUP" --max-seconds "$MAX_SECONDS"
  if [ -n "${NO_CACHE:-}" ]; then
    say "DenseNet-121 webgpu, @cihmlc/runtime kernels, without the bind-group cache (round $round)"
    node_run $((MAX_SECONDS + 120)) bench --no-bind-group-cache --batch "$BATCH" --size "$SIZE" --steps "$STEPS" --warmup "$WARMUP" --max-seconds "$MAX_SECONDS"
  fi
done
if [ "${SKIP_REPLAY:-0}" != 1 ]; then
  say "DenseNet-121 webgpu, @cihmlc/runtime kernels, the step recorded once and replayed (captureTrainingStep)"
  node_run $((MAX_SECONDS + 120)) bench --replay --batch "$BATCH" --size "$SIZE" --steps "$((STEPS * 2))" --warmup "$WARMUP" --max-seconds "$MAX_SECONDS"
fi
if [ "${SKIP_PROFILE:-0}" != 1 ]; then
  say "DenseNet-121 webgpu profile: GPU time per kernel vs wall time (where the step goes)"
  node_run $((MAX_SECONDS + 120)) profile --batch "$BATCH" --size "$SIZE" --warmup "$WARMUP"
fi
if [ "${SKIP_HOSTPROFILE:-0}" != 1 ]; then
  say "DenseNet-121 webgpu host profile: WebGPU API calls per step and their wall time"
  node_run $((MAX_SECONDS + 120)) hostprofile --batch "$BATCH" --size "$SIZE" --warmup "$WARMUP"
fi
if [ -n "${CPU_PROFILE:-}" ]; then
  say "DenseNet-121 webgpu CPU profile: the host's JavaScript per step"
  node_run $((MAX_SECONDS + 120)) cpuprofile --batch "$BATCH" --size "$SIZE" --warmup "$WARMUP" --steps "$STEPS" --out "$(dirname "$LOG")"
fi
if [ -n "${STOCK_ADAM:-}" ]; then
  say "DenseNet-121 webgpu, @cihmlc/runtime kernels with tf.train.adam (FusedAdamOptimizer's share)"
  node_run $((MAX_SECONDS + 120)) bench --stock-adam --batch "$BATCH" --size "$SIZE" --steps "$STEPS" --max-seconds "$MAX_SECONDS"
fi
for rows in ${SPLITK_ROWS:-}; do
  say "DenseNet-121 webgpu, @cihmlc/runtime kernels, Conv2DBackpropFilter split-K rows per group = $rows (0 = no split)"
  node_run $((MAX_SECONDS + 120)) bench --splitk-rows "$rows" --batch "$BATCH" --size "$SIZE" --steps "$STEPS" --max-seconds "$MAX_SECONDS"
done
if [ -n "${SUBMIT_BATCH:-}" ]; then
  say "DenseNet-121 webgpu, @cihmlc/runtime kernels, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=$SUBMIT_BATCH"
  node_run $((MAX_SECONDS + 120)) bench --batch "$BATCH" --size "$SIZE" --steps "$STEPS" --max-seconds "$MAX_SECONDS" \
    --flags "{\"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE\":$SUBMIT_BATCH}"
fi
say "PyTorch baseline (same model definition, CUDA)"
python3 "$CARRY/torch_peer.py" --model densenet121 --device cuda --batch "$BATCH" --size "$SIZE" --steps 20 --warmup 5 2>&1 | tee -a "$LOG"

python3 - "$LOG" <<'PY'
import json, re, sys
rows = []
for line in open(sys.argv[1]):
    m = re.search(r'(?:RESULT )?(\{.*"msPerStep".*\})', line)
    if m: rows.append(json.loads(m.group(1)))
torch = next((r for r in rows if r["backend"].startswith("pytorch")), None)
print("\n| backend | batch x size | ms / step | images / s | vs PyTorch |\n|---|---|---:|---:|---:|")
for r in rows:
    ratio = f'{r["msPerStep"] / torch["msPerStep"]:.1f}x slower' if torch and r is not torch else "1x"
    print(f'| {r["backend"]} | {r["batch"]} x {r["size"]} | {r["msPerStep"]:.0f} | {r["imagesPerSecond"]:.2f} | {ratio} |')
PY
