#!/usr/bin/python3
"""PyTorch side of the side-by-side benchmark (bench/anchor.ts runs it; see that file).

Mirrors the usam models of src/models exactly (same layers, widths and parameter counts; the
TypeScript side asserts the counts match) and times training steps on random data, batch 128:

  /usr/bin/python3 bench/torch_anchor.py --row resnet16-sgd --windows 5 --window-seconds 0.5

Times the steps as bench/step_timing.ts does for usam (`time_in_windows` is that procedure line for
line: a warm-up, then timed windows of several steps; the median window and the slowest and fastest
windows; with --serve, one window per request, so that bench/anchor.ts can alternate the two sides'
windows). Prints one JSON line at the end: row, images/s and ms per step of the median window, the slowest and
fastest windows' images/s, trainable parameter count, non-trainable (BatchNorm running statistics)
count, and peak RSS in MiB of this process.

Run with Debian's python3-torch (1.13) at /usr/bin/python3, on 2 threads like the issue's table
(--threads N to change it).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
from torch import nn



def mlp(in_shape, classes):
    """src/models/mlp.ts default: flatten, six dense ReLU layers of 128, a linear logit layer."""
    h, w, c = in_shape
    layers = [nn.Flatten()]
    width = h * w * c
    for units in [128] * 6:
        layers += [nn.Linear(width, units), nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def cnn(in_shape, classes):
    """src/models/cnn.ts default (LeNet-5): conv 5x5 valid 6 + ReLU, max pool 2, conv 5x5 16 +
    ReLU, max pool 2, dense 120 ReLU, 84 ReLU, logits."""
    h, w, c = in_shape
    size = h
    for _ in range(2):
        size = (size - 5 + 1) // 2
    return nn.Sequential(
        nn.Conv2d(c, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * size * size, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, classes),
    )


def scale_width(channels, multiplier):
    """src/models/options.ts scaleWidth."""
    return max(1, round(channels * multiplier))


def bn(channels):
    # Keras momentum 0.9 on the running average is PyTorch momentum 0.1; epsilon 1e-5 on both.
    return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)


class BasicBlock(nn.Module):
    """src/models/resnet.ts basicBlock: two 3x3 convolutions without bias, each with BatchNorm,
    and a 1x1 convolution + BatchNorm shortcut when the stride or width changes."""

    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, filters, 3, stride, 1, bias=False)
        self.bn1 = bn(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, 1, 1, bias=False)
        self.bn2 = bn(filters)
        self.shortcut = None
        if stride != 1 or in_channels != filters:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, filters, 1, stride, 0, bias=False),
                                          bn(filters))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.shortcut is None else self.shortcut(x)))


def resnet(in_shape, classes, multiplier):
    """src/models/resnet.ts: ResNet-18 (stages of 2 blocks) with every width times multiplier,
    a 3x3 stem without pooling, global average pooling and a dense logit layer."""
    c = in_shape[2]
    stem = scale_width(64, multiplier)
    layers = [nn.Conv2d(c, stem, 3, 1, 1, bias=False), bn(stem), nn.ReLU()]
    channels = stem
    for stage in range(4):
        filters = scale_width(64 * 2 ** stage, multiplier)
        for b in range(2):
            layers.append(BasicBlock(channels, filters, 2 if b == 0 and stage > 0 else 1))
            channels = filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    return nn.Sequential(*layers)


# The rows of issue 9's table: (model, input shape HWC, optimizer).
ROWS = {
    "mlp-sgd": ("mlp", (28, 28, 1), "sgd"),
    "mlp-sam": ("mlp", (28, 28, 1), "sam"),
    "mlp-trace-sam": ("mlp", (28, 28, 1), "trace-sam"),
    "cnn-sgd": ("cnn", (28, 28, 1), "sgd"),
    "cnn-sam": ("cnn", (28, 28, 1), "sam"),
    "resnet16-sgd": ("resnet16", (28, 28, 1), "sgd"),
    "resnet16-sam": ("resnet16", (28, 28, 1), "sam"),
    "resnet4-sgd": ("resnet4", (32, 32, 3), "sgd"),
    "resnet4-sam": ("resnet4", (32, 32, 3), "sam"),
}


def build(model_name, in_shape):
    if model_name == "mlp":
        return mlp(in_shape, 10)
    if model_name == "cnn":
        return cnn(in_shape, 10)
    if model_name == "resnet16":
        return resnet(in_shape, 10, 1 / 16)
    return resnet(in_shape, 10, 1 / 4)


def sam_step(model, loss_fn, x, y, opt, rho):
    """SAM (Foret et al.) as usam's sam(): gradient at w, ascend to w + rho g/||g||, gradient
    there, restore w and the BatchNorm running statistics the perturbed pass moved, base step."""
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    buffers = [b.clone() for b in model.buffers()]
    with torch.no_grad():
        norm = torch.norm(torch.stack([p.grad.norm(2) for p in params]), 2)
        scale = rho / (norm + 1e-12)
        offsets = []
        for p in params:
            e = p.grad * scale
            p.add_(e)
            offsets.append(e)
    opt.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    with torch.no_grad():
        for p, e in zip(params, offsets):
            p.sub_(e)
        for b, saved in zip(model.buffers(), buffers):
            b.copy_(saved)
    opt.step()
    return loss


def trace_sam_step(model, loss_fn, x, y, opt, rho, lam):
    """Trace-SAM with one sample as usam's traceSam(): gradient g at w, gradient g1 at w + rho e
    with e ~ N(0, I) over every weight, restore w and the BatchNorm statistics, base step with
    (1 - lam) g + lam g1."""
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    clean = [p.grad for p in params]
    buffers = [b.clone() for b in model.buffers()]
    with torch.no_grad():
        offsets = []
        for p in params:
            e = torch.randn_like(p).mul_(rho)
            p.add_(e)
            offsets.append(e)
    opt.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    with torch.no_grad():
        for p, e, g in zip(params, offsets, clean):
            p.sub_(e)
            p.grad.mul_(lam).add_(g, alpha=1 - lam)
        for b, saved in zip(model.buffers(), buffers):
            b.copy_(saved)
    opt.step()
    return loss


def sgd_step(model, loss_fn, x, y, opt):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


def warm_up(step, warmup_steps, warmup_seconds, window_seconds):
    """bench/step_timing.ts warmUp, line for line: (steps per window, warm-up steps run)."""
    warmup_times = []
    warmup_start = time.perf_counter()
    while len(warmup_times) < warmup_steps or (
            time.perf_counter() - warmup_start < warmup_seconds and len(warmup_times) < 1000):
        start = time.perf_counter()
        step()
        warmup_times.append(time.perf_counter() - start)
    # The first warm-up step is the slowest by far (allocation): calibrate on the rest.
    typical = statistics.median(warmup_times[1:] if len(warmup_times) > 1 else warmup_times)
    return max(1, round(window_seconds / max(typical, 1e-6))), len(warmup_times)


def time_window(step, steps_per_window, batch_size):
    """bench/step_timing.ts timeWindow: images/s of one window."""
    start = time.perf_counter()
    for _ in range(steps_per_window):
        step()
    return batch_size * steps_per_window / (time.perf_counter() - start)


def summarize(rates, batch_size, steps_per_window, warmup_steps):
    """bench/step_timing.ts summarizeWindows."""
    rate = statistics.median(rates)
    return {
        "imagesPerSecond": rate,
        "msPerStep": 1000 * batch_size / rate,
        "minImagesPerSecond": min(rates),
        "maxImagesPerSecond": max(rates),
        "windows": len(rates),
        "stepsPerWindow": steps_per_window,
        "warmupSteps": warmup_steps,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--row", required=True, choices=sorted(ROWS))
    parser.add_argument("--warmup", type=int, default=3, help="at least this many warm-up steps")
    parser.add_argument("--warmup-seconds", type=float, default=1.0, help="and at least this long")
    parser.add_argument("--windows", type=int, default=5, help="timed windows")
    parser.add_argument("--window-seconds", type=float, default=0.5, help="length of one window")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (issue 9: 2)")
    parser.add_argument("--serve", action="store_true",
                        help="after the warm-up print {\"ready\": true}, then time one window per "
                             "'window' line on stdin (printing {\"rate\": ...}) until 'done'")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_name, in_shape, optimizer = ROWS[args.row]
    torch.manual_seed(0)
    model = build(model_name, in_shape)
    model.train()
    h, w, c = in_shape
    x = torch.randn(args.batch_size, c, h, w)
    y = torch.randint(0, 10, (args.batch_size,))
    loss_fn = nn.CrossEntropyLoss()
    # usam's defaults: SGD momentum 0.9, weight decay 5e-4 (src/optimizers/factory.ts); a small lr
    # keeps random-data training sane over the run. SAM rho 0.05; Trace-SAM rho 0.01, lambda 1.
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)

    def step():
        if optimizer == "sgd":
            loss = sgd_step(model, loss_fn, x, y, opt)
        elif optimizer == "trace-sam":
            loss = trace_sam_step(model, loss_fn, x, y, opt, 0.01, 1.0)
        else:
            loss = sam_step(model, loss_fn, x, y, opt, 0.05)
        return float(loss)

    steps_per_window, warmup_steps = warm_up(step, max(1, args.warmup), args.warmup_seconds,
                                             args.window_seconds)
    rates = []
    if args.serve:
        # bench/anchor.ts alternates this side's windows with usam's, so both see the same load.
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            if line.strip() == "done":
                break
            rates.append(time_window(step, steps_per_window, args.batch_size))
            print(json.dumps({"rate": rates[-1]}), flush=True)
    else:
        rates = [time_window(step, steps_per_window, args.batch_size) for _ in range(args.windows)]
    timing = summarize(rates, args.batch_size, steps_per_window, warmup_steps)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    running = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({
        "row": args.row,
        **timing,
        "trainableParameters": trainable,
        "nonTrainableParameters": running,
        "peakRssMiB": peak_kib / 1024,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
    }))


if __name__ == "__main__":
    sys.exit(main())
