#!/bin/bash
# Issue 11's rows, FaceParse and libtorch side by side: inference for fp-liif-small (the bundled default) and fp-liif
# (seeded preset) at 256 → 512 and 512 → 512, then training at 256 (batch 4), each at 1 and 2 threads; then segface-mobilenet
# (seeded) at 512: inference, and training with batch 2.
#   tests/tools/TorchBench/run-all.sh [REPEATS=7] [STEPS=3]    (after: dotnet build -c Release tests/tools/TorchBench)
set -euo pipefail
cd "$(dirname "$0")/../../.."
TOOL="dotnet tests/tools/TorchBench/bin/Release/net10.0/linux-x64/TorchBench.dll"
for model in default fp-liif; do
  for t in 1 2; do
    $TOOL infer "$model" 256 512 "$t" "${1:-7}"
    $TOOL infer "$model" 512 512 "$t" "${1:-7}"
  done
done
for model in default fp-liif; do
  for t in 1 2; do $TOOL train "$model" 256 4 "$t" "${2:-3}"; done
done
for t in 1 2; do $TOOL infer segface-mobilenet 512 512 "$t" "${1:-7}"; done
for t in 1 2; do $TOOL train segface-mobilenet 512 2 "$t" "${2:-3}"; done
