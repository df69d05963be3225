#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seeds of tests/fuzz/fuzz_ssh_key.c into a directory (checked in
# as tests/fuzz/corpus-ssh-key; run this only to regenerate them):
#
#     tests/fuzz/make-ssh-key-corpus.sh "$top_srcdir/tests/fuzz/corpus-ssh-key"
#
# A seed's first byte picks the parser: 0x00 an enrolled key line (the .pub
# files of tests/unit/data/ssh, made with sk-dummy: public keys only), 0x01
# an SSH_AUTH_INFO_0 value as sshd writes it, taking up to 8 keys (0x11: up
# to 6).  crash-*.bin are inputs the fuzzer once broke the parsers with: kept.
set -euo pipefail

out=${1:?usage: make-ssh-key-corpus.sh DIR}
data=$(cd "$(dirname "$0")/../unit/data/ssh" && pwd)
mkdir -p "$out"

seed() { # NAME SELECTOR(octal escape) TEXT
	printf "$2%s" "$3" >"$out/$1.bin"
}
key() { cut -d' ' -f1,2 "$data/$1.pub"; }
pk() { echo "publickey $(key "$1")"; }

for f in "$data"/*.pub; do
	n=$(basename "$f" .pub)
	seed "line-$n" '\000' "$(cat "$f")"$'\n'
	seed "auth-$n" '\001' "$(pk "$n")"$'\n'
done
seed line-crlf '\000' "$(key ed25519-sk) a comment"$'\r\n'
seed line-options '\000' "no-touch-required $(key ecdsa-sk)"
seed auth-two-sk '\021' "$(pk ed25519-sk)"$'\n'"$(pk ecdsa-sk)"$'\n'"keyboard-interactive/pam"$'\n'
seed auth-plain-then-sk '\021' "$(pk ed25519)"$'\n'"$(pk ecdsa-sk-app) signature count = 7"$'\n'
seed auth-kbdint '\001' "keyboard-interactive/pam"$'\n'"password"
seed auth-empty-line '\001' "$(pk ed25519-sk)"$'\n\n'
