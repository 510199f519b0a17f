#!/usr/bin/env bash
# The prepared GPU check (issue 8). On the lent GPU machine, from the repository root, after
# bench/gpu/pack.sh has filled .gpu/ (Deno, a trimmed node_modules) and .gl/ (Vulkan loader
# packages) here and the device call carries both:
#
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; bash bench/gpu/run.sh --out $OUT
#
# Locally, end to end on Deno's software adapter (llvmpipe) with tiny sizes:
#
#   bash bench/gpu/run.sh --tiny --out /tmp/usam-gpu
#
# It (1) unpacks Deno and node_modules when they are not there, (2) times ResNet-18 steps on
# webgpu (SGD, SAM, Frob-SAM n=2, Det-SAM), (3) times the same model in PyTorch (float32, no
# TF32) on the same GPU, (4) prints the ratios, (5) runs one short real training through
# `deno task train --backend webgpu` on a synthetic CIFAR-10. Logs and JSON go to --out. Each
# part has its own time limit (330 + 120 + 150 s at most, inside a 600 s device call), so that
# a slow or hung part leaves the others' figures.
set -euo pipefail
cd "$(dirname "$0")/../.."

tiny=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny) tiny=1 ;;
    --out) out="$2"; shift ;;
    *) echo "usage: bash bench/gpu/run.sh [--tiny] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-/tmp/usam-gpu}"
mkdir -p "$out"
work="$(mktemp -d /tmp/usam-gpu-work.XXXXXX)"
started=$(date +%s)
stamp() { echo "[$(( $(date +%s) - started )) s] $*"; }

# 1. Deno and node_modules. xz may be missing from the image: Python's lzma and tarfile do the
# same work.
unxz_to() { xz -dc "$1" > "$2" 2>/dev/null || python3 -c 'import lzma, shutil, sys
shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
untar_xz() { tar -C "$2" -xJf "$1" 2>/dev/null || python3 -c 'import sys, tarfile
tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; }
if [ -f .gpu/deno.xz ]; then
  unxz_to .gpu/deno.xz "$work/deno"
  chmod +x "$work/deno"
  export PATH="$work:$PATH"
fi
if [ ! -d node_modules/@tensorflow ] && [ -f .gpu/node_modules.tar.xz ]; then
  untar_xz .gpu/node_modules.tar.xz .
fi
# Nothing is fetched: the machine has no network (and Deno must not try to).
export DENO_NO_UPDATE_CHECK=1
export DENO_DIR="${DENO_DIR:-$work/deno-dir}"
if [ -f .gpu/npm-registry.tar.xz ]; then
  mkdir -p "$DENO_DIR/npm"
  untar_xz .gpu/npm-registry.tar.xz "$DENO_DIR/npm"
fi
# Vulkan: the NVIDIA driver's ICD where the image mounts it (the device README).
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
deno --version | head -1
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

tinyflag=()
[ "$tiny" = 1 ] && tinyflag=(--tiny)
python=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null && python=/usr/bin/python3

# 2-4. Step throughput, webgpu and PyTorch, and the ratios. Each part may fail on its own; the
# others still run, and the script's status says whether all of them passed.
status=0
stamp "webgpu ResNet-18 steps"
timeout 330 deno run -A bench/gpu/step_bench.ts "${tinyflag[@]}" --json "$out/webgpu.json" 2>&1 \
  | grep -v "^Hi, looks like" | tee "$out/webgpu.log" || status=1
stamp "PyTorch ResNet-18 steps"
PYTHONUNBUFFERED=1 timeout 120 "$python" bench/gpu/torch_resnet.py "${tinyflag[@]}" --json "$out/torch.json" 2>&1 \
  | tee "$out/torch.log" || status=1
if [ -f "$out/webgpu.json" ] && [ -f "$out/torch.json" ]; then
  deno run -A bench/gpu/ratios.ts "$out/webgpu.json" "$out/torch.json" | tee "$out/ratios.txt" || status=1
else
  status=1
fi

# 5. One short real training through the command users run.
stamp "synthetic CIFAR-10"
deno run -A bench/gpu/synthetic_cifar.ts "$work/data"
if [ "$tiny" = 1 ]; then
  trainflags=(--model cnn --train-limit 64 --test-limit 64 --batch-size 32)
else
  trainflags=(--model resnet --train-limit 2560 --test-limit 1000 --batch-size 128)
fi
stamp "deno task train --backend webgpu ${trainflags[*]}"
timeout 150 deno task train --backend webgpu --dataset cifar10 --data-dir "$work/data" --optimizer sgd \
  --epochs 1 "${trainflags[@]}" --out "$out/train.json" 2>&1 \
  | grep -v "^Hi, looks like" | tee "$out/train.log" || status=1
grep -q '"status": "completed"' "$out/train.json" 2>/dev/null || status=1

rm -rf "$work"
stamp "done, status $status (figures in $out)"
exit $status
