#!/usr/bin/env bash
# advise beside ruff on real corpora: median wall time, ratio and peak RSS,
# alternating the two tools ROUNDS times; then advise's throughput against
# the parser's alone on one core.
#
#   bench/compare.sh            # stdlib + wheel corpus, 5 rounds
#   ROUNDS=9 bench/compare.sh
#
# Needs python3 with venv and pip (ruff and the wheels come from PyPI) and
# CPython 3.13.0 under pyenv for the stdlib corpus.
set -euo pipefail
ROUNDS=${ROUNDS:-5}
RUFF_VERSION=${RUFF_VERSION:-0.17.6}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$ROOT/target/bench}
mkdir -p "$WORK"

echo "== building advise (release)"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
ADVISE=$ROOT/target/release/advise

if [ ! -x "$WORK/venv/bin/ruff" ]; then
  echo "== installing ruff $RUFF_VERSION into a throwaway venv"
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "ruff==$RUFF_VERSION"
fi
RUFF=$WORK/venv/bin/ruff

# Popular pure-Python packages, pinned: unpacked wheels make a corpus
# several times the stdlib's size.
WHEELS=(
  django==5.1.4 sympy==1.13.3 networkx==3.4.2 pip==24.3.1 setuptools==75.6.0
  pygments==2.18.0 docutils==0.21.2 rich==13.9.4 twisted==24.11.0
  requests==2.32.3 flask==3.1.0 werkzeug==3.1.3 jinja2==3.1.4 boto3==1.35.80
)
CORPUS=$WORK/wheels-corpus
if [ ! -f "$CORPUS/.done" ]; then
  echo "== building the wheel corpus (${#WHEELS[@]} pinned wheels from PyPI)"
  rm -rf "$CORPUS" "$WORK/wheels"
  mkdir -p "$CORPUS" "$WORK/wheels"
  "$WORK/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --python-version 3.13 -d "$WORK/wheels" "${WHEELS[@]}"
  for w in "$WORK"/wheels/*.whl; do
    d="$CORPUS/$(basename "$w" .whl)"
    mkdir -p "$d"
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$w" "$d"
  done
  touch "$CORPUS/.done"
fi

# The wheel corpus twice over, for whether time grows linearly.
DOUBLED=$WORK/doubled-corpus
if [ ! -f "$DOUBLED/.done" ]; then
  rm -rf "$DOUBLED"
  mkdir -p "$DOUBLED"
  cp -r "$CORPUS" "$DOUBLED/a"
  cp -r "$CORPUS" "$DOUBLED/b"
  touch "$DOUBLED/.done"
fi

STDLIB=$(pyenv root 2>/dev/null)/versions/3.13.0/lib/python3.13
CORPORA=()
[ -d "$STDLIB" ] && CORPORA+=("stdlib:$STDLIB") || echo "(no CPython 3.13.0 stdlib under pyenv; skipping it)"
CORPORA+=("wheels:$CORPUS" "wheels*2:$DOUBLED")

# measure CMD... -> "seconds kilobytes". Exit codes 0 and 1 (findings) are
# both fine; time(1) writes to a file so the tool's own output is dropped.
measure() {
  local rc=0
  /usr/bin/time -o "$WORK/time.txt" -f "%e %M" "$@" >/dev/null 2>&1 || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "error: exit $rc from: $*" >&2
    exit 1
  fi
  tail -1 "$WORK/time.txt"
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR+1)/2; if (NR%2) print a[m]; else print (a[int(m)]+a[int(m)+1])/2}'; }

# advise is timed twice: with `--format json`, which lists every hot
# function with its evidence (21,000 of them, 12 MB, on the wheels), and
# with its default text output, which a CI run uses and which, like ruff's,
# prints only the diagnostics (the hot-code summary is for runs of at most
# 50 files). `ratio` is the JSON run's; `text_ratio` the default run's.
printf '\n%-8s %7s %6s %9s %9s %9s %8s %10s %10s %10s\n' corpus files MB advise_s text_s ruff_s ratio text_ratio advise_MB ruff_MB
for entry in "${CORPORA[@]}"; do
  name=${entry%%:*}; dir=${entry#*:}
  # The files advise analyses (it skips what ruff skips: site-packages,
  # .venv, build, ...), as its parse-only mode counts them.
  read -r files bytes < <("$ADVISE" --parse-only --threads 1 "$dir" | awk '{print $1, $3}')
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}')
  : > "$WORK/a.txt"; : > "$WORK/t.txt"; : > "$WORK/r.txt"
  # Warm the page cache once, then alternate.
  measure "$ADVISE" "$dir" --format json >/dev/null
  measure "$RUFF" check --no-cache --select ASYNC --exit-zero "$dir" >/dev/null
  for _ in $(seq "$ROUNDS"); do
    measure "$ADVISE" "$dir" --format json >> "$WORK/a.txt"
    measure "$RUFF" check --no-cache --select ASYNC --exit-zero "$dir" >> "$WORK/r.txt"
    measure "$ADVISE" "$dir" >> "$WORK/t.txt"
  done
  at=$(cut -d' ' -f1 "$WORK/a.txt" | median); rt=$(cut -d' ' -f1 "$WORK/r.txt" | median)
  tt=$(cut -d' ' -f1 "$WORK/t.txt" | median)
  am=$(cut -d' ' -f2 "$WORK/a.txt" | median); rm_=$(cut -d' ' -f2 "$WORK/r.txt" | median)
  printf '%-8s %7s %6s %9.2f %9.2f %9.2f %7.2fx %9.2fx %10.0f %10.0f\n' "$name" "$files" "$mb" "$at" "$tt" "$rt" \
    "$(awk -v a="$at" -v r="$rt" 'BEGIN {print a/r}')" "$(awk -v a="$tt" -v r="$rt" 'BEGIN {print a/r}')" \
    "$(awk -v k="$am" 'BEGIN {print k/1024}')" "$(awk -v k="$rm_" 'BEGIN {print k/1024}')"
done

echo
echo "== one core: advise's full analysis against parsing alone"
for entry in "${CORPORA[@]}"; do
  name=${entry%%:*}; dir=${entry#*:}
  read -r _ bytes < <("$ADVISE" --parse-only --threads 1 "$dir" | awk '{print $1, $3}')
  : > "$WORK/p.txt"; : > "$WORK/f.txt"
  for _ in $(seq "$ROUNDS"); do
    measure "$ADVISE" --parse-only --threads 1 "$dir" >> "$WORK/p.txt"
    measure "$ADVISE" --threads 1 --format json "$dir" >> "$WORK/f.txt"
  done
  pt=$(cut -d' ' -f1 "$WORK/p.txt" | median); ft=$(cut -d' ' -f1 "$WORK/f.txt" | median)
  awk -v n="$name" -v b="$bytes" -v p="$pt" -v f="$ft" 'BEGIN {
    printf "%-8s parse only %6.1f MB/s (%.2f s)   full analysis %6.1f MB/s (%.2f s)   analysis adds %.0f%% to parsing\n",
      n, b/1048576/p, p, b/1048576/f, f, (f-p)/p*100 }'
done
