"""PyTorch CPU peer for `pnpm bench`: the same models as bench/train-step.ts (same layers, widths,
BN epsilons, conv biases, Adam, binary cross-entropy), one training step timed at a time:
`trainer` is @cihmlc/densenet's classifier as apps/trainer's synthetic profile builds it,
`small` and `densenet121` are src/testing/densenet-like.ts's. Prints one JSON line per run. Usage:
  python3 torch_peer.py --model trainer|small|densenet121 --batch 16 --size 64 --steps 5 --threads 2
"""
import argparse, json, sys, time

try:
    import torch
    import torch.nn as nn
except ImportError as e:  # the bench prints this and goes on without the peer
    print(json.dumps({"error": f"torch not importable: {e}"}))
    sys.exit(0)

CONFIGS = {
    # keep in sync with SMALL_DENSENET / DENSENET_121 in src/testing/densenet-like.ts
    "small": dict(classes=14, growth=12, blocks=[4, 4, 4], stem=24, factor=4, compression=0.5, head=64, dropout=0.2),
    "densenet121": dict(classes=14, growth=32, blocks=[6, 12, 24, 16], stem=64, factor=4, compression=0.5, head=0, dropout=0.0),
}
EPS = 1.001e-5


def bn_relu(c):
    return [nn.BatchNorm2d(c, eps=EPS), nn.ReLU(inplace=True)]


class Bottleneck(nn.Module):
    def __init__(self, cin, growth, factor, bn=None):
        super().__init__()
        norm = (lambda c: [bn(c), nn.ReLU(inplace=True)]) if bn else bn_relu
        self.body = nn.Sequential(*norm(cin), nn.Conv2d(cin, factor * growth, 1, bias=False),
                                  *norm(factor * growth), nn.Conv2d(factor * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


def build(cfg, in_ch=3):
    layers = [nn.Conv2d(in_ch, cfg["stem"], 7, stride=2, padding=3, bias=False), *bn_relu(cfg["stem"]),
              nn.MaxPool2d(3, stride=2, padding=1)]
    c = cfg["stem"]
    for b, n in enumerate(cfg["blocks"]):
        for _ in range(n):
            layers.append(Bottleneck(c, cfg["growth"], cfg["factor"]))
            c += cfg["growth"]
        if b < len(cfg["blocks"]) - 1:
            out = int(c * cfg["compression"])
            layers += [*bn_relu(c), nn.Conv2d(c, out, 1, bias=False), nn.AvgPool2d(2, 2)]
            c = out
    if cfg["head"]:
        layers += [*bn_relu(c), nn.Conv2d(c, cfg["head"], 3, padding=1, bias=False)]
        c = cfg["head"]
    layers += [*bn_relu(c), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    if cfg["dropout"]:
        layers.append(nn.Dropout(cfg["dropout"]))
    layers.append(nn.Linear(c, cfg["classes"]))  # sigmoid is inside BCEWithLogitsLoss
    return nn.Sequential(*layers)


# keep in sync with @cihmlc/densenet (variants.ts 'tiny', blocks.ts, classifier.ts) and TRAINER_MODEL
# in train-step.ts: Keras DenseNet layout (ZeroPadding + valid 7x7/2 conv, ZeroPadding + valid 3x3/2
# max pool), BN epsilon 1.001e-5, then the CIHMLC head (3x3 conv with bias + ReLU, BN with TF.js's
# default epsilon 1e-3, global average pool, dense ReLU, dropout 0.5, dense; sigmoid in the loss).
TRAINER = dict(blocks=[2, 2, 2], growth=8, stem=16, head=64, dense=32, classes=21, dropout=0.5)


def keras_bn(c, eps=EPS):
    return nn.BatchNorm2d(c, eps=eps, momentum=0.1)  # Keras momentum 0.9


def build_trainer(cfg=TRAINER, in_ch=3):
    layers = [nn.ZeroPad2d(3), nn.Conv2d(in_ch, cfg["stem"], 7, stride=2, bias=False), keras_bn(cfg["stem"]),
              nn.ReLU(inplace=True), nn.ZeroPad2d(1), nn.MaxPool2d(3, stride=2)]
    c = cfg["stem"]
    for b, n in enumerate(cfg["blocks"]):
        for _ in range(n):
            layers.append(Bottleneck(c, cfg["growth"], 4, bn=keras_bn))
            c += cfg["growth"]
        if b < len(cfg["blocks"]) - 1:
            out = c // 2
            layers += [keras_bn(c), nn.ReLU(inplace=True), nn.Conv2d(c, out, 1, bias=False), nn.AvgPool2d(2, 2)]
            c = out
    layers += [keras_bn(c), nn.ReLU(inplace=True),
               nn.Conv2d(c, cfg["head"], 3, padding=1), nn.ReLU(inplace=True), keras_bn(cfg["head"], eps=1e-3),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cfg["head"], cfg["dense"]), nn.ReLU(inplace=True),
               nn.Dropout(cfg["dropout"]), nn.Linear(cfg["dense"], cfg["classes"])]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="small", choices=sorted([*CONFIGS, "trainer"]))
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu or cuda (the GPU benchmark)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if a.device == "cuda":
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    cfg = TRAINER if a.model == "trainer" else CONFIGS[a.model]
    model = (build_trainer() if a.model == "trainer" else build(cfg)).to(dev)
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    x = torch.rand(a.batch, 3, a.size, a.size, device=dev)
    y = (torch.rand(a.batch, cfg["classes"], device=dev) > 0.5).float()
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        sync()
        t0 = time.perf_counter()
        step()  # loss.item() synchronises too
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    best = times[0]  # best step, as in train-step.ts: contention on shared machines only adds time
    med = times[len(times) // 2]
    where = torch.cuda.get_device_name(0) if a.device == "cuda" else f"cpu x{a.threads}"
    print(json.dumps({"backend": f"pytorch {torch.__version__} {where}", "model": a.model, "params": params,
                      "batch": a.batch, "size": a.size, "msPerStep": best, "medianMs": med, "imagesPerSecond": a.batch * 1000 / best}))


if __name__ == "__main__":
    main()
