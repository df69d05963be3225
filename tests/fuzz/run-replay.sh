#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays each seed corpus through its fuzz target with the plain driver:
# the wire codec's (corpus/), the OpenSSH key parsers' (corpus-ssh-key/) and
# FIDO2 verification's (corpus-fido2/).
# Fails if a driver crashes or aborts (a broken parser property), if a
# corpus has no seeds to replay, or if the well-formed wire seeds are of
# another protocol version than include/vigil/proto.h.  top_srcdir and
# top_builddir come from AM_TESTS_ENVIRONMENT.
set -eu

: "${top_srcdir:?top_srcdir is not set}"
: "${top_builddir:?top_builddir is not set}"

# A frame of another protocol version stops at the header and tests nothing
# of the decoder: the well-formed wire seeds must carry the current version.
version=$(sed -n 's/^#define VIGIL_PROTO_VERSION[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
	"$top_srcdir/include/vigil/proto.h")
stale=0
for f in "$top_srcdir"/tests/fuzz/corpus/*.bin; do
	case ${f##*/} in bad_*) continue ;; esac
	[ "$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ')" = "$version" ] || stale=$((stale + 1))
done
if [ -z "$version" ] || [ "$stale" -ne 0 ]; then
	echo "run-replay: $stale seeds are not protocol ${version:-?}: regenerate them with tests/fuzz/make-corpus" >&2
	exit 1
fi

for pair in fuzz_replay:corpus fuzz_ssh_key_replay:corpus-ssh-key fuzz_fido2_replay:corpus-fido2; do
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
