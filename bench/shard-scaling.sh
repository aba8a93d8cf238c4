#!/bin/bash
# Scaling of sharded batch parsing: the same photos parsed by 1 worker, then by 2 concurrent workers (--shard 0/2 and
# 1/2), one compute thread each; prints images/s of both and the ratio (issue 15 target on 2 idle cores: >= 1.8x).
#   bench/shard-scaling.sh PHOTO_FOLDER [COUNT=40] [MODEL=default]
# Env: FACEPARSE (default: dotnet src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll), SEGMENT_ARGS (default:
# --size 256 --out-size 256). Wall time per run includes process start-up and model load, as in a real array task.
set -euo pipefail
PHOTOS=$(cd "${1:?usage: bench/shard-scaling.sh PHOTO_FOLDER [COUNT] [MODEL]}" && pwd)
COUNT=${2:-40}
MODEL=${3:-default}
FACEPARSE=${FACEPARSE:-dotnet $(dirname "$0")/../src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll}
read -r -a EXTRA <<< "${SEGMENT_ARGS:---size 256 --out-size 256}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$PHOTOS" && find . -maxdepth 2 -type f \( -iname '*.jpg' -o -iname '*.png' \) | sed 's|^\./||' | sort | head -n "$COUNT") > "$WORK/list.txt"
n=$(wc -l < "$WORK/list.txt")
run() { # OUT SHARD...
  local out=$1; shift
  local start end pids=()
  start=$(date +%s.%N)
  for s in "$@"; do
    $FACEPARSE segment --inputs "$WORK/list.txt" --root "$PHOTOS" -o "$out" --model "$MODEL" --threads 1 --shard "$s" "${EXTRA[@]}" \
      > /dev/null 2>> "$WORK/log" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  end=$(date +%s.%N)
  echo "$start $end"
}
read -r s1 e1 < <(run "$WORK/one" 0/1)
read -r s2 e2 < <(run "$WORK/two" 0/2 1/2)
awk -v n="$n" -v s1="$s1" -v e1="$e1" -v s2="$s2" -v e2="$e2" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
  a = n / (e1 - s1); b = n / (e2 - s2);
  printf "photos %d, load average before the last run %s\n", n, load;
  printf "1 worker x 1 thread : %6.2f images/s (%.1f s)\n", a, e1 - s1;
  printf "2 workers x 1 thread: %6.2f images/s (%.1f s)\n", b, e2 - s2;
  printf "ratio               : %6.2fx\n", b / a }'
