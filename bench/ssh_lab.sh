# The ssh lab the fleet benchmarks share, sourced (not run) by
# bench/targets_fanout.sh and bench/release_push.sh.
#
# Like tests/responder/targets/sshd_lab.h, only bigger: a controller network
# namespace with a bridge (198.51.100.1/24) and up to 50 host namespaces
# (198.51.100.11..60), each running a real sshd on its own address with its
# own ed25519 host key, reached with a test-only ssh client configuration
# (its own known_hosts, key and IdentitiesOnly; host keys are checked, never
# switched off). Everything runs from the controller namespace, so this
# machine's own addresses and routes are never touched.
#
#   ssh_lab_start PREFIX MAX   makes $lab_work (a scratch directory) and the
#                              lab of MAX hosts; removed at exit, also on
#                              failure or Ctrl-C
#   ssh_lab_sshd_extra I       (define before ssh_lab_start, optional) prints
#                              extra sshd_config lines for host I, e.g. SetEnv
#   in_ctl CMD...              CMD in the controller namespace
#   host_ns I / host_addr I    host I's namespace and address
#   ssh_lab_inventory N        an INI inventory of the first N hosts (lab1..)
#   ssh_lab_end_masters        ends every process left in the controller
#                              namespace (ssh ControlMasters)
#   ssh_lab_install_tools C=P  installs from Debian what is missing: sshd,
#                              ssh, ansible-playbook, strace, python3, and
#                              each command C from package P
#   median LIST / ratios A B   with Debian's python ($py): the median, and
#                              A/B round by round with their median
# Files: $lab_work/ssh_config, known_hosts, client_key, sshd_config$I, sshd$I.log.

lab_made=()
lab_work=""
lab_ctl=""
lab_tag=""

ssh_lab_cleanup() {
  local ns pids
  set +e
  # Every process inside a namespace we made: the sshds and their sessions,
  # ssh ControlMasters left by a run that failed.
  for ns in "${lab_made[@]}"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  done
  wait 2>/dev/null
  for ns in "${lab_made[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [ -n "$lab_work" ] && rm -rf "$lab_work"
}

in_ctl() { ip netns exec "$lab_ctl" "$@"; }
host_ns() { echo "${lab_tag}h$1"; }
host_addr() { echo "198.51.100.$((10 + $1))"; }

