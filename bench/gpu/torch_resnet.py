"""PyTorch reference for bench/gpu: the same ResNet-18 as src/models/resnet.ts, float32.

The architecture mirrors the TF.js model layer for layer: a 3x3 stem convolution (64 channels,
stride 1, no max-pool), BatchNorm (momentum 0.1 in PyTorch's convention = 0.9 in Keras',
eps 1e-5) and ReLU; four stages of two BasicBlocks (64, 128, 256, 512 channels, stride 2 at the
start of stages 2-4, a 1x1 convolution + BatchNorm shortcut where the shape changes); global
average pooling and a dense layer. Convolutions have no bias, like the TF.js model's.

TF32 is switched off (matmul and cuDNN) so that the comparison is float32 against float32, as the
issue asks; cudnn.benchmark is on (PyTorch's usual fast setting).

It times SGD (one forward/backward + momentum step) and SAM (two forward/backward passes, as in
the authors' code) with CUDA synchronization around the timed loop, and writes JSON.

    python3 bench/gpu/torch_resnet.py [--tiny] [--json FILE]
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5),
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet18(nn.Module):
    def __init__(self, width=1.0, classes=10):
        super().__init__()
        w = [max(1, round(c * width)) for c in (64, 128, 256, 512)]
        self.stem = nn.Sequential(
            nn.Conv2d(3, w[0], 3, 1, 1, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU()
        )
        layers, cin = [], w[0]
        for stage, cout in enumerate(w):
            for b in range(2):
                layers.append(BasicBlock(cin, cout, 2 if b == 0 and stage > 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(step, warmup, steps, device):
    for _ in range(warmup):
        step()
    sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        loss = step()
    sync(device)
    return (time.perf_counter() - started) / steps * 1000, float(loss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--json")
    args = parser.parse_args()
    batch = args.batch or (8 if args.tiny else 128)
    steps = args.steps or (2 if args.tiny else 20)
    warmup = args.warmup if args.warmup is not None else (1 if args.tiny else 5)
    width = 0.0625 if args.tiny else 1.0

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    model = ResNet18(width).to(device).train()
    xs = torch.randn(batch, 3, 32, 32, device=device)
    ys = torch.randint(0, 10, (batch,), device=device)
    params = [p for p in model.parameters()]
    sgd = torch.optim.SGD(params, lr=0.01, momentum=0.9)

    def sgd_step():
        sgd.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs), ys)
        loss.backward()
        sgd.step()
        return loss.detach()

    rho = 0.05

    def sam_step():
        sgd.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs), ys)
        loss.backward()
        with torch.no_grad():
            norm = torch.norm(torch.stack([p.grad.norm(2) for p in params]), 2)
            scale = rho / (norm + 1e-12)
            offsets = [p.grad * scale for p in params]
            for p, e in zip(params, offsets):
                p.add_(e)
        sgd.zero_grad(set_to_none=True)
        F.cross_entropy(model(xs), ys).backward()
        with torch.no_grad():
            for p, e in zip(params, offsets):
                p.sub_(e)
        sgd.step()
        return loss.detach()

    figures = []
    for name, step, grads in (("sgd", sgd_step, 1), ("sam", sam_step, 2)):
        ms, loss = time_steps(step, warmup, steps, device)
        figures.append(
            {
                "optimizer": name,
                "gradientEvaluations": grads,
                "msPerStep": ms,
                "stepsPerSecond": 1000 / ms,
                "imagesPerSecond": 1000 * batch / ms,
                "lastLoss": loss,
            }
        )
    report = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "batch": batch,
        "widthMultiplier": width,
        "parameters": sum(p.numel() for p in params),
        "figures": figures,
    }
    for f in figures:
        print(
            f"torch {f['optimizer']:4} on {report['device']}: {f['msPerStep']:.1f} ms/step, "
            f"{f['imagesPerSecond']:.0f} images/s ({report['parameters']} weights, batch {batch})"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
