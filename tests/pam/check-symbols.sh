#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pam_vigil.so is loaded into sshd and sudo: it must export exactly the six
# PAM service functions (the version script hides lib/ and the helpers) and
# need nothing but libpam and libc (plus the sanitizer runtimes in a
# sanitizer build).  Reads the built module; changes nothing.
set -u
# The allowed-library patterns below are case patterns, never file globs.
set -f

: "${top_builddir:?top_builddir must be set (make check sets it)}"
so="$top_builddir/.libs/pam_vigil.so"
fail=0

if [ ! -f "$so" ]; then
	echo "FAIL: $so not built" >&2
	exit 99
fi
for tool in nm readelf; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found" >&2
		exit 77
	fi
done

expected='pam_sm_acct_mgmt
pam_sm_authenticate
pam_sm_chauthtok
pam_sm_close_session
pam_sm_open_session
pam_sm_setcred'

# Every defined dynamic symbol, whatever its type (functions, data, weak).
exported=$(nm -D --defined-only --format=posix "$so" | awk '{ print $1 }' | LC_ALL=C sort) || {
	echo "FAIL: nm failed on $so" >&2
	exit 99
}
if [ "$exported" != "$expected" ]; then
	echo "FAIL: $so exports:" >&2
	echo "$exported" | sed 's/^/  /' >&2
	echo "expected exactly:" >&2
	echo "$expected" | sed 's/^/  /' >&2
	fail=1
fi

allowed='libpam.so.0 libc.so.6'
if [ -n "${VIGIL_ASAN_PRELOAD:-}" ]; then
	# A sanitizer build links its runtimes; accept those by name only.
	allowed="$allowed libasan.so.* libubsan.so.*"
fi
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p') || {
	echo "FAIL: readelf failed on $so" >&2
	exit 99
}
if [ -z "$needed" ]; then
	echo "FAIL: $so has no NEEDED entries (libpam and libc expected)" >&2
	fail=1
fi
for lib in $needed; do
	ok=0
	for pattern in $allowed; do
		# shellcheck disable=SC2254 # the patterns are meant as patterns
		case "$lib" in
		$pattern) ok=1 ;;
		esac
	done
	if [ "$ok" -ne 1 ]; then
		echo "FAIL: $so needs $lib (allowed: $allowed)" >&2
		fail=1
	fi
done

if [ "$fail" -eq 0 ]; then
	echo "PASS: $so exports only pam_sm_* and needs only: $(echo "$needed" | tr '\n' ' ')"
fi
exit "$fail"
