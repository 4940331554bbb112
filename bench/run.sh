#!/usr/bin/env bash
# Benchmark: generate books of 10, 100 and 400 chapters (each chapter ~4.5 kB
# of prose, a list, a quote, code, a table, a footnote) and time
# `quire build` on them: PDF only, EPUB only, both. Reports the median wall
# time of RUNS runs, the peak RSS, pages per second, and how far each size
# is from the straight line (fixed start-up cost + cost per page) fitted
# through all sizes: the scaling is linear when every size is close to it.
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
import json, os, statistics, subprocess, sys, time
binary, work, runs, sizes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]

def measure(n, fmt):
    """Median wall time, peak RSS (MiB) and pages of `runs` builds."""
    book = os.path.join(work, f"book{n}")
    if not os.path.isdir(book):
        subprocess.run(["target/release/examples/gen_book", book, str(n)],
                       check=True, stderr=subprocess.DEVNULL)
    out = os.path.join(work, f"out{n}")
    times, peaks = [], []
    # small books build in tens of milliseconds: more runs steady the median
    for _ in range(runs if int(n) >= 100 else max(runs, 21)):
        start = time.perf_counter()
        p = subprocess.Popen([binary, "build", book, "--out", out, "--format", fmt],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        if status != 0:
            sys.exit(f"build failed for {n} chapters ({fmt})")
    report = json.load(open(os.path.join(out, f"book{n}.report.json")))
    return statistics.median(times), max(peaks), report["pages"]

# Linear scaling: time = fixed + pages × per-page cost. A least-squares
# line through the sizes of each format gives both; "vs line" is how far
# each size is from it (within 10 % is linear).
formats = ["pdf", "epub", "pdf,epub"]
results = {fmt: [(n, *measure(n, fmt)) for n in sizes] for fmt in formats}
print("| chapters | format | pages | median wall (s) | peak RSS (MiB) | pages/s | vs line |")
print("|---:|---|---:|---:|---:|---:|---:|")
fits = {}
for fmt in formats:
    xs = [pages for (_, _, _, pages) in results[fmt]]
    ys = [wall for (_, wall, _, _) in results[fmt]]
    if len(xs) > 1:
        mx, my = statistics.mean(xs), statistics.mean(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        fits[fmt] = (my - slope * mx, slope)
for n in sizes:
    for fmt in formats:
        _, wall, peak, pages = next(r for r in results[fmt] if r[0] == n)
        dev = "–"
        if fmt in fits:
            fixed, slope = fits[fmt]
            dev = f"{(wall / (fixed + slope * pages) - 1) * 100:+.1f} %"
        print(f"| {n} | {fmt} | {pages} | {wall:.3f} | {peak:.0f} | {pages / wall:.0f} | {dev} |")
print()
for fmt, (fixed, slope) in fits.items():
    print(f"{fmt}: {fixed * 1000:.0f} ms fixed + {slope * 1000:.3f} ms per page")
PY
