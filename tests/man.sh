#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every man page renders without a single warning: groff -ww as man(1) runs
# it for an 80-column terminal, groff's default device, and man --warnings
# itself where man-db is installed.  Any line on standard error fails.
set -u
: "${top_srcdir:?}"
if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff not found (Debian package groff-base)"
	exit 77
fi
bad=0
n=0
for f in "$top_srcdir"/man/*.[1-8]; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	out=$({
		groff -ww -z -man -Tutf8 -rLL=80n "$f"
		groff -ww -z -man "$f"
		# man-db drops the formatter's stderr when its output is not a
		# terminal, unless MAN_KEEP_STDERR is set.
		if command -v man >/dev/null 2>&1; then
			LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_STDERR=1 man --warnings -l "$f" >/dev/null
		fi
	} 2>&1)
	if [ -n "$out" ]; then
		echo "warnings in ${f#"$top_srcdir"/}:"
		printf '%s\n' "$out"
		bad=$((bad + 1))
	fi
done
echo "$n pages checked, $bad with warnings"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
