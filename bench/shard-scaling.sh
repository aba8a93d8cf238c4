#!/bin/bash
# Scaling of sharded batch parsing: the same photos parsed by 1 worker and by 2 concurrent workers (--shard 0/2 and 1/2),
# one compute thread each, ROUNDS times with the order alternated (1 then 2, 2 then 1, ...); prints per round images/s of
# both and two ratios, then their medians (issue 15 target on 2 idle cores: >= 1.8x).
#   bench/shard-scaling.sh PHOTO_FOLDER [COUNT=all] [MODEL=default]
# - wall ratio: photos / wall time of each run, launch to the last exit, start-up and model load included, as an array
#   task sees it. The pair ends when its larger shard does, and a stable hash splits a list binomially (900 photos: 432
#   and 468), so on a few hundred photos this ratio also carries the split, which vanishes over a million.
# - window ratio: photos finished by the pair while both workers ran (launch to the first exit) against photos finished by
#   the single worker over the same time from its own launch (the manifests' start times + ms). The same time windows,
#   start-up included, but no share of the split's tail: how much the machine does with two workers instead of one.
# Env: FACEPARSE (default: dotnet src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll), SEGMENT_ARGS (default:
# --size 256 --out-size 256), ROUNDS (default 3).
set -euo pipefail
PHOTOS=$(cd "${1:?usage: bench/shard-scaling.sh PHOTO_FOLDER [COUNT] [MODEL]}" && pwd)
COUNT=${2:-all}
MODEL=${3:-default}
ROUNDS=${ROUNDS:-3}
LIB=$(dirname "$0")/lib/manifest.awk
FACEPARSE=${FACEPARSE:-dotnet $(dirname "$0")/../src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll}
read -r -a EXTRA <<< "${SEGMENT_ARGS:---size 256 --out-size 256}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$PHOTOS" && find . -maxdepth 2 -type f \( -iname '*.jpg' -o -iname '*.png' \) | sed 's|^\./||' | sort \
  | if [ "$COUNT" = all ]; then cat; else head -n "$COUNT"; fi) > "$WORK/list.txt"
n=$(wc -l < "$WORK/list.txt")

run() { # OUT SHARD... → "launch first-exit last-exit" (epoch seconds)
  local out=$1; shift
  local start first pids=()
  rm -rf "$out"
  start=$(date +%s.%N)
  for s in "$@"; do
    $FACEPARSE segment --inputs "$WORK/list.txt" --root "$PHOTOS" -o "$out" --model "$MODEL" --threads 1 --shard "$s" "${EXTRA[@]}" \
      > /dev/null 2>> "$WORK/log" & pids+=($!)
  done
  wait -n || true
  first=$(date +%s.%N)
  for p in "${pids[@]}"; do wait "$p" || true; done
  echo "$start $first $(date +%s.%N)"
}

# OUT LAUNCH WINDOW → photos whose ok record ends (start time + ms) within WINDOW seconds of LAUNCH; then the shard sizes
finished() {
  cat "$1"/_manifest/shard-*.jsonl | awk -v launch="$2" -v window="$3" -f "$LIB" -f /dev/fd/3 3<<'EOF'
    /"status":"ok"/ { if (finished() <= launch + window) done++ }
    /"event":"start"/ { sizes = sizes (sizes == "" ? "" : "/") field("assigned") }
    END { printf "%d %s\n", done, sizes }
EOF
}

echo "photos $n, ${ROUNDS} rounds, load average before the first $(cut -d' ' -f1 /proc/loadavg)"
for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2 == 0)); then
    read -r s1 _ e1 < <(run "$WORK/one" 0/1); read -r s2 f2 e2 < <(run "$WORK/two" 0/2 1/2)
  else
    read -r s2 f2 e2 < <(run "$WORK/two" 0/2 1/2); read -r s1 _ e1 < <(run "$WORK/one" 0/1)
  fi
  window=$(awk -v a="$s2" -v b="$f2" 'BEGIN { printf "%.3f", b - a }')
  read -r pair sizes < <(finished "$WORK/two" "$s2" "$window")
  read -r single _ < <(finished "$WORK/one" "$s1" "$window")
  awk -v r="$((r + 1))" -v n="$n" -v s1="$s1" -v e1="$e1" -v s2="$s2" -v e2="$e2" -v w="$window" -v p="$pair" -v q="$single" -v sizes="$sizes" 'BEGIN {
    a = n / (e1 - s1); b = n / (e2 - s2);
    printf "round %d: 1 worker %.2f images/s (%.1f s); 2 workers %.2f images/s (%.1f s, shards %s); wall ratio %.2fx; ", r, a, e1 - s1, b, e2 - s2, sizes, b / a;
    printf "in the first %.1f s the pair finished %d photos, one worker %d: window ratio %.2fx\n", w, p, q, (q > 0 ? p / q : 0) }' | tee -a "$WORK/rounds"
done
awk '{ for (i = 1; i <= NF; i++) { if ($i == "wall") wall[NR] = $(i + 2); if ($i == "window") win[NR] = $(i + 2) } }
  function median(v, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return k % 2 ? v[(k + 1) / 2] + 0 : (v[k / 2] + v[k / 2 + 1]) / 2 }
  END { printf "median over %d rounds: wall ratio %.2fx, window ratio %.2fx\n", NR, median(wall, NR), median(win, NR) }' "$WORK/rounds"
