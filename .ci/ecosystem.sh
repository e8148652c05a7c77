#!/usr/bin/env bash
# The Python-ecosystem routes, end to end with the real clients from PyPI:
#   1. maturin builds the wheel; pip installs it into a fresh venv; the
#      venv's `advise` runs (`--version`, and one analysis);
#   2. pre-commit runs this checkout's hook with `try-repo` in a throwaway
#      git repository: it fails on a file advise flags, passes once fixed,
#      and `--force-exclude` keeps an excluded file out.
# Needs python3 (with venv), git, cargo, and PyPI. Called by .ci/run after
# `cargo test`; a developer can run it alone: bash .ci/ecosystem.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Release builds are slow on two cores: the wheel build and pre-commit's
# build of its clone share one target directory, so the second one compiles
# only advise itself. Kept apart from the developer's own builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}/ecosystem"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PRE_COMMIT_HOME="$work/pre-commit-home"
# A hook run inside GitHub Actions would switch the output format.
unset GITHUB_ACTIONS ADVISE_OUTPUT_FORMAT

step() { printf '\n== %s [%s]\n' "$*" "$(date -u +%H:%M:%S)"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "tools: maturin and pre-commit from PyPI"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet "maturin>=1.5,<2" pre-commit
"$work/tools/bin/maturin" --version
"$work/tools/bin/pre-commit" --version

step "pip: build the wheel with maturin, install it into a fresh venv"
if ! "$work/tools/bin/maturin" build --release -o "$work/wheels" >"$work/build.log" 2>&1; then
    cat "$work/build.log"
    fail "maturin build"
fi
tail -n 3 "$work/build.log"
wheel=$(ls "$work"/wheels/advise-*.whl)
echo "built $(basename "$wheel")"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel"
version=$("$work/venv/bin/advise" --version)
echo "$version"
expected="advise $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[ "$version" = "$expected" ] || fail "venv advise --version: '$version', expected '$expected'"
set +e
"$work/venv/bin/advise" --output-format concise fixtures/example >"$work/example.txt" 2>&1
status=$?
set -e
cat "$work/example.txt"
[ "$status" -eq 1 ] || fail "venv advise on fixtures/example exited $status, expected 1"
grep -q "GIL101" "$work/example.txt" || fail "no GIL101 from the venv's advise"

step "pre-commit: try-repo this checkout in a throwaway git repository"
# try-repo uses the checkout's HEAD, plus a temporary commit of any
# uncommitted changes, so a developer's work in progress is what runs.
project="$work/project"
mkdir -p "$project/generated"
cd "$project"
git init --quiet
git config user.email ci@example.invalid
git config user.name ci
# A coroutine with a blocking call (GIL104). Once the race rules (GIL2xx)
# exist, a racy file can replace it, as the issue asks.
cat >app.py <<'PY'
import time


async def handler():
    time.sleep(1)
    return "done"
PY
# Excluded by the project's configuration: with --force-exclude the hook
# skips it although pre-commit names it.
cp app.py generated/stale.py
cat >pyproject.toml <<'TOML'
[tool.advise]
extend-exclude = ["generated"]
TOML
git add -A
try_repo() {
    "$work/tools/bin/pre-commit" try-repo "$repo" advise --all-files --color never
}
set +e
try_repo >"$work/fail.txt" 2>&1
status=$?
set -e
cat "$work/fail.txt"
[ "$status" -ne 0 ] || fail "the hook passed on a file with a blocking call"
grep -q "GIL104" "$work/fail.txt" || fail "the failing hook did not report GIL104"
grep -q "app.py" "$work/fail.txt" || fail "the failing hook did not name app.py"
if grep -q "stale.py" "$work/fail.txt"; then
    fail "--force-exclude did not keep generated/stale.py out"
fi

cat >app.py <<'PY'
import asyncio


async def handler():
    await asyncio.sleep(1)
    return "done"
PY
git add -A
set +e
try_repo >"$work/pass.txt" 2>&1
status=$?
set -e
cat "$work/pass.txt"
[ "$status" -eq 0 ] || fail "the hook failed on the fixed file (exit $status)"
grep -q "Passed" "$work/pass.txt" || fail "pre-commit did not report the hook as Passed"

cd "$repo"
printf '\necosystem: pip, maturin and pre-commit routes passed [%s]\n' "$(date -u +%H:%M:%S)"
