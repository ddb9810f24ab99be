#!/usr/bin/env bash
# Recording and comparing a baseline of a 100,000-file tree (about 2 GB),
# side by side in one run with what a responder would otherwise use on the
# same tree: Debian's debsums (`debsums -s`, MD5 of packaged files against
# dpkg's database) and AIDE (`aide --init` / `aide --check`, SHA-256 of every
# file against its own database).
#
#   bench/baseline_compare.sh                    (after a build in ./build)
#   FILES=20000 MEGABYTES=400 BUILD=build-baseline bench/baseline_compare.sh
#
# The tree: FILES files of varied sizes (MEGABYTES in all) under usr/bin,
# usr/lib and etc of a temporary root, every one owned by one of 100 made-up
# packages in the root's own dpkg database (md5sums and status), so all three
# tools read the same bytes. The files are read once before timing, so every
# tool finds them in the page cache. Prerequisites (installed when missing):
# debsums, aide, and farm-bench for medians and ratios.
#
# What is compared:
#   record       responder baseline record   vs  aide --init
#   compare      responder baseline compare  vs  aide --check   (SHA-256 of every file; responder adds MD5
#                                                                 of the packaged ones and the host inventory)
#   packages     responder baseline compare  vs  debsums -s     (no baseline: MD5 of packaged files only)
# Target: at least 3x faster than either tool on 2 cores, with peak memory
# that grows with the baseline's index only (compare the peaks at two sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
files=${FILES:-100000}
megabytes=${MEGABYTES:-2000}
runs=${RUNS:-3}
responder="$PWD/$build/responder"
[ -x "$responder" ] || { echo "bench: build first (cmake --build $build)" >&2; exit 2; }
for tool in debsums aide; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
done
command -v farm-bench >/dev/null || { echo "bench: needs farm-bench (/usr/local/bin/farm-bench)" >&2; exit 2; }

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/responder-baseline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/root"
python3 - "$tree" "$files" "$megabytes" <<'PY'
import hashlib, os, random, sys
root, files, megabytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(20)
mean = megabytes * (1 << 20) // files
block = os.urandom(1 << 20)
big = block * (2 + 64 * mean // len(block))  # any file is one slice of it
packages = {}
status = []
for i in range(files):
    top = ("usr/bin", "usr/lib", "etc")[i % 3]
    rel = f"{top}/d{i % 997:03d}/f{i:06d}"
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = max(1, int(random.expovariate(1 / mean))) if mean else 1
    size = min(size, 64 * mean)
    start = random.randrange(0, len(block))
    data = f"{i}\n".encode() + big[start:start + size]
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o755 if top == "usr/bin" else 0o644)
    packages.setdefault(f"benchpkg{i % 100}", []).append((hashlib.md5(data).hexdigest(), rel))
info = os.path.join(root, "var/lib/dpkg/info")
os.makedirs(info, exist_ok=True)
for name, entries in sorted(packages.items()):
    with open(os.path.join(info, name + ".md5sums"), "w") as f:
        for md5, rel in entries:
            f.write(f"{md5}  {rel}\n")
    with open(os.path.join(info, name + ".list"), "w") as f:
        for _, rel in entries:
            f.write("/" + rel + "\n")
    status.append(f"Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: misc\n"
                  f"Maintainer: bench <bench@example.org>\nArchitecture: all\nVersion: 1.0\nDescription: bench\n")
with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
    f.write("\n".join(status) + "\n")
open(os.path.join(root, "var/lib/dpkg/diversions"), "w").close()
os.makedirs(os.path.join(root, "var/lib/dpkg/updates"), exist_ok=True)
PY
echo "{}" >"$work/responder.yaml"
openssl genpkey -algorithm ed25519 -out "$work/key.pem" 2>/dev/null
openssl pkey -in "$work/key.pem" -pubout -out "$work/key.pub"
cat >"$work/aide.conf" <<CONF
database_in=file:$work/aide.db
database_out=file:$work/aide.db.new
database_new=file:$work/aide.db.new
report_url=stdout
Checks = p+u+g+s+n+sha256+caps
$tree/usr Checks
$tree/etc Checks
CONF
echo "tree: $(find "$tree/usr" "$tree/etc" -type f | wc -l) files, $(du -sh "$tree" | cut -f1); $(nproc) cores"
find "$tree/usr" "$tree/etc" -type f -print0 | xargs -0 cat >/dev/null  # into the page cache for everyone

baseline="$work/bench.jsonl.gz"
record=("$responder" --config $work/responder.yaml baseline record --quiet --out "$baseline" --root "$tree" --paths /usr /etc --key "$work/key.pem")
"${record[@]}" >/dev/null
aide --init -c "$work/aide.conf" >/dev/null 2>&1 || true
mv "$work/aide.db.new" "$work/aide.db"

# Both sides must see the untouched tree as unchanged before anything is
# timed: a broken run would otherwise be timed like a real one.
if ! aide --check -c "$work/aide.conf" >/dev/null 2>&1; then echo "aide --check does not find the tree unchanged; nothing timed"; exit 1; fi
verdict=$("$responder" --config $work/responder.yaml baseline compare "$baseline" --quiet --root "$tree" --public-key "$work/key.pub" | head -3)
case "$verdict" in *clean*) ;; *) echo "the comparison of the untouched tree is not clean: $verdict; nothing timed"; exit 1 ;; esac
debsums -s --root="$tree" || { echo "debsums -s fails on the untouched tree; nothing timed"; exit 1; }

bench() {  # label, responder command, other command
  echo "== $1"
  farm-bench -n "$runs" --warmup 1 --timeout 3600 --vs "$3" -- $2
}
bench "record: responder baseline record vs aide --init" \
  "${record[*]}" "sh -c 'aide --init -c $work/aide.conf >/dev/null 2>&1; exit 0'"
bench "compare: responder baseline compare vs aide --check" \
  "$responder --config $work/responder.yaml baseline compare $baseline --quiet --root $tree --public-key $work/key.pub" \
  "sh -c 'aide --check -c $work/aide.conf >/dev/null 2>&1; exit 0'"
bench "packages: responder baseline compare (no baseline) vs debsums -s" \
  "$responder --config $work/responder.yaml baseline compare --quiet --root $tree --paths /usr /etc" \
  "debsums -s --root=$tree"
echo "== the comparison's verdict on the untouched tree (checked clean before timing):"
echo "$verdict"
