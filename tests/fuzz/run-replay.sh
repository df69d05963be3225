#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays each seed corpus through its fuzz target with the plain driver:
# the wire codec's (corpus/) and the OpenSSH key parsers' (corpus-ssh-key/).
# Fails if a driver crashes or aborts (a broken parser property), or if a
# corpus has no seeds to replay.  top_srcdir and top_builddir come from
# AM_TESTS_ENVIRONMENT.
set -eu

: "${top_srcdir:?top_srcdir is not set}"
: "${top_builddir:?top_builddir is not set}"

for pair in fuzz_replay:corpus fuzz_ssh_key_replay:corpus-ssh-key; do
	driver="$top_builddir/tests/fuzz/${pair%%:*}"
	corpus="$top_srcdir/tests/fuzz/${pair#*:}"
	seeds=$(find "$corpus" -type f -name '*.bin' | wc -l)
	if [ "$seeds" -eq 0 ]; then
		echo "run-replay: no seeds in $corpus" >&2
		exit 1
	fi
	echo "run-replay: $seeds seeds in $corpus"
	"$driver" "$corpus"
done
