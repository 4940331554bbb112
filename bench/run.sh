#!/usr/bin/env bash
# Benchmark: generate books of 10, 100 and 400 chapters (each chapter ~4.5 kB
# of prose, a list, a quote, code, a table, a footnote) and time
# `quire build` on them: PDF only, EPUB only, both. Reports the median wall
# time of RUNS runs, the peak RSS and pages per second.
#
#   bench/run.sh            # all sizes, 5 runs each
#   RUNS=3 bench/run.sh 400 # one size
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10 100 400)

cargo build --release --quiet
cargo build --release --quiet --example gen_book
BIN=target/release/quire
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$BIN" "$WORK" "$RUNS" "${SIZES[@]}" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
binary, work, runs, sizes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
print(f"| chapters | format | pages | median wall (s) | peak RSS (MiB) | pages/s |")
print(f"|---:|---|---:|---:|---:|---:|")
for n in sizes:
    book = os.path.join(work, f"book{n}")
    subprocess.run(["target/release/examples/gen_book", book, n], check=True, stderr=subprocess.DEVNULL)
    for fmt in ["pdf", "epub", "pdf,epub"]:
        times, peaks = [], []
        out = os.path.join(work, f"out{n}")
        for _ in range(runs):
            start = time.perf_counter()
            p = subprocess.Popen([binary, "build", book, "--out", out, "--format", fmt],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
            times.append(time.perf_counter() - start)
            peaks.append(usage.ru_maxrss / 1024)
            if status != 0:
                sys.exit(f"build failed for {n} chapters ({fmt})")
        report = json.load(open(os.path.join(out, f"book{n}.report.json")))
        pages = report["pages"]
        wall = statistics.median(times)
        print(f"| {n} | {fmt} | {pages} | {wall:.3f} | {max(peaks):.0f} | {pages / wall:.0f} |")
PY
