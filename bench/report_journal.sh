#!/usr/bin/env bash
# The post-incident report of a 100,000-record journal, side by side in one
# run with what a responder would otherwise do with the journal: jq turning
# it into a timeline (seq, time, kind, step), and sha256sum reading it (the
# floor: one pass over the bytes).
#
#   bench/report_journal.sh                 (after a build in ./build)
#   RECORDS=100000 BUILD=build bench/report_journal.sh
#
# The journal: a real run of 200 note.add steps on tmpfs, whose step records
# are then repeated (renamed, renumbered, the hash chain made anew, so that
# it verifies) until it holds RECORDS records. Target: every format in
# under 2 s.
set -euo pipefail
. "$(dirname "$0")/many_notes_playbook.sh"
cd "$(dirname "$0")/.."
build=${BUILD:-build}
steps=200
wanted=${RECORDS:-100000}
responder="$build/responder"
[ -x "$responder" ] || { echo "bench: build first (cmake --build $build)" >&2; exit 2; }
command -v jq >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null

work=$(mktemp -d /dev/shm/responder-report-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
write_many_notes_playbook "$steps" "$work/many-notes.yaml"
"$responder" --home "$work/incidents" run "$work/many-notes.yaml" --incident BENCH >/dev/null
journal="$work/incidents/BENCH/journal.jsonl"
python3 - "$journal" "$wanted" <<'PY'
import hashlib, json, sys
path, wanted = sys.argv[1], int(sys.argv[2])
records = [json.loads(line) for line in open(path, encoding="utf-8")]
first = next(i for i, r in enumerate(records) if r["kind"] == "step.planned")
head, body, tail = records[:first], records[first:-1], records[-1:]
out, rounds = list(head), 0
while len(out) + 1 < wanted:
    for r in body:
        r = dict(r)
        if "step" in r:
            r["step"] = f'{r["step"]}-{rounds}'
        out.append(r)
    rounds += 1
out += tail
prev = "0" * 64
with open(path, "w", encoding="utf-8") as f:
    for seq, r in enumerate(out, 1):
        r["seq"], r["prev"] = seq, prev
        line = json.dumps(r, separators=(",", ":"), ensure_ascii=False)
        prev = hashlib.sha256(line.encode()).hexdigest()
        f.write(line + "\n")
PY
records=$(wc -l <"$journal")
echo "journal: $records records, $(du -h "$journal" | cut -f1)"

best() {  # the fastest of three runs, in seconds
  local best="" t start end
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}
command -v bc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null

jq_time=$(best jq -r '[.seq, .time, .kind, (.step // "")] | @tsv' "$journal")
sum_time=$(best sha256sum "$journal")
printf '%-34s %8s %14s %14s\n' "what" "seconds" "vs jq" "vs sha256sum"
printf '%-34s %8s\n' "jq timeline" "$jq_time" "sha256sum" "$sum_time"
status=0
for format in json md html; do
  t=$(best "$responder" --home "$work/incidents" report BENCH --format "$format" --out "$work/report.$format" 2>/dev/null)
  printf '%-34s %8s %13.2fx %13.2fx\n' "responder report --format $format" "$t" \
    "$(echo "$t / $jq_time" | bc -l)" "$(echo "$t / $sum_time" | bc -l)"
  if [ "$(echo "$t < 2" | bc -l)" = 1 ]; then echo "  target < 2 s: met"; else echo "  target < 2 s: MISSED"; status=1; fi
done
exit $status
