#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make install` and `make uninstall` keep the admin's vigil.conf: the stock
# file always lands in the examples directory, and in $(sysconfdir)/vigil
# only when none is there; an edited file survives a reinstall and an
# uninstall.  Everything goes into a DESTDIR of its own, so this runs as any
# user and never touches the host.
#   top_srcdir=SRC top_builddir=BUILD tests/install/run.sh
set -uo pipefail

: "${top_builddir:?}" "${top_srcdir:?}"
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

tmp=$(mktemp -d /tmp/vigil-install.XXXXXX) || vt_die "mktemp"
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
stock=$top_srcdir/conf/vigil.conf
failed=0

check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failed=$((failed + 1))
	fi
}

# make -C BUILD TARGET DESTDIR=root, its output kept for a failure report.
run_make() {
	make -C "$top_builddir" "$1" DESTDIR="$root" >>"$tmp/make.log" 2>&1 || {
		tail -n 30 "$tmp/make.log" >&2
		vt_die "make $1 DESTDIR failed"
	}
}

# The installed paths, found rather than computed from the configure line.
run_make install
etc_conf=$(find "$root" -path '*/vigil/vigil.conf' -type f | head -n 1)
example_conf=$(find "$root" -path '*/examples/vigil.conf' -type f | head -n 1)
[ -n "$etc_conf" ] || vt_die "an install into an empty root has no etc/vigil/vigil.conf"
[ -n "$example_conf" ] || vt_die "the install has no examples/vigil.conf"
check "the first install puts the stock vigil.conf in $(dirname "${etc_conf#"$root"}")" cmp -s "$stock" "$etc_conf"
check "and in $(dirname "${example_conf#"$root"}")" cmp -s "$stock" "$example_conf"
check "vigil.conf is mode 0644" [ "$(stat -c %a "$etc_conf")" = 644 ]

# The admin edits the installed file, then installs again (an upgrade).
printf '\n[policy]\nstepup_at = 25 # local edit %s\n' "$$" >>"$etc_conf"
cp "$etc_conf" "$tmp/edited"
run_make install
check "a second install keeps the edited vigil.conf" cmp -s "$tmp/edited" "$etc_conf"
check "and says so" grep -q "keeping .*vigil/vigil.conf" "$tmp/make.log"
check "the examples still hold the stock file" cmp -s "$stock" "$example_conf"

run_make uninstall
check "uninstall keeps the edited vigil.conf" cmp -s "$tmp/edited" "$etc_conf"
check "uninstall removes the example" [ ! -e "$example_conf" ]

# Back to the stock file: nothing of the admin's left, so uninstall removes it.
run_make install
cp "$stock" "$etc_conf"
run_make uninstall
check "uninstall removes an unchanged vigil.conf" [ ! -e "$etc_conf" ]
check "and its directory" [ ! -e "$(dirname "$etc_conf")" ]

[ "$failed" -eq 0 ] || vt_die "$failed check(s) failed"
