#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The bash completion of vigilctl (conf/bash-completion/vigilctl), without
# bash-completion installed: commands, subcommands, each command's options,
# option values (decisions, PAM services from /etc/pam.d, user names from
# NSS), and global options before the command.  Needs nothing but bash.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../../conf/bash-completion/vigilctl
. "$top_srcdir/conf/bash-completion/vigilctl"

failures=0
# comp WORDS... -- EXPECTED...: completes the last word of the line and
# checks that every expected word is offered.
comp() {
	local line=() want=() w
	while [ "$1" != -- ]; do
		line+=("$1")
		shift
	done
	shift
	want=("$@")
	COMP_WORDS=("${line[@]}")
	COMP_CWORD=$((${#line[@]} - 1))
	COMPREPLY=()
	_vigilctl
	for w in "${want[@]}"; do
		if ! printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
			echo "FAIL: '${line[*]}' does not offer '$w' (offered: ${COMPREPLY[*]})" >&2
			failures=$((failures + 1))
		fi
	done
}
# none WORDS...: the last word gets no completion.
none() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_vigilctl
	[ "${#COMPREPLY[@]}" -eq 0 ] || {
		echo "FAIL: '$*' offers: ${COMPREPLY[*]}" >&2
		failures=$((failures + 1))
	}
}

comp vigilctl "" -- status totp key recovery unlock users user sessions session history daemon config report factor device source explain simulate reload
comp vigilctl h -- history help
comp vigilctl --timeout 5 us -- users user
comp vigilctl se -- sessions session
comp vigilctl --admin-socket /x hi -- history
comp vigilctl - -- --socket --admin-socket --timeout --help --version
comp vigilctl history - -- --user --service --decision --since --limit --json
comp vigilctl history --decision "" -- allow deny shadow learn
comp vigilctl history --user ro -- root
comp vigilctl status --u -- --user
comp vigilctl status --json --user ro -- root
comp vigilctl user "" -- show suspend resume
comp vigilctl user su -- suspend
comp vigilctl user suspend ro -- root
comp vigilctl user resume ro -- root
comp vigilctl sessions - -- --user --json
comp vigilctl sessions --user ro -- root
comp vigilctl session "" -- end
comp vigilctl session end - -- --user
comp vigilctl session end --user ro -- root
comp vigilctl user show ro -- root
comp vigilctl user show root --j -- --json
comp vigilctl totp "" -- enroll remove
comp vigilctl factor "" -- remove
comp vigilctl factor remove --user root "" -- totp recovery key:
comp vigilctl key "" -- enroll add-ssh list rename remove
comp vigilctl key enroll - -- --user --name --uv --resident
comp vigilctl key add-ssh - -- --user --name
comp vigilctl key list - -- --user --json
comp vigilctl key remove --user ro -- root
comp vigilctl recovery "" -- generate
comp vigilctl recovery generate - -- --user
comp vigilctl totp remove - -- --key
none vigilctl key enroll --name ""
comp vigilctl device "" -- forget
comp vigilctl source "" -- forget
comp vigilctl simulate - -- --user --service --rhost --key --json
comp vigilctl unlock - -- --source --user
comp vigilctl daemon - -- --json
comp vigilctl config - -- --json
comp vigilctl reload - -- --json
comp vigilctl report - -- --since --json
comp vigilctl r -- report reload
if [ -e /etc/pam.d/other ]; then
	comp vigilctl history --service oth -- other
fi
none vigilctl history --limit ""
none vigilctl report --since ""
none vigilctl frobnicate ""

if [ "$failures" -ne 0 ]; then
	echo "$failures completion check(s) failed" >&2
	exit 1
fi
echo "PASS: vigilctl bash completion"
