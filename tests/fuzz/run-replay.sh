#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays each fuzz target's seed corpus with the plain driver: the wire
# codec (corpus/) and FIDO2 verification (corpus-fido2/).  Fails if a driver
# crashes or aborts (a broken property), or if a corpus has no seeds.
# top_srcdir and top_builddir come from AM_TESTS_ENVIRONMENT.
set -eu

: "${top_srcdir:?top_srcdir is not set}"
: "${top_builddir:?top_builddir is not set}"

replay() {
	corpus="$top_srcdir/tests/fuzz/$1"
	driver="$top_builddir/tests/fuzz/$2"
	seeds=$(find "$corpus" -type f -name '*.bin' | wc -l)
	if [ "$seeds" -eq 0 ]; then
		echo "run-replay: no seeds in $corpus" >&2
		exit 1
	fi
	echo "run-replay: $seeds seeds in $corpus"
	"$driver" "$corpus"
}

replay corpus fuzz_replay
replay corpus-fido2 fuzz_fido2_replay
