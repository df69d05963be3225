#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the seed corpus through the decoder's fuzz target with the plain
# driver.  Fails if the driver crashes or aborts (a broken codec property),
# or if there are no seeds to replay.  top_srcdir and top_builddir come from
# AM_TESTS_ENVIRONMENT.
set -eu

: "${top_srcdir:?top_srcdir is not set}"
: "${top_builddir:?top_builddir is not set}"
corpus="$top_srcdir/tests/fuzz/corpus"
driver="$top_builddir/tests/fuzz/fuzz_replay"

seeds=$(find "$corpus" -type f -name '*.bin' | wc -l)
if [ "$seeds" -eq 0 ]; then
	echo "run-replay: no seeds in $corpus" >&2
	exit 1
fi
echo "run-replay: $seeds seeds in $corpus"
exec "$driver" "$corpus"
