#!/usr/bin/env bash
# Fills .gpu/ (git-ignored) with what bench/gpu/run.sh needs on the GPU machine, which has no
# network: the Deno binary, xz-compressed (95 MB → about 25 MB), and node_modules trimmed to the
# packages and files a run loads (TF.js's Node bundles, not its ES bundles, source maps and
# typings), as tar.xz. With --gl it also downloads the Vulkan loader packages into .gl/ as the
# device README says. Everything carried must stay under the 64 MiB limit with the tree; the
# sizes are printed.
#
#   bash bench/gpu/pack.sh [--gl]
#
# Then the device call: carry [".gpu", ".gl"], command
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; bash bench/gpu/run.sh --out $OUT
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu
deno_binary="$(readlink -f "$(command -v deno)")"
xz -T0 -9 -c "$deno_binary" > .gpu/deno.xz

stage="$(mktemp -d /tmp/usam-gpu-pack.XXXXXX)"
cp -a node_modules "$stage/"
nm="$stage/node_modules"
# Packages nothing in training or the benchmark loads (report charts, property tests, typings)
# keep only their package.json and Deno's .initialized marker: with every package of deno.lock
# marked installed, Deno does not try to download the missing ones (there is no network there).
find "$nm/.deno" -mindepth 1 -maxdepth 1 -type d \( -name 'vega*' -o -name 'd3-*' \
  -o -name 'fast-check@*' -o -name '@types+*' -o -name '@webgpu+types@*' \) -print0 \
  | xargs -0 -I{} find {} -type f ! -name package.json ! -name .initialized -delete
# TF.js: Deno loads each package's "main", the dist/tf-*.node.js bundle (and the wasm binaries).
for dir in "$nm"/.deno/@tensorflow+*/node_modules/@tensorflow/*; do
  find "$dir/dist" -mindepth 1 -maxdepth 1 ! -name '*.node.js' ! -name '*.wasm' -exec rm -rf {} +
done
find "$nm" \( -name '*.map' -o -name '*.d.ts' -o -name '*.md' -o -name '*.ts.map' \) -type f -delete
tar -C "$stage" -cJf .gpu/node_modules.tar.xz node_modules
rm -rf "$stage"
# Deno's npm registry metadata (registry.json of each package, no tarballs): without it Deno
# asks the registry about every import-map package at start, which there would fail or hang.
npm_cache="$(deno info --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["npmCache"])')"
(cd "$npm_cache" && find registry.npmjs.org -name registry.json -print0 \
  | tar --null -T - -cJf "$OLDPWD/.gpu/npm-registry.tar.xz")

if [ "${1:-}" = "--gl" ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gpu/* .gl 2>/dev/null || true
