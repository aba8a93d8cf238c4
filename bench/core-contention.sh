#!/bin/bash
# What a core loses when the other core works: a register-only FMA loop and a DRAM-streaming loop, each run alone and
# then as two processes at once, ROUNDS times (default 3). Prints seconds per run; compare "alone" with "paired".
#   bench/core-contention.sh [ROUNDS]
# Needs a Release build of bench/FaceParse.Bench (dotnet build -c Release bench/FaceParse.Bench).
set -euo pipefail
ROUNDS=${1:-3}
BENCH="dotnet $(dirname "$0")/FaceParse.Bench/bin/Release/net10.0/FaceParse.Bench.dll core-contention"
for kind in fma stream; do
  for ((r = 0; r < ROUNDS; r++)); do
    alone=$($BENCH "$kind" | cut -d' ' -f2)
    paired=$( ($BENCH "$kind" & $BENCH "$kind"; wait) | cut -d' ' -f2 | tr '\n' ' ')
    echo "$kind: alone ${alone} s, paired ${paired% } s"
  done
done
