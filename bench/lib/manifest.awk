# Helpers for reading `faceparse segment` manifests (OUT/_manifest/shard-K-of-N.jsonl) in awk (mawk or gawk):
#   awk -f bench/lib/manifest.awk -f PROGRAM.awk OUT/_manifest/*.jsonl
# field(name): the value of a top-level "name": field of the current record ($0), quotes stripped; "" when absent.
# epoch(t):    an ISO-8601 UTC time (2026-12-07T15:14:24.1234567Z) as seconds since 1970, fraction kept.
# finished():  when the current ok record's photo finished: its start time plus its milliseconds.
function epoch(t,   y, m, d) {
  y = substr(t, 1, 4) + 0; m = substr(t, 6, 2) + 0; d = substr(t, 9, 2) + 0
  if (m <= 2) { y--; m += 12 }
  return (365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d - 719469) * 86400 \
    + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18)
}
function field(name,   v) {
  if (!match($0, "\"" name "\":\"?[^,\"}]*")) return ""
  v = substr($0, RSTART, RLENGTH); sub("\"" name "\":\"?", "", v); return v
}
function finished() { return epoch(field("time")) + field("ms") / 1000 }
