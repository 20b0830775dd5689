#!/bin/sh
# The package as a user installs it: builds the wheel, checks that it installs one import
# package (sop), installs it into a fresh virtual environment in a temporary folder outside the
# checkout, and from there runs what 'make demo' does: the sample company, then a cycle under
# the packaged demo policy through both gates, which must end done with a published plan.
#
#     sh tests/wheel_check.sh [PYTHON]
#
# Dependencies install at the versions of requirements.lock, as 'make' installs them.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { echo "wheel-check: $*"; }

step "building the wheel"
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" "$repo"
rm -rf "$repo/build"
wheel=$(ls "$work"/dist/sop-*.whl)
top=$("$python" -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
names = [n for n in z.namelist() if n.endswith('.dist-info/top_level.txt')]; print(*z.read(names[0]).decode().split())" \
  "$wheel")
[ "$top" = "sop" ] || { echo "wheel-check: the wheel installs '$top', not only 'sop'" >&2; exit 1; }
step "$(basename "$wheel") installs one import package: $top"

step "installing it into a fresh virtual environment in $work"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$repo/requirements.lock" "$wheel"

cd "$work"
export SOP_DB="$work/sop.duckdb" SOP_CHECKPOINT_URL="$work/checkpoints.sqlite" SOP_OUT="$work/out"
sop="$work/venv/bin/sop"
step "$("$sop" --version), run from $work"
"$sop" data demo --out "$work/data" >/dev/null
"$sop" cycle run --policy demo
"$sop" cycle status --json | "$work/venv/bin/python" -c "import json, sys; s = json.load(sys.stdin); \
assert s['state'] == 'done' and s['published_version'] == 1, s; print('wheel-check: cycle', s['period'], s['state'])"
test -s "$work/out/2026-11/approved-plan.csv"
test -s "$work/out/2026-11/executive-package.html"
step "the installed package ran the demo cycle through both gates"
