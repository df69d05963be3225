#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite, from a fresh clone on Debian: installs what it needs,
# builds, and runs `make check` twice: in a plain build (unit tests,
# protocol fuzz corpus replay, symbol and format checks, PAM integration
# against a real vigild, daemon lifecycle, journald audit, a real sshd in a
# mount namespace) and in an ASan+UBSan build (the same, but sshd, which
# cannot load a sanitized module).  Root-only parts say SKIP otherwise.
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# The test tools on top of the build dependencies build.sh installs.
bash "$top/scripts/deps.sh" --test

run_check() { # BUILD_DIR [configure options]
	local builddir=$1 rc=0
	shift
	bash "$top/scripts/build.sh" "$builddir" "$@"
	make -C "$builddir" -j"$(nproc)" check || rc=$?
	if [ "$rc" -ne 0 ]; then
		# Show what failed.
		for trs in $(find "$builddir" -name '*.trs'); do
			if grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs"; then
				echo "=== ${trs%.trs}.log"
				tail -n 80 "${trs%.trs}.log"
			fi
		done
	fi
	return "$rc"
}

rc=0
run_check "$top/build" || rc=$?
run_check "$top/build-sanitizers" --enable-sanitizers || rc=$?

# grep finds nothing for a clean run: that is a count of 0, not an error.
count() { cat $(find "$top/build" "$top/build-sanitizers" -name '*.trs') 2>/dev/null | { grep -c "^:test-result: $1" || true; }; }
echo "$(count PASS) passed, $(($(count FAIL) + $(count ERROR) + $(count XPASS))) failed, $(count SKIP) skipped"
exit "$rc"
