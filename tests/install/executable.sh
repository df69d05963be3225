#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every script the README tells a reader to run (./bootstrap, scripts/*.sh,
# tests/*/run.sh, bench/perf.sh, .ci/run) exists and is executable: a clone
# whose scripts lost their mode answers "Permission denied" to the Quick
# start.  Checks the files of the source tree (git keeps the mode).
set -uo pipefail

: "${top_srcdir:?}"
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

# A release tarball is not what a reader clones, and ships no .ci/.
[ -e "$top_srcdir/.git" ] || vt_skip "not a git checkout"

named=$(grep -oE '(\./)?(bootstrap|\.ci/run|(scripts|bench|tests/[a-z0-9]+)/[a-z0-9_.-]+\.sh)' \
	"$top_srcdir/README.md" | sed 's|^\./||' | sort -u)
[ -n "$named" ] || vt_die "the README names no script: the pattern is out of date"
failed=0
for f in $named; do
	if [ -f "$top_srcdir/$f" ] && [ -x "$top_srcdir/$f" ]; then
		echo "ok - $f is executable"
	else
		echo "not ok - $f, named in the README, is missing or not executable"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ] || vt_die "$failed script(s) named in the README cannot be run"
