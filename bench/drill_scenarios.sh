#!/usr/bin/env bash
# How fast a drill contains each scenario's attack, from the lab's own
# counters: the time from the moment the attack is in the capture handed to
# the playbook (it became detectable) until the victim's kernel drops it,
# and from the attack's first packet; and how long each drill takes from
# the command to a clean teardown. Target: contained under 1 s after the
# attack became detectable (a person reading the same capture, deciding and
# typing the rules needs minutes). For a release drill, the time from the
# advisory (or the attack) until every host has the fix, by its own dpkg.
# Needs root, nmap, hping3, samba and systemd (./setup.sh).
#
#   bench/drill_scenarios.sh [RUNS]      (default 3 runs per scenario)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
responder=${RESPONDER:-$here/build/responder}
runs=${1:-3}
home=$(mktemp -d /tmp/responder-drill-bench-XXXXXX)
trap 'chattr -R -i -a "$home" 2>/dev/null || true; rm -rf "$home"' EXIT

median() { grep -v '^-$' | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# A time of the drill.scored record, "-" where the drill has none (a release contains nothing).
score_time() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])["times_ms"].get(sys.argv[2]); print("-" if v is None else v)' "$1" "$2"; }

printf '%-20s %-18s %5s %22s %20s %18s %18s\n' playbook scenario runs "detectable->dropped" "attack->dropped" "->all patched" "command->teardown"
for playbook in targeted-intrusion ddos-flood ransomware-outbreak fleet-block worm-outbreak emergency-patch; do
  contained=() from_attack=() patched=() total=() scenario=
  for i in $(seq 1 "$runs"); do
    id="BENCH-${playbook}-$i"
    start=$(date +%s%N)
    (cd "$here" && "$responder" --home "$home" drill "$playbook" --incident "$id" >"$home/$id.out" 2>&1) ||
      { echo "drill $id failed:"; tail -20 "$home/$id.out"; exit 1; }
    end=$(date +%s%N)
    record=$(grep '"kind":"drill.scored"' "$home/$id/journal.jsonl")
    scenario=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["scenario"])' "$record")
    contained+=("$(score_time "$record" contained_after_capture_ms)")
    from_attack+=("$(score_time "$record" containment_in_effect_ms)")
    patched+=("$(score_time "$record" patched_ms)")
    total+=($(( (end - start) / 1000000 )))
  done
  printf '%-20s %-18s %5s %19s ms %17s ms %15s ms %15s ms\n' "$playbook" "$scenario" "$runs" \
    "$(printf '%s\n' "${contained[@]}" | median)" "$(printf '%s\n' "${from_attack[@]}" | median)" \
    "$(printf '%s\n' "${patched[@]}" | median)" "$(printf '%s\n' "${total[@]}" | median)"
done
echo "(medians; counters sampled every 100 ms, so a time is exact to 100 ms)"
