#!/usr/bin/env bash
# Instructions executed by advise and by ruff on the same files, counted by
# valgrind's callgrind: unlike wall time on a shared virtual machine, the
# count does not vary from run to run, so a change's effect shows even when
# it is a few percent. Both tools count every thread's instructions.
#
#   bench/instructions.sh                 # 8 stdlib packages (about a minute)
#   bench/instructions.sh DIR...          # other files
#
# Needs valgrind, and ruff in target/bench/venv (bench/compare.sh makes it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$ROOT/target/bench}
RUFF=$WORK/venv/bin/ruff
if [ "$#" -gt 0 ]; then
  PATHS=("$@")
else
  S=$(pyenv root)/versions/3.13.0/lib/python3.13
  PATHS=("$S/asyncio" "$S/email" "$S/json" "$S/concurrent" "$S/multiprocessing"
         "$S/test/test_asyncio" "$S/idlelib" "$S/unittest")
fi
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"

# count NAME CMD... -> the total instruction count of CMD.
count() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$name" "$@" \
    >/dev/null 2>"$WORK/cg.$name.log" || true
  grep -o 'refs: *[0-9,]*' "$WORK/cg.$name.log" | tr -d ', ' | cut -d: -f2
}

a=$(count advise "$ROOT/target/release/advise" "${PATHS[@]}" --select ALL --format json --threads 1)
p=$(count parse "$ROOT/target/release/advise" "${PATHS[@]}" --parse-only --threads 1)
r=$(RAYON_NUM_THREADS=1 count ruff "$RUFF" check --no-cache --select ASYNC -q "${PATHS[@]}")
awk -v a="$a" -v p="$p" -v r="$r" 'BEGIN {
  printf "advise      %6.0f M instructions\n", a / 1e6
  printf "parse only  %6.0f M   (analysis adds %.0f%% to parsing)\n", p / 1e6, (a - p) * 100 / p
  printf "ruff        %6.0f M   (advise / ruff = %.2fx)\n", r / 1e6, a / r
}'
echo "(per-function costs: callgrind_annotate --inclusive=yes $WORK/cg.advise | head -60)"
