#!/usr/bin/env bash
# One step on many ssh hosts, side by side with Ansible and plain ssh in one run.
#
#   sudo bench/targets_fanout.sh                   (after a build in ./build)
#   sudo RUNS=7 SIZES="20 50" BUILD=build-release bench/targets_fanout.sh
#
# The lab is bench/ssh_lab.sh's: up to 50 network namespaces, each with a
# real sshd on its own address, reached from a controller namespace, so this
# machine's own addresses and routes are never touched.
#
# For each lab size (SIZES, default "20 50") and RUNS rounds (default 5), in
# turn, on every host of the lab size:
#   responder  `responder run` of a one-step playbook: firewall.block of
#              203.0.113.7 with `targets: all`, --forks = hosts (plan, then
#              apply with its verify, on each host over one ControlMaster connection,
#              the far side running `responder step`);
#   ansible    ansible-playbook (Debian's ansible-core), one
#              ansible.builtin.command task `nft add element inet responder
#              src4 { 203.0.113.7 }`, facts off, pipelining on, forks = hosts,
#              the same inventory, ssh configuration and known_hosts;
#   ssh        `ssh host nft add element ... &` for every host, then wait:
#              the transport floor.
# Before each timed run every host's ruleset is flushed (for ansible and ssh
# the table and set are then made again, untimed), so every run does the same
# work; each responder run has a fresh incident; Ansible's persistent ssh
# masters are ended after each of its runs, so every run connects afresh.
# After each run every host is checked to hold the address. Medians are
# printed, and the ratios pair by pair (round i's responder against round i's
# ansible), with their median. Where responder's time goes: from the journal
# record times of its median round, and from one more run whose far side is
# a wrapper noting when each `responder step` began and ended.
#
# Then fsyncs: `responder run` under strace on 1, 20 and 50 hosts (FSYNC_SIZES),
# once with one firewall.block step and once with two; the difference is
# what one step costs, the rest is the run's own records (incident.opened,
# run.started, stage.started, run.finished) and the files they live in.
# Installs openssh-server, ansible-core, nftables and strace from Debian if
# missing. Must run as root (namespaces, sshd, nft). Bounded: each command
# has a timeout, and the lab is removed at exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${RUNS:-5}
sizes=${SIZES:-"20 50"}
fsync_sizes=${FSYNC_SIZES:-"1 20 50"}
per_command_timeout=${TIMEOUT:-180}
attacker=203.0.113.7
case $build in /*) ;; *) build="$(pwd)/$build" ;; esac
responder="$build/responder"
[ -x "$responder" ] || { echo "bench: build first (cmake --build $build --target responder)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces, sshd, nft)" >&2; exit 2; }
. bench/ssh_lab.sh
ssh_lab_install_tools nft=nftables


max=0
for n in $sizes $fsync_sizes; do [ "$n" -gt "$max" ] && max=$n; done

# --- the lab, removed at exit whatever happens --------------------------------
ssh_lab_start rfan "$max"
work=$lab_work
ctl=$lab_ctl
inventory() { ssh_lab_inventory "$1"; }
end_masters() { ssh_lab_end_masters; }
cat >"$work/responder.yaml" <<EOF
targets:
  ssh_config: $work/ssh_config
  remote_program: $responder
  connect_timeout: 5s
EOF
block_step() {
  printf '    - id: %s\n      module: firewall.block\n      targets: all\n      with: {addresses: ["%s"]}\n' "$1" "$2"
}
{ printf 'name: fanout\ndescription: block one address on every host\nseverity: important\nstages:\n  isolate-and-contain:\n'
  block_step block "$attacker"; } >"$work/block.yaml"
{ cat "$work/block.yaml"; block_step block2 203.0.113.8; } >"$work/block2.yaml"
cat >"$work/block.yml" <<EOF
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.command: nft add element inet responder src4 { $attacker }
EOF
: >"$work/ansible.cfg"
mkdir -p "$work/ansible"

reset_hosts() {  # N [make-set]: every host's ruleset emptied (and the set made again)
  local script="flush ruleset"
  [ "${2:-}" = make-set ] && script+=$'\nadd table inet responder\nadd set inet responder src4 { type ipv4_addr; }'
  for ((i = 1; i <= $1; i++)); do ip netns exec "$(host_ns $i)" nft -f - <<<"$script"; done
}
check_hosts() {  # N WHO: every host holds the address, from its own kernel
  for ((i = 1; i <= $1; i++)); do
    [[ $(ip netns exec "$(host_ns $i)" nft list ruleset) == *"$attacker"* ]] ||
      { echo "bench: $2 did not block $attacker on host $i" >&2; exit 1; }
  done
}
# Each run_* sets $secs (no subshell: a failure must end the script, and the
# incident counter must carry on).
declare -A took
incident_seq=0
secs=0
run_responder() {  # N: sets $secs and $last_incident
  local n=$1 inv start end
  inv=$(inventory "$n")
  incident_seq=$((incident_seq + 1))
  last_incident="FANOUT-$n-$incident_seq"
  reset_hosts "$n"
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" "$responder" --config "$work/responder.yaml" --home "$work/incidents" \
    run "$work/block.yaml" --incident "$last_incident" -i "$inv" --forks "$n" >"$work/out.log" 2>&1 ||
    { echo "bench: responder failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  check_hosts "$n" responder
  echo "$start $end" >"$work/incidents/$last_incident.wall"
  secs=$("$py" -c "print(f'{$end - $start:.3f}')")
}
run_ansible() {
  local n=$1 inv start end
  inv=$(inventory "$n")
  reset_hosts "$n" make-set
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" env ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_HOME="$work/ansible" \
    ANSIBLE_LOCAL_TEMP="$work/ansible/tmp" ANSIBLE_SSH_CONTROL_PATH_DIR="$work/ansible/cp" \
    ANSIBLE_PIPELINING=True ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ANSIBLE_SSH_ARGS="-F $work/ssh_config -C -o ControlMaster=auto -o ControlPersist=60s" \
    ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False \
    ansible-playbook -i "$inv" --forks "$n" "$work/block.yml" >"$work/out.log" 2>&1 ||
    { echo "bench: ansible-playbook failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  end_masters
  check_hosts "$n" ansible
  secs=$("$py" -c "print(f'{$end - $start:.3f}')")
}
run_ssh() {
  local n=$1 start end addrs=()
  for ((i = 1; i <= n; i++)); do addrs+=("$(host_addr $i)"); done
  reset_hosts "$n" make-set
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" bash -c '
    cfg=$1 attacker=$2; shift 2
    for h in "$@"; do ssh -F "$cfg" "root@$h" nft add element inet responder src4 { "$attacker" } & done
    wait' _ "$work/ssh_config" "$attacker" "${addrs[@]}" >"$work/out.log" 2>&1 ||
    { echo "bench: plain ssh failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  check_hosts "$n" "plain ssh"
  secs=$("$py" -c "print(f'{$end - $start:.3f}')")
}

# Where a responder run's time went, from its journal's record times (ms)
# and the wall clock around the process.
phases() {  # INCIDENT
  "$py" - "$work/incidents/$1" <<'EOF'
import json, sys, datetime
d = sys.argv[1]
start, end = (float(x) for x in open(d + ".wall").read().split())
first = {}  # kind -> time of its first record (records made durable together share one)
for line in open(d + "/journal.jsonl"):
    r = json.loads(line)
    when = datetime.datetime.fromisoformat(r["time"].rstrip("Z")).replace(tzinfo=datetime.timezone.utc)
    first.setdefault(r["kind"], when.timestamp())
marks = [("start-up, inventory, incident created", "incident.opened"),
         ("to the step (run/stage records)", "stage.started"),
         ("plan on every host (ssh connect + far side)", "step.started"),
         ("apply+verify on every host", "step.verified"),
         ("to run.finished", "run.finished")]
prev, out = start, []
for label, kind in marks:
    if kind not in first: continue
    out.append(f"{label} {1000 * (first[kind] - prev):.0f}")
    prev = first[kind]
out.append(f"closing ssh masters, exit {1000 * (end - prev):.0f}")
print("; ".join(out) + " ms")
EOF
}
# One more responder run, untimed, whose far side is a wrapper that notes
# when each `responder step` began and ended on which host: how long the far
# side works, against how long ssh takes to get there.
cat >"$work/far_side.sh" <<EOF
#!/bin/bash
began=\$EPOCHREALTIME
"$responder" "\$@"
code=\$?
set -- \$SSH_CONNECTION
echo "\$began \$EPOCHREALTIME \$3" >>"$work/far_side.times"
exit \$code
EOF
chmod +x "$work/far_side.sh"
sed "s|remote_program: .*|remote_program: $work/far_side.sh|" "$work/responder.yaml" >"$work/responder-timed.yaml"
anatomy() {  # N: prints one line
  local n=$1 inv start end
  inv=$(inventory "$n")
  reset_hosts "$n"
  rm -f "$work/far_side.times"
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" "$responder" --config "$work/responder-timed.yaml" --home "$work/incidents" \
    run "$work/block.yaml" --incident "ANATOMY-$n" -i "$inv" --forks "$n" >"$work/out.log" 2>&1 ||
    { echo "bench: responder failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  check_hosts "$n" responder
  "$py" - "$start" "$end" "$work/far_side.times" <<'EOF'
import collections, statistics, sys
start, end = float(sys.argv[1]), float(sys.argv[2])
calls = collections.defaultdict(list)
for line in open(sys.argv[3]):
    began, ended, host = line.split()
    calls[host].append((float(began) - start, float(ended) - float(began)))
out = []
# Apply carries its verify; a third call is a verify asked apart (when the
# apply's own could not answer).
for k, op in enumerate(("plan", "apply+verify", "verify apart")):
    c = [sorted(v)[k] for v in calls.values() if len(v) > k]
    if not c: continue
    out.append(f"{op} {1000 * statistics.median(d for _, d in c):.0f} ms each (median), begun {min(b for b, _ in c):.2f}..{max(b for b, _ in c):.2f} s")
last = max(b + d for v in calls.values() for b, d in v)
print("; ".join(out) + f"; last answer {last:.2f} s, exit {end - start:.2f} s")
EOF
}

printf '\nfirewall.block of one address on N ssh hosts (lab namespaces, one sshd each), %d rounds, wall seconds\n' "$runs"
for n in $sizes; do
  r_list="" a_list="" s_list=""
  # One untimed round first: page cache, ansible's imports, sshd's first fork.
  run_responder "$n"; run_ansible "$n"; run_ssh "$n"
  for ((round = 1; round <= runs; round++)); do
    run_responder "$n"; r=$secs; r_list+=" $r"; r_incidents[$round]=$last_incident
    run_ansible "$n"; a=$secs; a_list+=" $a"
    run_ssh "$n"; s=$secs; s_list+=" $s"
    printf '  %2d hosts round %d: responder %6.3f  ansible %6.3f  ssh %6.3f\n' "$n" "$round" "$r" "$a" "$s"
  done
  took[$n,r]=$(median $r_list) took[$n,a]=$(median $a_list) took[$n,s]=$(median $s_list)
  # The round whose responder time is the median, for the phase breakdown.
  mid=$("$py" -c 'import sys; v=[float(x) for x in sys.argv[1:]]; s=sorted(range(len(v)), key=v.__getitem__); print(s[len(v)//2] + 1)' $r_list)
  took[$n,phases]=$(phases "${r_incidents[$mid]}")
  took[$n,anatomy]=$(anatomy "$n")
  took[$n,ra]=$(ratios "$r_list" "$a_list")
  took[$n,rs]=$(ratios "$r_list" "$s_list")
done

fsyncs() {  # N PLAYBOOK: sets $all and $journal, the fsync/fdatasync calls of one responder run
  local n=$1 book=$2 inv trace
  inv=$(inventory "$n")
  incident_seq=$((incident_seq + 1))
  reset_hosts "$n"
  trace="$work/strace.$incident_seq"
  timeout "$per_command_timeout" strace -f -y -qq -e trace=fsync,fdatasync -o "$trace" \
    ip netns exec "$ctl" "$responder" --config "$work/responder.yaml" --home "$work/incidents" \
    run "$book" --incident "FSYNC-$n-$incident_seq" -i "$inv" --forks "$n" >"$work/out.log" 2>&1 ||
    { echo "bench: responder under strace failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  check_hosts "$n" responder
  all=$(grep -cE '(fsync|fdatasync)\(' "$trace" || true)
  journal=$(grep -E '(fsync|fdatasync)\(' "$trace" | grep -c 'journal\.jsonl' || true)
}
printf '\nfsync + fdatasync calls of one `responder run` (strace -f), one step vs two steps on N hosts\n'
printf '  %-6s %-22s %-22s %-26s %s\n' hosts "1 step: all/journal" "2 steps: all/journal" "per step: all/journal" "run's own: all/journal"
for n in $fsync_sizes; do
  fsyncs "$n" "$work/block.yaml"; one_all=$all one_journal=$journal
  fsyncs "$n" "$work/block2.yaml"; two_all=$all two_journal=$journal
  step_all=$((two_all - one_all)) step_journal=$((two_journal - one_journal))
  printf '  %-6s %-22s %-22s %-26s %s\n' "$n" "$one_all/$one_journal" "$two_all/$two_journal" "$step_all/$step_journal" \
    "$((one_all - step_all))/$((one_journal - step_journal))"
  took[$n,fsync_step]=$step_journal
done
printf '  (target: at most 2 journal syncs per step per batch of hosts; --forks = hosts, so one batch)\n'

printf '\nsummary, medians of %d rounds (wall seconds); ratios: the median of the rounds\x27 own ratios\n' "$runs"
printf '  %-6s %-10s %-10s %-10s %-36s %s\n' hosts responder ansible "plain ssh" "responder/ansible (target <= 0.20)" "responder/ssh (target <= 1.5)"
for n in $sizes; do
  printf '  %-6s %-10s %-10s %-10s %-36s %s\n' "$n" "${took[$n,r]}" "${took[$n,a]}" "${took[$n,s]}" "${took[$n,ra]}" "${took[$n,rs]}"
done
for n in $sizes; do
  ra=${took[$n,ra]%%x*} rs=${took[$n,rs]%%x*}
  "$py" -c "
ra, rs = $ra, $rs
print(f'  {$n} hosts: responder {1 / ra:.1f}x as fast as ansible (target 5x: {\"met\" if ra <= 0.2 else \"MISSED\"}), '
      f'{rs:.2f}x the plain-ssh floor (target 1.5x: {\"met\" if rs <= 1.5 else \"MISSED\"})')"
done
set -- $sizes
if [ $# -ge 2 ]; then
  "$py" -c "
lo, hi = $1, $2
for name, a, b in (('responder', ${took[$1,r]}, ${took[$2,r]}), ('ansible', ${took[$1,a]}, ${took[$2,a]}),
                   ('plain ssh', ${took[$1,s]}, ${took[$2,s]})):
    print(f'  {name:9} from {lo} to {hi} hosts: x{b / a:.2f} the time, {1000 * (b - a) / (hi - lo):.0f} ms more per added host')"
fi
printf '\nwhere a responder run spends its time (the median round, from its journal)\n'
for n in $sizes; do printf '  %2s hosts: %s\n' "$n" "${took[$n,phases]}"; done
printf 'the far side of one more run (each `responder step` timed by a wrapper; seconds from the start)\n'
for n in $sizes; do printf '  %2s hosts: %s\n' "$n" "${took[$n,anatomy]}"; done
