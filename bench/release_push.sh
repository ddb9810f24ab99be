#!/usr/bin/env bash
# An emergency patch pushed to many ssh hosts, side by side with Ansible and
# plain ssh in one run.
#
#   sudo bench/release_push.sh                     (after a build in ./build)
#   sudo RUNS=7 SIZES="20 50" BUILD=build-release bench/release_push.sh
#
# The lab is bench/ssh_lab.sh's: up to 50 network namespaces, each with a
# real sshd on its own address, reached from a controller namespace. Lab
# hosts share this machine's files, so each host gets a dpkg root of its own
# (<work>/hostI/root) and its ssh sessions (sshd's SetEnv) a PATH whose first
# directory holds `dpkg` and `dpkg-query` that run the real ones with
# --root=<that root>, a TMPDIR of its own, a RESPONDER_CONFIG naming its own
# release state directory, and `lab-health`, which passes when the host's
# root holds the new version's payload. No real install ever reaches this
# machine's own root.
#
# The payload is rfix 1.0.1, a .deb of 1 MiB (incompressible), signed with an
# Ed25519 key made by openssl; every host has rfix 1.0.0 installed, restored
# from a template before each timed run. For each lab size (SIZES, default
# "20 50") and RUNS rounds (default 5), in turn, on every host of the size:
#   responder  `responder run` of one release.push step, `targets: all`,
#              canary 0 and one wave of 100%, --forks = hosts: the signature
#              checked once on the controller, then on each host its dpkg
#              asked (plan), the package copied and its SHA-256 checked,
#              dpkg -i, lab-health;
#   canary     the same with release.push's default canary (one host first,
#              alone, then the rest);
#   ansible    ansible-playbook (Debian's ansible-core), facts off,
#              pipelining on, forks = hosts, the same inventory, ssh
#              configuration and known_hosts: copy (Ansible checks its own
#              checksum of the copy), command dpkg -i, command lab-health;
#   ssh        `ssh host 'cat > f && sha256sum -c && dpkg -i f && lab-health'
#              < deb &` for every host, then wait: the transport floor.
# After each run every host's dpkg must say 1.0.1, or the script stops.
# Medians are printed, and the ratios pair by pair (round i's responder
# against round i's ansible), with their median; how the time grows from the
# first size to the second; where responder's time went (from the journal
# record times of its median round: plan, canary, waves); and the
# fsync/fdatasync calls of one release under strace.
#
# Installs openssh-server, ansible-core,
# openssl and strace from Debian if missing. Must run as root (namespaces,
# sshd). Bounded: each command has a timeout, and the lab is removed at exit,
# also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${RUNS:-5}
sizes=${SIZES:-"20 50"}
fsync_size=${FSYNC_SIZE:-20}
per_command_timeout=${TIMEOUT:-300}
case $build in /*) ;; *) build="$(pwd)/$build" ;; esac
responder="$build/responder"
[ -x "$responder" ] || { echo "bench: build first (cmake --build $build --target responder)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces, sshd)" >&2; exit 2; }
. bench/ssh_lab.sh
ssh_lab_install_tools openssl=openssl

max=$fsync_size
for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done

# --- each host's files, named before the lab starts (its sshd_config needs them)
host_dir() { echo "$lab_work/host$1"; }
ssh_lab_sshd_extra() {
  local d
  d=$(host_dir "$1")
  echo "SetEnv PATH=$d/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=$d/tmp RESPONDER_CONFIG=$d/responder.yaml"
}
ssh_lab_start rrel "$max"
work=$lab_work
ctl=$lab_ctl

# --- the release: two versions of a 1 MiB package, the new one signed --------
build_deb() {  # VERSION: prints the .deb's path
  local v=$1 tree="$work/tree-$1" deb="$work/release/rfix_$1_all.deb"
  mkdir -p "$tree/DEBIAN" "$tree/usr/share/rfix" "$work/release"
  printf 'Package: rfix\nVersion: %s\nArchitecture: all\nMaintainer: bench <bench@example.org>\nDescription: a stand-in for an emergency fix\n' \
    "$v" >"$tree/DEBIAN/control"
  echo "$v" >"$tree/usr/share/rfix/version"
  head -c 1048576 /dev/urandom >"$tree/usr/share/rfix/payload"
  dpkg-deb -Znone --root-owner-group --build "$tree" "$deb" >/dev/null
  rm -rf "$tree"
  echo "$deb"
}
old_deb=$(build_deb 1.0.0)
new_deb=$(build_deb 1.0.1)
new_sha=$(sha256sum "$new_deb" | cut -d' ' -f1)
openssl genpkey -algorithm ed25519 -out "$work/release/release.key" 2>/dev/null
openssl pkey -in "$work/release/release.key" -pubout -out "$work/release/release.pub"
openssl pkeyutl -sign -rawin -inkey "$work/release/release.key" -in "$new_deb" -out "$new_deb.sig"

# A dpkg root with 1.0.0 installed, copied to each host before each run.
template="$work/template-root"
mkdir -p "$template/var/lib/dpkg/info" "$template/var/lib/dpkg/updates"
: >"$template/var/lib/dpkg/status"
/usr/bin/dpkg --root="$template" -i "$old_deb" >/dev/null
for ((i = 1; i <= max; i++)); do
  d=$(host_dir $i)
  mkdir -p "$d/bin" "$d/tmp"
  printf '#!/bin/sh\nexec /usr/bin/dpkg --root=%s "$@"\n' "$d/root" >"$d/bin/dpkg"
  printf '#!/bin/sh\nexec /usr/bin/dpkg-query --root=%s "$@"\n' "$d/root" >"$d/bin/dpkg-query"
  printf '#!/bin/sh\ngrep -qx 1.0.1 %s\n' "$d/root/usr/share/rfix/version" >"$d/bin/lab-health"
  chmod +x "$d/bin/"*
  printf 'release:\n  state_dir: %s\n' "$d/release-state" >"$d/responder.yaml"
done
reset_hosts() {  # N: every host back at 1.0.0, nothing received, no release state
  local i d
  for ((i = 1; i <= $1; i++)); do
    d=$(host_dir $i)
    rm -rf "$d/root" "$d/release-state" "$d/tmp"
    cp -a "$template" "$d/root"
    mkdir "$d/tmp"
  done
}
check_hosts() {  # N WHO: every host's own dpkg says 1.0.1, installed
  local i got
  for ((i = 1; i <= $1; i++)); do
    got=$(/usr/bin/dpkg-query --root="$(host_dir $i)/root" -W -f='${Version} ${db:Status-Status}' rfix 2>/dev/null || true)
    [ "$got" = "1.0.1 installed" ] || { echo "bench: $2 left host $i at '$got', not 1.0.1 installed" >&2; cat "$work/out.log" >&2; exit 1; }
  done
}
# Far side: the lab's own dpkg and lab-health first in PATH (checked once,
# over the lab's ssh, before anything is timed).
got=$(in_ctl ssh -F "$work/ssh_config" root@"$(host_addr 1)" 'command -v dpkg; printf "%s\n" "$TMPDIR"')
[ "$got" = "$(host_dir 1)/bin/dpkg"$'\n'"$(host_dir 1)/tmp" ] ||
  { echo "bench: the lab's sshd did not set PATH and TMPDIR (SetEnv needs OpenSSH 7.8): $got" >&2; exit 1; }

host_tmp_var() { echo "host_tmp=$(host_dir "$1")/tmp"; }
inventory() { ssh_lab_inventory "$1" host_tmp_var; }
cat >"$work/responder.yaml" <<EOF
targets:
  ssh_config: $work/ssh_config
  remote_program: $responder
  connect_timeout: 5s
keys:
  release: $work/release/release.pub
EOF
release_playbook() {  # FILE CANARY-LINES
  cat >"$1" <<EOF
name: release-bench
description: push rfix 1.0.1 to every host
severity: important
stages:
  accelerated-release:
    - id: patch
      module: release.push
      targets: all
      with:
        artifact: rfix_1.0.1_all.deb
        health: [lab-health]
        rollback: [dpkg, -i, $old_deb]
$2
EOF
}
release_playbook "$work/release/flat.yaml" '        canary: 0
        waves: ["100%"]'
release_playbook "$work/release/canary.yaml" ''
cat >"$work/release.yml" <<EOF
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        src: $new_deb
        dest: "{{ host_tmp }}/rfix_1.0.1_all.deb"
    - ansible.builtin.command: dpkg -i {{ host_tmp }}/rfix_1.0.1_all.deb
    - ansible.builtin.command: lab-health
EOF
: >"$work/ansible.cfg"
mkdir -p "$work/ansible"

declare -A took
incident_seq=0
secs=0
elapsed() { "$py" -c "print(f'{$2 - $1:.3f}')"; }
run_responder() {  # N PLAYBOOK: sets $secs and $last_incident
  local n=$1 book=$2 inv start end
  inv=$(inventory "$n")
  incident_seq=$((incident_seq + 1))
  last_incident="RELEASE-$n-$incident_seq"
  reset_hosts "$n"
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" "$responder" --config "$work/responder.yaml" --home "$work/incidents" \
    run "$book" --incident "$last_incident" -i "$inv" --forks "$n" >"$work/out.log" 2>&1 ||
    { echo "bench: responder failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  check_hosts "$n" responder
  echo "$start $end" >"$work/incidents/$last_incident.wall"
  secs=$(elapsed "$start" "$end")
}
run_ansible() {
  local n=$1 inv start end
  inv=$(inventory "$n")
  reset_hosts "$n"
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" env ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_HOME="$work/ansible" \
    ANSIBLE_LOCAL_TEMP="$work/ansible/tmp" ANSIBLE_SSH_CONTROL_PATH_DIR="$work/ansible/cp" \
    ANSIBLE_PIPELINING=True ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
    ANSIBLE_SSH_ARGS="-F $work/ssh_config -C -o ControlMaster=auto -o ControlPersist=60s" \
    ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False \
    ansible-playbook -i "$inv" --forks "$n" "$work/release.yml" >"$work/out.log" 2>&1 ||
    { echo "bench: ansible-playbook failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  ssh_lab_end_masters
  check_hosts "$n" ansible
  secs=$(elapsed "$start" "$end")
}
run_ssh() {
  local n=$1 start end addrs=()
  for ((i = 1; i <= n; i++)); do addrs+=("$(host_addr $i)"); done
  reset_hosts "$n"
  start=$EPOCHREALTIME
  timeout "$per_command_timeout" ip netns exec "$ctl" bash -c '
    cfg=$1 deb=$2 sha=$3; shift 3
    for h in "$@"; do
      ssh -F "$cfg" "root@$h" "f=\$TMPDIR/rfix_1.0.1_all.deb; cat > \"\$f\" && echo \"$sha  \$f\" | sha256sum -c --quiet && dpkg -i \"\$f\" >/dev/null && lab-health" <"$deb" &
    done
    fail=0
    for job in $(jobs -p); do wait "$job" || fail=1; done
    exit $fail' _ "$work/ssh_config" "$new_deb" "$new_sha" "${addrs[@]}" >"$work/out.log" 2>&1 ||
    { echo "bench: plain ssh failed:" >&2; cat "$work/out.log" >&2; exit 1; }
  end=$EPOCHREALTIME
  check_hosts "$n" "plain ssh"
  secs=$(elapsed "$start" "$end")
}

# Where a responder run's time went, from its journal's record times (ms):
# start-up to the step, every host's plan, then each batch (step.wave
# records are written as a batch ends), then the exit.
phases() {  # INCIDENT
  "$py" - "$work/incidents/$1" <<'EOF'
import json, sys, datetime
d = sys.argv[1]
start, end = (float(x) for x in open(d + ".wall").read().split())
def when(r):
    return datetime.datetime.fromisoformat(r["time"].rstrip("Z")).replace(tzinfo=datetime.timezone.utc).timestamp()
records = [json.loads(line) for line in open(d + "/journal.jsonl") if line.strip()]
first = {}
for r in records:
    first.setdefault(r["kind"], when(r))
out = [f"start-up to the step {1000 * (first['stage.started'] - start):.0f}"]
prev = first["stage.started"]
if "step.started" in first:
    out.append(f"plan on every host {1000 * (first['step.started'] - prev):.0f}")
    prev = first["step.started"]
for r in records:
    if r["kind"] != "step.wave": continue
    label = r.get("wave") if isinstance(r.get("wave"), str) else r.get("batch", r.get("name", "wave"))
    hosts = r.get("hosts", [])
    out.append(f"{label} ({len(hosts) if isinstance(hosts, list) else '?'} hosts) {1000 * (when(r) - prev):.0f}")
    prev = when(r)
out.append(f"to exit {1000 * (end - prev):.0f}")
print("; ".join(out) + " ms")
EOF
}
median_round() {  # LIST: the 1-based round whose value is the median
  "$py" -c 'import sys; v=[float(x) for x in sys.argv[1:]]; s=sorted(range(len(v)), key=v.__getitem__); print(s[len(v)//2] + 1)' "$@"
}

printf '\nrelease.push of a signed 1 MiB .deb to N ssh hosts (lab namespaces, one sshd and dpkg root each), %d rounds, wall seconds\n' "$runs"
declare -A incidents
for n in $sizes; do
  r_list="" c_list="" a_list="" s_list=""
  # One untimed round first: page cache, ansible's imports, sshd's first fork.
  run_responder "$n" "$work/release/flat.yaml"; run_ansible "$n"; run_ssh "$n"
  for ((round = 1; round <= runs; round++)); do
    run_responder "$n" "$work/release/flat.yaml"; r=$secs; r_list+=" $r"; incidents[$n,r,$round]=$last_incident
    run_responder "$n" "$work/release/canary.yaml"; c=$secs; c_list+=" $c"; incidents[$n,c,$round]=$last_incident
    run_ansible "$n"; a=$secs; a_list+=" $a"
    run_ssh "$n"; s=$secs; s_list+=" $s"
    printf '  %2d hosts round %d: responder %6.3f  responder+canary %6.3f  ansible %6.3f  ssh %6.3f\n' "$n" "$round" "$r" "$c" "$a" "$s"
  done
  took[$n,r]=$(median $r_list) took[$n,c]=$(median $c_list) took[$n,a]=$(median $a_list) took[$n,s]=$(median $s_list)
  took[$n,r_phases]=$(phases "${incidents[$n,r,$(median_round $r_list)]}")
  took[$n,c_phases]=$(phases "${incidents[$n,c,$(median_round $c_list)]}")
  took[$n,ra]=$(ratios "$r_list" "$a_list")
  took[$n,rs]=$(ratios "$r_list" "$s_list")
  took[$n,ca]=$(ratios "$c_list" "$a_list")
  took[$n,cs]=$(ratios "$c_list" "$s_list")
done

# The fsync/fdatasync calls of one release on FSYNC_SIZE hosts, all and the
# journal's.
inv=$(inventory "$fsync_size")
reset_hosts "$fsync_size"
trace="$work/strace.release"
timeout "$per_command_timeout" strace -f -y -qq -e trace=fsync,fdatasync -o "$trace" \
  ip netns exec "$ctl" "$responder" --config "$work/responder.yaml" --home "$work/incidents" \
  run "$work/release/flat.yaml" --incident "FSYNC-$fsync_size" -i "$inv" --forks "$fsync_size" >"$work/out.log" 2>&1 ||
  { echo "bench: responder under strace failed:" >&2; cat "$work/out.log" >&2; exit 1; }
check_hosts "$fsync_size" responder
fsync_all=$(grep -cE '(fsync|fdatasync)\(' "$trace" || true)
fsync_journal=$(grep -E '(fsync|fdatasync)\(' "$trace" | grep -c 'journal\.jsonl' || true)

printf '\nsummary, medians of %d rounds (wall seconds); ratios: the median of the rounds\x27 own ratios\n' "$runs"
printf '  %-6s %-10s %-17s %-10s %-10s %-34s %s\n' hosts responder "responder+canary" ansible "plain ssh" \
  "responder/ansible (target <= 0.20)" "responder/ssh (target <= 1.5)"
for n in $sizes; do
  printf '  %-6s %-10s %-17s %-10s %-10s %-34s %s\n' "$n" "${took[$n,r]}" "${took[$n,c]}" "${took[$n,a]}" "${took[$n,s]}" \
    "${took[$n,ra]}" "${took[$n,rs]}"
  printf '  %-6s %-10s %-17s %-10s %-10s %-34s %s\n' "" "" "(with canary)" "" "" "${took[$n,ca]}" "${took[$n,cs]}"
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
for name, a, b in (('responder', ${took[$1,r]}, ${took[$2,r]}), ('+canary', ${took[$1,c]}, ${took[$2,c]}),
                   ('ansible', ${took[$1,a]}, ${took[$2,a]}), ('plain ssh', ${took[$1,s]}, ${took[$2,s]})):
    print(f'  {name:9} from {lo} to {hi} hosts: x{b / a:.2f} the time, {1000 * (b - a) / (hi - lo):.0f} ms more per added host')"
fi
printf '\nwhere a responder release spends its time (the median round, from its journal)\n'
for n in $sizes; do
  printf '  %2s hosts:          %s\n' "$n" "${took[$n,r_phases]}"
  printf '  %2s hosts, canary:  %s\n' "$n" "${took[$n,c_phases]}"
done
printf '\nfsync + fdatasync calls of one release on %s hosts (strace -f): %s in all, %s of the journal\n' \
  "$fsync_size" "$fsync_all" "$fsync_journal"
