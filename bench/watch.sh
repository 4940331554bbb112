#!/usr/bin/env bash
# Benchmark of `quire watch`: generates a book of N chapters (400 unless
# given), starts `quire watch` on it writing PDF and EPUB, then edits one
# chapter in the middle RUNS times (a word added to a paragraph, then taken
# out again), then RUNS times more with a long passage (which moves every
# later page), and reads the time of each rebuild from watch's own
# "rebuilt in N ms" line: from the start of the build to the files written.
# Prints the first build's time and the rebuilds' median, min and max.
#
#   bench/watch.sh                  # 400 chapters, 9 edits
#   RUNS=5 bench/watch.sh 100
#   WATCH_FLAGS=-v bench/watch.sh   # with each stage's time
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-9}"
CHAPTERS="${1:-400}"

cargo build --release --quiet
cargo build --release --quiet --example gen_book
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
target/release/examples/gen_book "$WORK/book" "$CHAPTERS" 2>/dev/null

python3 - target/release/quire "$WORK" "$RUNS" "$CHAPTERS" <<'PY'
import os, re, statistics, subprocess, sys
binary, work, runs, chapters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
book = os.path.join(work, "book")
watch = subprocess.Popen([binary, "watch", book, *os.environ.get("WATCH_FLAGS", "").split(), "--out", os.path.join(work, "out"),
                          "--format", "pdf,epub"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

def took(verb):
    """Milliseconds of the next build watch reports."""
    for line in watch.stderr:
        m = re.match(rf"{verb} in (\d+) ms: (\d+) pages", line)
        if m:
            return int(m.group(1)), int(m.group(2))
        if os.environ.get("WATCH_FLAGS"):
            print(line, end="")
        if line.startswith("build failed"):
            sys.exit(line.strip())
    sys.exit("quire watch stopped")

try:
    first, pages = took("built")
    chapter = os.path.join(book, f"ch{chapters // 2:04d}.md")
    original = open(chapter, encoding="utf-8").read()
    assert "has always been" in original, chapter
    # a word typed into a paragraph; a long passage added, which moves
    # every page after it (folios, contents, page labels change)
    edits = {
        "a word added": original.replace("has always been", "has indeed always been", 1),
        "a passage added (later pages move)": original
        + "\n\n" + "Human rights are the foundation of good governance. " * 150 + "\n",
    }
    results = {}
    for name, edited in edits.items():
        times = []
        for run in range(runs):
            # an editor's save: write a temporary file, rename it over the chapter
            tmp = chapter + ".tmp~"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(edited if run % 2 == 0 else original)
            os.replace(tmp, chapter)
            times.append(took("rebuilt")[0])
        results[name] = times
finally:
    watch.kill()
print(f"{chapters} chapters, {pages} pages: first build {first} ms")
for name, times in results.items():
    print(f"rebuild after one chapter is edited, {name}, {runs} edits: "
          f"median {statistics.median(times):.0f} ms (min {min(times)}, max {max(times)})")
PY
