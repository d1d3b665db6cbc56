"""Turns one trainer GPU device check (run.sh) into its JSON result:
{ card, date, trainerImagesPerSecond, pytorchImagesPerSecond, firstStepSeconds, steps,
  lossFirst, lossLast, peakGpuMemoryMiB, notes }, printed and written to OUT/<date>-<card>.json."""
import argparse, datetime, json, math, os, re, sys

p = argparse.ArgumentParser()
p.add_argument("--run", required=True)
p.add_argument("--log", required=True)
p.add_argument("--plain-run", default="")
p.add_argument("--memory", default="")
p.add_argument("--torch", default="")
p.add_argument("--card", default="")
p.add_argument("--out", required=True)
a = p.parse_args()

notes = []
log = open(a.log, encoding="utf8", errors="replace").read()
records = []
metrics = os.path.join(a.run, "metrics.jsonl")
if os.path.exists(metrics):
    records = [json.loads(l) for l in open(metrics) if l.strip()]
config = json.load(open(os.path.join(a.run, "config.json"))) if os.path.exists(os.path.join(a.run, "config.json")) else {}
if not records:
    notes.append("the trainer finished no epoch (see trainer-gpu.log)")

backend = re.search(r"^backend: (.*)$", log, re.M)
card = a.card.strip()
if not card:
    m = re.search(r"^backend: webgpu \((.*)\) — ", log, re.M)
    card = m.group(1) if m else "unknown"
if backend:
    notes.append(backend.group(1).strip())

first_step = re.search(r"^first step ([0-9.]+) s", log, re.M)
train_count = re.search(r"^train (\d+) · valid (\d+) · test (\d+) images", log, re.M)
batch = config.get("batchSize", 16)
max_batches = config.get("maxBatchesPerEpoch") or 0
steps = None
if train_count and records:
    per_epoch = math.ceil(int(train_count.group(1)) / batch)
    if max_batches:
        per_epoch = min(per_epoch, max_batches)
    steps = per_epoch * len(records)
    notes.append(
        f"{len(records)} epoch(s) of {per_epoch} steps (batch {batch}, {config.get('imageSize')} px, "
        f"{config.get('variant')}); train/valid/test images {train_count.group(1)}/{train_count.group(2)}/{train_count.group(3)}"
    )
replay_notes = re.findall(r"^step replay \(epoch (\d+), step (\d+)\): (\w+)(?: — (.*))?$", log, re.M)
if config.get("replay"):
    released = " (released at the end)" if re.search(r"^step replay: released$", log, re.M) else ""
    notes.append("step replay on (--replay): " + ("; ".join(f"epoch {e} step {s}: {ev}" + (f" ({why})" if why else "") for e, s, ev, why in replay_notes[:4]) or "no replay event logged") + released)
else:
    notes.append("step replay off: every step through TF.js's dispatch path")
plain = os.path.join(a.plain_run, "metrics.jsonl") if a.plain_run else ""
if plain and os.path.exists(plain):
    plain_records = [json.loads(l) for l in open(plain) if l.strip()]
    if len(plain_records) >= 2:
        r = plain_records[-1]["imagesPerSecond"]
        mine = records[-1]["imagesPerSecond"] if records else None
        ratio = f"; replayed/plain {mine / r:.2f}x" if mine and r else ""
        plain_config = json.load(open(os.path.join(a.plain_run, "config.json")))
        cap = plain_config.get("maxBatchesPerEpoch") or "all"
        notes.append(f"plain path (no --replay, steps per epoch: {cap}): {r:.1f} images/s in its 2nd epoch{ratio}")
    else:
        notes.append("plain path: the comparison run finished fewer than 2 epochs")
if len(records) >= 2:
    notes.append("trainerImagesPerSecond: the last epoch's images/s (whole epoch, data loading included)")
elif records:
    notes.append("trainerImagesPerSecond: the only epoch, shader compilation included")
if records:
    notes.append("lossFirst/lossLast: the first and last epochs' mean training loss (BCE + penalty)")

peak = None
if a.memory and os.path.exists(a.memory):
    values = [float(x) for x in open(a.memory).read().split() if re.fullmatch(r"[0-9.]+", x)]
    peak = max(values) if values else None
if peak is None:
    notes.append("peakGpuMemoryMiB: no nvidia-smi reading")

torch_ips = None
if a.torch and os.path.exists(a.torch) and os.path.getsize(a.torch) > 0:
    t = json.loads(open(a.torch).read())
    if "imagesPerSecond" in t:
        torch_ips = t["imagesPerSecond"]
        notes.append(f"pytorch peer: {t.get('backend')}, DenseNet-121 as in torch_peer.py (14 outputs, no head), batch {t.get('batch')}, {t.get('size')} px")
    else:
        notes.append(f"pytorch peer: {t.get('error', 'no result')}")
else:
    notes.append("pytorch peer: not run")

test_auroc = re.search(r"^test: weighted AUROC ([0-9.na/]+)", log, re.M)
if test_auroc:
    notes.append(f"evaluate: test weighted AUROC {test_auroc.group(1)}")
if re.search(r"^error: ", log, re.M):
    notes.append("errors: " + "; ".join(re.findall(r"^error: (.*)$", log, re.M)))

date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
result = {
    "card": card,
    "date": date,
    "trainerImagesPerSecond": records[-1]["imagesPerSecond"] if records else None,
    "pytorchImagesPerSecond": torch_ips,
    "firstStepSeconds": float(first_step.group(1)) if first_step else None,
    "steps": steps,
    "lossFirst": records[0]["trainLoss"] if records else None,
    "lossLast": records[-1]["trainLoss"] if records else None,
    "peakGpuMemoryMiB": peak,
    "notes": notes,
}
slug = re.sub(r"[^a-z0-9]+", "-", card.lower()).strip("-")[:40] or "unknown"
path = os.path.join(a.out, f"{date}-{slug}.json")
with open(path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(json.dumps(result, indent=2))
print(f"written: {path} (commit it as benchmarks/gpu/{date}-{slug}.json)")
sys.exit(0 if records else 1)
