#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every C file is formatted as .clang-format says.
set -u
: "${top_srcdir:?}"
command -v clang-format >/dev/null 2>&1 || { echo "clang-format missing (scripts/deps.sh --test installs it)"; exit 1; }
bad=0
n=0
for f in $(find "$top_srcdir/include" "$top_srcdir/lib" "$top_srcdir/pam" "$top_srcdir/daemon" \
	"$top_srcdir/cli" "$top_srcdir/helper" "$top_srcdir/tests" "$top_srcdir/bench" -name '*.[ch]' 2>/dev/null); do
	n=$((n + 1))
	if ! clang-format --style="file:$top_srcdir/.clang-format" --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: ${f#"$top_srcdir"/}"
		bad=$((bad + 1))
	fi
done
echo "$n files checked, $bad not formatted"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
