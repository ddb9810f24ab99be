#!/usr/bin/env bash
# Runner overhead per step, side by side with Ansible in one run.
#
#   bench/engine_runner.sh            (after a build in ./build)
#   STEPS=10000 ANSIBLE_STEPS=200 BUILD=build bench/engine_runner.sh
#
# responder runs STEPS note.add steps (four journal records each, made durable
# with one fsync per step: a step's receipt and verification are written with
# the next step's plan and start), once
# with the incident home on disk and once on tmpfs (/dev/shm), where fsync is
# nearly free, so the difference is the storage and the rest is the engine.
# Ansible runs ANSIBLE_STEPS `debug` tasks against localhost with the local
# connection: the cheapest step Ansible can take. Installs ansible-core from
# Debian if it is missing.
set -euo pipefail
. "$(dirname "$0")/many_notes_playbook.sh"
cd "$(dirname "$0")/.."
build=${BUILD:-build}
steps=${STEPS:-10000}
ansible_steps=${ANSIBLE_STEPS:-200}
responder="$build/responder"
[ -x "$responder" ] || { echo "bench: build first (cmake --build $build)" >&2; exit 2; }
if ! command -v ansible-playbook >/dev/null; then
  echo "bench: installing ansible-core from Debian for the comparison" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
fi

work=$(mktemp -d /var/tmp/responder-bench.XXXXXX)
shm=$(mktemp -d /dev/shm/responder-bench.XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT

playbook="$work/many-notes.yaml"
write_many_notes_playbook "$steps" "$playbook"

ansible_playbook="$work/many-debug.yml"
{
  echo "- hosts: localhost"
  echo "  connection: local"
  echo "  gather_facts: false"
  echo "  tasks:"
  for ((i = 1; i <= ansible_steps; i++)); do
    printf '    - debug: {msg: "note %d"}\n' "$i"
  done
} >"$ansible_playbook"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc -l; }
command -v bc >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null; }

disk=$(seconds "$responder" --home "$work/incidents" run "$playbook" --incident BENCH)
tmpfs=$(seconds "$responder" --home "$shm/incidents" run "$playbook" --incident BENCH)
ansible=$(seconds env ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
  ansible-playbook -i localhost, "$ansible_playbook")
records=$(wc -l <"$work/incidents/BENCH/journal.jsonl")

per_step_disk=$(echo "$disk * 1000 / $steps" | bc -l)
per_step_tmpfs=$(echo "$tmpfs * 1000 / $steps" | bc -l)
per_task_ansible=$(echo "$ansible * 1000 / $ansible_steps" | bc -l)
printf '\nrunner overhead, %d note.add steps (%d journal records)\n' "$steps" "$records"
printf '  responder, journal on disk (fsync):  %8.3f s  %7.3f ms/step\n' "$disk" "$per_step_disk"
printf '  responder, journal on tmpfs:         %8.3f s  %7.3f ms/step  (engine without storage)\n' "$tmpfs" "$per_step_tmpfs"
printf '  ansible-playbook, %d debug tasks:   %8.3f s  %7.3f ms/task\n' "$ansible_steps" "$ansible" "$per_task_ansible"
printf '  ratio ansible/responder per step:    %8.1fx (disk)  %8.1fx (tmpfs)\n' \
  "$(echo "$per_task_ansible / $per_step_disk" | bc -l)" "$(echo "$per_task_ansible / $per_step_tmpfs" | bc -l)"
"$build/bench/journal_append_bench" /var/tmp 5000
"$build/bench/journal_append_bench" /dev/shm 20000

# fsyncs per step, counted (strace): runs of 100 and of 200 note.add steps;
# the difference over 100 is what one more step costs, the rest is the run's
# own records and files.
if command -v strace >/dev/null; then
  count_syncs() {
    local n=$1 book="$work/sync-$1.yaml"
    write_many_notes_playbook "$n" "$book"
    strace -f -qq -c -e trace=fsync,fdatasync -o "$work/strace-$n" "$responder" --home "$work/sync" run "$book" --incident "SYNC$n" >/dev/null 2>&1
    awk '$NF == "fsync" || $NF == "fdatasync" {n += $4} END {print n + 0}' "$work/strace-$n"
  }
  s100=$(count_syncs 100)
  s200=$(count_syncs 200)
  printf '  fsyncs: %d for 100 steps, %d for 200 steps: %s per step\n' "$s100" "$s200" "$(echo "($s200 - $s100) / 100" | bc -l | sed 's/0*$//; s/\.$//')"
fi
