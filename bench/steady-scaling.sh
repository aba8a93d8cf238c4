#!/bin/bash
# Steady-state scaling of batch parsing on a noisy host: two long-running workers (one compute thread each) take turns
# between running together and one of them running alone, so both measurements meet the same host minutes.
#   bench/steady-scaling.sh PHOTO_FOLDER [PHASE_SECONDS=10] [CYCLES=6] [MODEL=default]
# After WARM seconds (default 20: start-up, model load and the JIT's tiering done) each cycle is a PHASE_SECONDS phase
# with both workers running, then a phase with one of them stopped (SIGSTOP/SIGCONT; the stopped one alternates).
# Each photo counts in the phase in which its manifest record finished (start time + ms). A photo in flight when a worker
# is stopped finishes in a later phase; one in flight when it resumes was partly done earlier: on average the two cancel.
# Prints per cycle both rates (the pair's split per worker, with the virtual CPU its main thread was on at each second)
# and their ratio, then the median ratio and the pooled one (all pair photos over all pair seconds against the same for
# the solo phases). This is the throughput of an array task in its long middle, which is
# what a million-photo run spends its hours in; bench/shard-scaling.sh measures launch to exit, start-up included.
# Each worker parses the whole folder into its own output (the per-photo work of a shard); a worker that runs out of
# photos before the last phase ends the run with an error (use fewer or shorter phases, or a larger folder).
# Env: FACEPARSE (default: dotnet src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll), SEGMENT_ARGS (default:
# --size 256 --out-size 256), WARM (default 20).
set -euo pipefail
PHOTOS=$(cd "${1:?usage: bench/steady-scaling.sh PHOTO_FOLDER [PHASE_SECONDS] [CYCLES] [MODEL]}" && pwd)
PHASE=${2:-10}
CYCLES=${3:-6}
MODEL=${4:-default}
[[ $PHASE =~ ^[1-9][0-9]*$ && $CYCLES =~ ^[1-9][0-9]*$ ]] || { echo "PHASE_SECONDS and CYCLES are whole numbers from 1" >&2; exit 2; }
WARM=${WARM:-20}
LIB=$(dirname "$0")/lib/manifest.awk
FACEPARSE=${FACEPARSE:-dotnet $(dirname "$0")/../src/FaceParse.Cli/bin/Release/net10.0/FaceParse.Cli.dll}
read -r -a EXTRA <<< "${SEGMENT_ARGS:---size 256 --out-size 256}"
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2> /dev/null || true; kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
(cd "$PHOTOS" && find . -maxdepth 2 -type f \( -iname '*.jpg' -o -iname '*.png' \) | sed 's|^\./||' | sort) > "$WORK/list.txt"
echo "photos $(wc -l < "$WORK/list.txt") per worker, warm-up ${WARM} s, ${CYCLES} cycles of ${PHASE} s together + ${PHASE} s alone," \
  "load average before $(cut -d' ' -f1 /proc/loadavg)"

for w in 0 1; do
  $FACEPARSE segment --inputs "$WORK/list.txt" --root "$PHOTOS" -o "$WORK/out$w" --model "$MODEL" --threads 1 --shard 0/1 \
    "${EXTRA[@]}" > /dev/null 2>> "$WORK/log$w" & pids+=($!)
done
alive() { for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null || { echo "a worker ended early: see below" >&2; cat "$WORK"/log* >&2; exit 1; }; done; }
now() { date +%s.%N; }

sleep "$WARM"; alive
: > "$WORK/phases" # one line per phase: cycle kind(pair|solo) running-worker(s) start end [worker 0's cpus, worker 1's]
# the virtual CPU each worker's main thread is on, sampled once a second during a pair phase → "0011… 1100…"
where() {
  local c0="" c1="" i
  for ((i = 0; i < PHASE; i++)); do
    sleep 1; c0+=$(ps -o psr= -p "${pids[0]}" | tr -d ' ' || echo -); c1+=$(ps -o psr= -p "${pids[1]}" | tr -d ' ' || echo -)
  done
  echo "$c0 $c1"
}
for ((c = 0; c < CYCLES; c++)); do
  a=$(now); cpus=$(where); b=$(now)
  echo "$((c + 1)) pair 01 $a $b $cpus" >> "$WORK/phases"
  stopped=$((c % 2 == 0 ? 1 : 0)); running=$((1 - stopped))
  kill -STOP "${pids[$stopped]}"
  a=$(now); sleep "$PHASE"; b=$(now)
  kill -CONT "${pids[$stopped]}"
  echo "$((c + 1)) solo $running $a $b" >> "$WORK/phases"
  alive
done

# worker ok-record end times, then the phases → per-cycle rates and ratios
for w in 0 1; do awk -v w="$w" -f "$LIB" -f /dev/fd/3 "$WORK/out$w"/_manifest/*.jsonl 3<<'EOF'
/"status":"ok"/ { printf "%s %.3f\n", w, finished() }
EOF
done > "$WORK/done"
awk '
  NR == FNR { w[NR] = $1; t[NR] = $2; n = NR; next }
  { k = 0; split("0 0", kw); for (i = 1; i <= n; i++) if (index($3, w[i]) && t[i] > $4 && t[i] <= $5) { k++; kw[w[i] + 1]++ }
    rate = k / ($5 - $4)
    if ($2 == "pair") { pr = rate; pk += k; ps += $5 - $4; each = sprintf("%.2f on cpu %s + %.2f on cpu %s", kw[1] / ($5 - $4), $6, kw[2] / ($5 - $4), $7) }
    else { if (k == 0) { print "no photo finished in a " phase_s($4, $5) " phase of one worker alone: use longer phases" > "/dev/stderr"; bad = 1; exit 1 }
      sk += k; ss += $5 - $4; r[$1] = pr / rate; cycles = $1
      printf "cycle %d: 2 workers %.2f images/s (%s), worker %d alone %.2f images/s: ratio %.2fx\n", $1, pr, each, $3, rate, pr / rate } }
  function phase_s(a, b) { return sprintf("%.1f s", b - a) }
  END { if (bad) exit 1
    for (i = 1; i <= cycles; i++) for (j = i + 1; j <= cycles; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
    med = cycles % 2 ? r[(cycles + 1) / 2] : (r[cycles / 2] + r[cycles / 2 + 1]) / 2
    printf "median ratio over %d cycles %.2fx (lowest %.2fx, highest %.2fx); pooled: %d photos in %.1f s together, %d in %.1f s alone: %.2fx\n",
      cycles, med, r[1], r[cycles], pk, ps, sk, ss, (pk / ps) / (sk / ss) }' "$WORK/done" "$WORK/phases"
