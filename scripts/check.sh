#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite, from a fresh clone on Debian: installs what it needs,
# builds, and runs `make check` (unit tests, protocol fuzz corpus replay,
# symbol check, PAM integration against a real vigild, journald audit, and
# a real sshd in a mount namespace; the root-only parts say SKIP otherwise).
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top/build

bash "$top/scripts/build.sh" "$builddir"
cd "$builddir"
rc=0
make -j"$(nproc)" check || rc=$?

# Show what failed, then the summary line.
if [ "$rc" -ne 0 ]; then
	for log in $(find . -name '*.log' ! -name 'test-suite.log' ! -name 'config.log'); do
		trs=${log%.log}.trs
		if [ -f "$trs" ] && grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs"; then
			echo "=== $log"
			tail -n 80 "$log"
		fi
	done
fi
# grep finds nothing for a clean run: that is a count of 0, not an error.
count() { cat $(find . -name '*.trs') 2>/dev/null | { grep -c "^:test-result: $1" || true; }; }
pass=$(count PASS)
fail=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skip=$(count SKIP)
echo "$pass passed, $fail failed, $skip skipped"
exit "$rc"
