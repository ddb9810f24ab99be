#!/usr/bin/env bash
# Installs everything responder needs to build, test and run, from Debian's
# packages (Debian 12 "bookworm"). Idempotent and quiet: installs only what is
# missing. Run as root, or as a user with sudo.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  # the fuzzing build (tests/fuzz-smoke): clang, libFuzzer's runtime, symbolizer
  clang libclang-rt-14-dev llvm
  # libraries
  libboost1.81-dev libyaml-cpp-dev libssl-dev libspdlog-dev libfmt-dev doctest-dev
  libpcap-dev libcli11-dev libnftables-dev libsystemd-dev
  # baselines are gzip files (zlib)
  zlib1g-dev
  # what the modules drive, and what the tests use to check them
  nftables iproute2 iputils-ping e2fsprogs procps util-linux tcpdump openssl
  systemd passwd samba smbclient nfs-kernel-server libcrypt-dev
  # ssh-keygen signs and verifies approvals
  openssh-client
  # real notification servers the tests send to on 127.0.0.1: an SMTP server
  # with STARTTLS (aiosmtpd), rsyslog with its TLS driver, Debian's python3
  # for the test HTTPS server
  python3 python3-aiosmtpd rsyslog rsyslog-openssl
  # remote hosts: the tests' lab hosts run a real sshd; inventories are
  # checked against ansible-inventory itself
  openssh-server ansible-core
  # the report: headless Chromium prints it to PDF and renders it in the
  # tests (with the fonts its stylesheet names); Debian's python3 checks the
  # JSON against its schema and the screenshot's pixels
  chromium fonts-dejavu-core python3-jsonschema python3-pil
  # cpack -G DEB finds the package's library dependencies with file(1)
  file
  # the tests check the generated manual page (groff formats it, mandoc
  # lints it) and the zsh completion (zsh reads it)
  groff-base mandoc zsh
  # drills: the attacker host scans and guesses passwords with nmap and
  # floods with hping3, as real attackers do
  nmap hping3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

run_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq
run_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
