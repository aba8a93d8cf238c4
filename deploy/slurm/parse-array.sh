#!/bin/bash
# FaceParse batch parsing as a Slurm job array: task i parses shard i of N (N = the array's task count).
#   sbatch --array=0-31 deploy/slurm/parse-array.sh /shared/photos /shared/inputs.txt /shared/out
# Keep the array contiguous and starting at 0 (or at SLURM_ARRAY_TASK_MIN, which faceparse subtracts); a throttle
# (--array=0-31%8) is fine. Resume: submit the same array again with the same N and list; done inputs are skipped.
# Retry only what failed transiently: tasks that exited 75 (EX_TEMPFAIL) or 143 (SIGTERM during start-up) — see
# `sacct -j JOBID -o JobID,ExitCode`.
# Afterwards: faceparse manifest summarize /shared/out
#SBATCH --job-name=faceparse
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=12:00:00
#SBATCH --output=faceparse-%A_%a.log
#SBATCH --requeue
set -euo pipefail

PHOTOS=${1:?usage: sbatch --array=0-(N-1) parse-array.sh PHOTOS_ROOT INPUTS_FILE OUT_DIR [MODEL]}
INPUTS=${2:?inputs file: one photo path per line, relative to PHOTOS_ROOT}
OUT=${3:?output folder (shared by every task)}
MODEL=${4:-default}
FACEPARSE=${FACEPARSE:-faceparse}   # e.g. FACEPARSE="dotnet /opt/faceparse/FaceParse.Cli.dll"

: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-(N-1)}"
# faceparse reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT itself; stderr is a file here,
# so it writes plain log lines (one per input) instead of a progress bar.
set +e
$FACEPARSE segment --inputs "$INPUTS" --root "$PHOTOS" -o "$OUT" --model "$MODEL" --threads "${SLURM_CPUS_PER_TASK:-1}"
code=$?
set -e
# 75: transient (store unwritable, out of disk, or SIGTERM handled after the photo in flight). 143: SIGTERM arrived while the
# .NET runtime was still starting, before faceparse could handle it; nothing was written, so it is as safe to retry.
if { [ "$code" -eq 75 ] || [ "$code" -eq 143 ]; } && [ "${SLURM_RESTART_COUNT:-0}" -lt 3 ]; then
  echo "faceparse: transient failure (exit $code); requeueing task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" >&2
  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
fi
exit "$code"
