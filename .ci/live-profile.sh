#!/usr/bin/env bash
# CI: record a py-spy profile live and check that advise reads and joins it.
#
# Installs py-spy from PyPI into a throwaway venv (or uses the one named by
# ADVISE_PROFILE_VENV). Where py-spy cannot be installed or cannot attach
# to a process (no ptrace permission, an unsupported Python), the check is
# skipped with the reason printed; a profile advise then fails to read or
# join is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
skip() {
    echo "live-profile: SKIPPED: $*"
    exit 0
}
last() { grep -v '^[[:space:]]*$' "$1" | tail -n 1; }

command -v python3 >/dev/null || skip "no python3 on PATH"
venv=${ADVISE_PROFILE_VENV:-$work/venv}
if [ ! -x "$venv/bin/py-spy" ]; then
    python3 -m venv "$venv" >"$work/log" 2>&1 ||
        skip "cannot create a venv: $(last "$work/log")"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check py-spy \
        >"$work/log" 2>&1 || skip "cannot install py-spy: $(last "$work/log")"
fi
"$venv/bin/py-spy" record --format raw --output "$work/cpu_bound.txt" \
    -- "$venv/bin/python" fixtures/profiles/cpu_bound.py >"$work/log" 2>&1 ||
    skip "py-spy cannot attach: $(last "$work/log")"
[ -s "$work/cpu_bound.txt" ] || skip "py-spy wrote no samples: $(last "$work/log")"

set -e
cargo build --locked --quiet
advise="${CARGO_TARGET_DIR:-target}/debug/advise"
status=0
"$advise" --format json --profile "$work/cpu_bound.txt" fixtures/profiles/cpu_bound.py \
    >"$work/out.json" || status=$?
if [ "$status" -gt 1 ]; then
    echo "live-profile: FAILED: advise exited with $status on a fresh py-spy profile" >&2
    head -n 5 "$work/cpu_bound.txt" >&2
    exit 1
fi
python3 - "$work/out.json" <<'PY'
import json, sys

out = json.load(open(sys.argv[1]))
prof = out["profiles"][0]
hot = {h["function"]: h for h in out["hotspots"]}
problems = []
if prof["format"] != "collapsed":
    problems.append(f"format {prof['format']}")
if prof["mapped"] < 0.9:
    problems.append(f"only {prof['mapped']:.1%} of the samples mapped")
c = hot.get("collatz_steps", {}).get("measured") or {}
if c.get("workload") != "cpu" or c.get("share", 0) < 0.5:
    problems.append(f"collatz_steps measured as {c}")
if problems:
    sys.exit("live-profile: FAILED: " + "; ".join(problems))
print(
    f"live-profile: ok: {prof['samples']} samples, {prof['mapped']:.1%} mapped, "
    f"collatz_steps {c['share']:.1%} cpu"
)
PY
