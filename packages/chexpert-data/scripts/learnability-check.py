"""Learnability check of the synthetic dataset (development aid, not part of the package).

Reads a cache written by `cihmlc-data prepare` (format: README "Cache format") directly, trains a
small CNN with PyTorch on CPU and prints per-label and prevalence-weighted AUROC on the test split.
Usage: /usr/bin/python3 scripts/learnability-check.py CACHE_DIR [EPOCHS] [WIDTH]
Needs Debian's python3-torch and python3-sklearn.
"""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score

cache = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
torch.manual_seed(0)
torch.set_num_threads(2)
index = json.load(open(f"{cache}/index.json"))
S = index["size"]


def load(split):
    s = index["splits"][split]
    imgs = []
    for sh in s["shards"]:
        raw = np.fromfile(f"{cache}/{sh['file']}", dtype=np.uint8, offset=16)
        a = raw.reshape(sh["count"], S, S, sh["channels"])[..., :1]
        imgs.append(a)
    x = np.concatenate(imgs).astype(np.float32) / 255.0
    y = np.fromfile(f"{cache}/{s['labels']}", dtype="<f4").reshape(s["count"], -1)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)


xtr, ytr = load("train")
xte, yte = load("test")
C = ytr.shape[1]


def block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))


w = int(sys.argv[3]) if len(sys.argv) > 3 else 8
model = nn.Sequential(block(1, w), block(w, 2 * w), block(2 * w, 4 * w), block(4 * w, 4 * w), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, C))
def evaluate(verbose):
    model.eval()
    with torch.no_grad():
        p = torch.sigmoid(model(xte)).numpy()
    y = yte.numpy()
    aucs, weights = [], []
    for c, name in enumerate(index["outputLabels"]):
        pos = y[:, c].sum()
        if 0 < pos < len(y):
            a = roc_auc_score(y[:, c], p[:, c])
            aucs.append(a)
            weights.append(pos)
            if verbose:
                print(f"{name:28s} pos {int(pos):4d} auroc {a:.3f}")
    print(f"test weighted AUROC {np.average(aucs, weights=weights):.3f}  mean {np.mean(aucs):.3f}", flush=True)


opt = torch.optim.Adam(model.parameters(), 1e-3)
lossf = nn.BCEWithLogitsLoss()
t0 = time.time()
for ep in range(epochs):
    model.train()
    perm = torch.randperm(len(xtr))
    for k in range(0, len(xtr), 32):
        idx = perm[k : k + 32]
        xb = xtr[idx]
        if torch.rand(1) < 0.5:
            xb = xb.flip(3)
        opt.zero_grad()
        loss = lossf(model(xb), ytr[idx])
        loss.backward()
        opt.step()
    print(f"epoch {ep} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    if ep % 2 == 1 or ep == epochs - 1:
        evaluate(ep == epochs - 1)