ssh_lab_start() {  # PREFIX MAX
  local prefix=$1 max=$2 i ns addr try
  [ "$max" -le 50 ] || { echo "bench: at most 50 hosts (198.51.100.11..60)" >&2; exit 2; }
  lab_tag="$prefix$$"
  lab_ctl="${lab_tag}c"
  lab_work=$(mktemp -d "/var/tmp/responder-$prefix.XXXXXX")
  trap ssh_lab_cleanup EXIT
  trap 'exit 130' INT TERM HUP

  ip netns add "$lab_ctl"; lab_made+=("$lab_ctl")
  ip -n "$lab_ctl" link set lo up
  ip -n "$lab_ctl" link add br0 type bridge
  ip -n "$lab_ctl" addr add 198.51.100.1/24 dev br0
  ip -n "$lab_ctl" link set br0 up
  mkdir -p /run/sshd  # sshd's privilege separation directory, made by its service unit normally
  ssh-keygen -q -t ed25519 -N "" -C responder-bench -f "$lab_work/client_key"
  : >"$lab_work/known_hosts"
  : >"$lab_work/empty_bashrc"
  cat >"$lab_work/ssh_config" <<EOF
Host *
  UserKnownHostsFile $lab_work/known_hosts
  StrictHostKeyChecking yes
  IdentityFile $lab_work/client_key
  IdentitiesOnly yes
  BatchMode yes
  ConnectTimeout 5
EOF
  for ((i = 1; i <= max; i++)); do
    ns=$(host_ns $i) addr=$(host_addr $i)
    ip netns add "$ns"; lab_made+=("$ns")
    ip -n "$ns" link set lo up
    ip -n "$ns" link add eth0 type veth peer name "h$i" netns "$lab_ctl"
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$lab_ctl" link set "h$i" master br0
    ip -n "$lab_ctl" link set "h$i" up
    ssh-keygen -q -t ed25519 -N "" -C responder-bench -f "$lab_work/host_key$i"
    echo "$addr $(cat "$lab_work/host_key$i.pub")" >>"$lab_work/known_hosts"
    cp "$lab_work/client_key.pub" "$lab_work/authorized_keys$i"
    {
      cat <<EOF
ListenAddress $addr:22
HostKey $lab_work/host_key$i
AuthorizedKeysFile $lab_work/authorized_keys$i
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
MaxStartups 100
LogLevel ERROR
Subsystem sftp internal-sftp
EOF
      if declare -F ssh_lab_sshd_extra >/dev/null; then ssh_lab_sshd_extra "$i"; fi
    } >"$lab_work/sshd_config$i"
    # sshd runs commands through root's shell, and Debian's bash reads
    # ~/.bashrc for them: a developer's (pyenv, cargo, ...) would be timed on
    # every ssh session of every contender. A lab host has the stock, empty
    # one: bound over it in sshd's own mount namespace, private, so this
    # machine's file is neither read nor changed.
    ip netns exec "$ns" unshare --mount --propagation private \
      sh -c 'if [ -e /root/.bashrc ]; then mount --bind "$1" /root/.bashrc || exit 1; fi; exec /usr/sbin/sshd -D -f "$2" -E "$3"' _ \
      "$lab_work/empty_bashrc" "$lab_work/sshd_config$i" "$lab_work/sshd$i.log" </dev/null &
    disown  # killed by ssh_lab_cleanup, which finds it by its namespace
  done
  # Every sshd answers (a real login, the host key checked) before anything is timed.
  for ((i = 1; i <= max; i++)); do
    for ((try = 0; ; try++)); do
      in_ctl ssh -F "$lab_work/ssh_config" "root@$(host_addr $i)" true 2>/dev/null && break
      [ $try -lt 100 ] || { echo "bench: sshd on $(host_addr $i) did not start:" >&2; cat "$lab_work/sshd$i.log" >&2; exit 1; }
      sleep 0.1
    done
  done
}

ssh_lab_inventory() {  # N [EXTRA-VARS-FUNCTION]: the first N hosts, as Ansible's INI inventory gives them
  local f="$lab_work/hosts$1.ini" i
  if [ ! -f "$f" ]; then
    echo "[lab]" >"$f"
    for ((i = 1; i <= $1; i++)); do
      printf 'lab%d ansible_host=%s ansible_user=root' "$i" "$(host_addr $i)" >>"$f"
      if [ -n "${2:-}" ]; then printf ' %s' "$("$2" "$i")" >>"$f"; fi
      printf '\n' >>"$f"
    done
  fi
  echo "$f"
}

# Ansible's ssh masters (ControlPersist) would carry connections into the
# next round: end them, so every round connects afresh as responder does.
ssh_lab_end_masters() {
  local pids
  pids=$(ip netns pids "$lab_ctl")
  if [ -n "$pids" ]; then kill $pids 2>/dev/null || true; fi
}

# Debian's python for the arithmetic (a python3 earlier in PATH may be a
# pyenv shim, slow and noisy).
py=/usr/bin/python3

ssh_lab_install_tools() {  # COMMAND=PACKAGE ...
  local need=() pair
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v ssh >/dev/null || need+=(openssh-client)
  command -v ansible-playbook >/dev/null || need+=(ansible-core)
  command -v strace >/dev/null || need+=(strace)
  [ -x "$py" ] || need+=(python3)
  for pair in "$@"; do command -v "${pair%%=*}" >/dev/null || need+=("${pair#*=}"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "bench: installing ${need[*]} from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

median() { "$py" -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }
ratios() {  # A-list B-list: A/B round by round, then their median
  "$py" - "$1" "$2" <<'EOF'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
r = [x / y for x, y in zip(a, b)]
print(f"{statistics.median(r):.2f}x  (rounds: {' '.join(f'{x:.2f}' for x in r)})")
EOF
}
