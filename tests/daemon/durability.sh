#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Durability by need, against a real vigild on a private tree, watched with
# strace: known-device logins cause no fdatasync; a step-up's DECISION
# leaves only after one; 8 step-ups released together share fewer than 8
# (group commit) and their codes stay single-use; an allowed auth with no
# factor is kept in memory until its account phase (on the same connection
# or another) writes it done, or its connection closes or begins another
# login and it is written pending; uid 65534 naming the victim's pending
# login id gets nothing from it; and a sync the disk refuses (an LD_PRELOAD
# shim, tests/daemon/fail_fdatasync.c) withholds the answer and makes vigild
# exit non-zero.
#
# Each check prints "ok - ..." or "not ok - ..."; the run ends with
# "N passed, N failed" and exits 1 if any failed.  Root only (strace -p,
# setpriv, the daemon's socket checks): exits 77 otherwise.  TOTP seeds live
# in 0600 files of the tree (tests/daemon/durability_client computes codes
# from them and prints none).  The tree is removed unless VT_KEEP is set.
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

vt_require_root
vt_require expect oathtool setpriv strace sqlite3
VIGILD=$(vt_vigild_bin)
[ -x "$VIGILD" ] || vt_die "vigild not built: $VIGILD"
[ -x "$(vt_vigilctl_bin)" ] || vt_die "vigilctl not built: $(vt_vigilctl_bin)"
[ -x "$top_builddir/tests/daemon/durability_client" ] || vt_die "missing tests/daemon/durability_client (make check builds it)"
SHIM=$top_builddir/tests/daemon/.libs/fail_fdatasync.so
[ -f "$SHIM" ] || vt_die "missing $SHIM (make check builds it)"

vt_mktree
# shellcheck disable=SC2119 # the made-up users only
vt_nss_setup
mkdir -m 755 "$VT_TMP/bin"
install -m 755 "$top_builddir/tests/daemon/durability_client" "$VT_TMP/bin/durability_client"
DUR=$VT_TMP/bin/durability_client
CONF=$VT_TMP/etc/vigil.conf
LOG=$VT_TMP/log/vigild.log
OUT=$VT_TMP/log/out
DB=$VT_TMP/state/vigil.db
PAM_SOCKET=$VT_TMP/run/pam.sock
RHOST=198.51.100.7
STRACE_PID=
FAIL_PID=
SCRIPT_PID=
SCRIPT_IN=

cleanup() {
	local rc=$? pid
	for pid in $STRACE_PID $FAIL_PID $SCRIPT_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	vt_stop_vigild
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "--- vigild log (last 30 lines)" >&2
		tail -n 30 "$LOG" >&2
	fi
	if [ -n "${VT_KEEP:-}" ]; then
		echo "kept $VT_TMP" >&2
	else
		rm -rf "$VT_TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT

passed=0
failed=0
pass() {
	echo "ok - $*"
	passed=$((passed + 1))
}
fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

vt_config "$CONF" \
	'[policy]' 'stepup_at = 30' 'deny_at = 100' 'no_factor = deny' \
	'[totp]' 'window = 8' \
	'[lockout]' 'deny = 3' 'interval = 900' 'unlock = 600'

# enroll USER: through vigilctl (tests/lib.sh); then the next code's step
# is counted from now, in secrets/USER.step.
enroll() {
	vt_enroll "$1"
	echo $(($(date +%s) / 30)) >"$VT_TMP/secrets/$1.step"
}
# next_step USER: a time step above every one USER has used.
next_step() {
	local k
	k=$(($(cat "$VT_TMP/secrets/$1.step") + 1))
	echo "$k" >"$VT_TMP/secrets/$1.step"
	echo "$k"
}
seed() { echo "$VT_TMP/secrets/$1.b32"; }

# strace_start FILE [STRACE OPTIONS...]: traces vigild into FILE until
# strace_stop; returns once strace says it is attached.
strace_start() {
	local file=$1
	shift
	strace -f -o "$file" "$@" -p "$VT_VIGILD_PID" 2>"$file.err" &
	STRACE_PID=$!
	wait_for 5 grep -q attached "$file.err"
}
strace_stop() {
	kill -INT "$STRACE_PID" 2>/dev/null
	wait "$STRACE_PID" 2>/dev/null
	STRACE_PID=
}
syncs() { grep -cE '(fdatasync|fsync)\(' "$1"; }

# Login rows by the wire id: logins.login_id TEXT today, an integer id whose
# decimal text is the wire id after the integer-key change; either works.
id_where() {
	local cols
	case $1 in *[!A-Za-z0-9_-]* | "") echo "0" && return ;; esac
	cols=",$(sqlite3 "file:$DB?mode=ro" "SELECT group_concat(name) FROM pragma_table_info('logins')"),"
	# Each name is looked for on its own: ",id,login_id," holds both,
	# but a pattern naming them in turn would need two commas between.
	case $cols in
	*,id,*)
		case $cols in
		*,login_id,*) echo "(CAST(id AS TEXT) = '$1' OR login_id = '$1')" ;;
		*) echo "CAST(id AS TEXT) = '$1'" ;;
		esac
		;;
	*) echo "login_id = '$1'" ;;
	esac
}
# rows ID: "COUNT|COMMITTED[,COMMITTED...]" for that login id.
rows() {
	sqlite3 "file:$DB?mode=ro" "SELECT count(*) || '|' || ifnull(group_concat(committed), '') FROM logins WHERE $(id_where "$1")"
}
rows_are() { [ "$(rows "$1")" = "$2" ]; }

# The line-driven client (durability_client script): say CMD... sends one
# command and reads its one answer into ANSWER.
start_script() {
	coproc SC { "$DUR" script "$VT_SOCKET" 2>>"$OUT.script.err"; }
	# Kept: bash unsets SC_PID as soon as it reaps the client, which
	# may be before `wait` asks for it (the client ends at its EOF).
	SCRIPT_PID=$SC_PID
	SCRIPT_IN=${SC[1]}
}
say() {
	ANSWER=
	echo "$*" >&"${SC[1]}"
	IFS= read -r -t 10 ANSWER <&"${SC[0]}"
	echo "$*: $ANSWER" >>"$OUT.script"
}
# login_id_of ANSWER: the id=... of a decision line.
login_id_of() { sed -n 's/.* id=\([^ ]*\)$/\1/p' <<<"$1"; }

vt_start_vigild "$CONF"

# ---------------------------------------------------------------------------
# 1. Known-device logins write history only: no fdatasync.
test_known() {
	local out=$OUT.t1 n
	enroll alice
	"$DUR" stepup "$VT_SOCKET" alice "$RHOST" "$(seed alice)" "$(next_step alice)" account >"$out" 2>&1
	check "1 known: (control) alice's first login steps up and her account phase is allowed" \
		grep -q '^stepup account allow' "$out"
	strace_start "$out.strace" -e trace=fdatasync,fsync || fail "1 known: strace did not attach"
	"$DUR" known "$VT_SOCKET" alice "$RHOST" 20 >>"$out" 2>&1
	strace_stop
	check "1 known: 20 known-device logins (AUTH_BEGIN + ACCOUNT_CHECK on one connection) all allowed" \
		grep -qx 'known 20 of 20 allowed' "$out"
	n=$(syncs "$out.strace")
	echo "# 1 known: fdatasync/fsync calls by vigild during 20 known logins: $n"
	[ "$n" -eq 0 ] || sed 's/^/#   /' "$out.strace" | grep -E 'sync\(' | head -n 5
	check "1 known: no fdatasync or fsync during 20 known-device logins (got $n)" test "$n" -eq 0
}

# ---------------------------------------------------------------------------
# 2. A step-up's DECISION is sent only after an fdatasync.
test_stepup_order() {
	local out=$OUT.t2 verdict
	enroll judy
	strace_start "$out.strace" -tt -e trace=fdatasync,fsync,sendto,write || fail "2 order: strace did not attach"
	"$DUR" stepup "$VT_SOCKET" judy "$RHOST" "$(seed judy)" "$(next_step judy)" >"$out" 2>&1
	strace_stop
	check "2 order: (control) judy's step-up is allowed" grep -q '^stepup decision allow' "$out"
	# The last sendto is the DECISION; the one before on that fd the PROMPT:
	# a sync must lie between them.
	verdict=$(awk '
		{ sub(/^\[?pid +[0-9]+\]? */, ""); sub(/^[0-9]+ +/, "") }
		/ sendto\(/ { fd = $0; sub(/.*sendto\(/, "", fd); sub(/,.*/, "", fd); n++; line[n] = NR; sfd[n] = fd }
		/ f(data)?sync\(/ { s++; sync[s] = NR }
		END {
			if (n < 2) { print "fewer than 2 sendto"; exit }
			for (p = n - 1; p >= 1 && sfd[p] != sfd[n]; p--) ;
			if (p < 1) { print "no earlier sendto on fd " sfd[n]; exit }
			for (i = 1; i <= s; i++) if (sync[i] > line[p] && sync[i] < line[n]) { print "ok"; exit }
			print "no sync between the prompt (line " line[p] ") and the decision (line " line[n] ")"
		}' "$out.strace")
	grep -nE '(sendto|sync)\(' "$out.strace" | tail -n 6 | sed 's/^/#   /'
	check "2 order: an fdatasync comes between the PROMPT's and the DECISION's send ($verdict)" test "$verdict" = ok
}

# ---------------------------------------------------------------------------
# 3. Group commit: 8 step-ups released together, fewer than 8 syncs; each
#    code used again is refused.
GROUP_USERS="bob carol dave erin frank gina hank ivan"
test_group() {
	local out=$OUT.t3 u step n refused=0
	for u in $GROUP_USERS; do
		enroll "$u"
	done
	step=$(($(date +%s) / 30 + 1))
	for u in $GROUP_USERS; do
		echo "$step" >"$VT_TMP/secrets/$u.step"
	done
	strace_start "$out.strace" -tt -e trace=fdatasync,fsync,sendto,read,epoll_wait || fail "3 group: strace did not attach"
	# shellcheck disable=SC2086
	"$DUR" group "$PAM_SOCKET" "$RHOST" "$VT_TMP/secrets" "$step" $GROUP_USERS >"$out" 2>&1
	strace_stop
	n=$(syncs "$out.strace")
	echo "# 3 group: fdatasync/fsync calls by vigild for 8 concurrent step-ups: $n"
	check "3 group: 8 concurrent step-ups (8 users, 8 connections) all allowed" grep -qx 'group 8 of 8 allowed' "$out"
	check "3 group: fewer than 8 syncs for them (got $n)" test "$n" -lt 8 -a "$n" -ge 1
	# How they were served: how many connections epoll found ready before
	# each sync (a sync while others wait is a group not made).
	[ "$n" -lt 8 ] || grep -E 'epoll_wait|sync\(|read\([0-9]+, "VGIL' "$out.strace" | grep -v 'EAGAIN' |
		sed -E 's/^[0-9]+ +//; s/(read\([0-9]+).*/\1, <frame header>)/; s/(epoll_wait\([0-9]+).*= /\1) ready = /' |
		tail -n 12 | sed 's/^/#   /'
	# shellcheck disable=SC2086
	"$DUR" group "$PAM_SOCKET" "$RHOST" "$VT_TMP/secrets" "$step" $GROUP_USERS >"$out.replay" 2>&1
	for u in $GROUP_USERS; do
		grep -qE "^$u (prompt-again|decision deny)" "$out.replay" && refused=$((refused + 1))
	done
	check "3 group: each of the 8 codes used again is refused ($refused of 8; none allowed)" \
		test "$refused" -eq 8 -a "$(grep -c 'decision allow' "$out.replay")" -eq 0
}

# ---------------------------------------------------------------------------
# 4. Deferral: the record of an allowed auth without a factor waits for its
#    account phase.
test_deferral() {
	local id id2 id3 id4 id5
	say connect 0
	say auth 0 alice "$RHOST"
	id=$(login_id_of "$ANSWER")
	check "4a deferral: (control) alice's known-device AUTH_BEGIN is allowed with an id ($ANSWER)" \
		test -n "$id" -a "$id" != - -a "${ANSWER#0 decision allow}" != "$ANSWER"
	check "4a deferral: before the account phase no logins row has that id (got $(rows "$id"))" rows_are "$id" "0|"
	say account 0 alice "$RHOST" "$id"
	check "4a deferral: ACCOUNT_CHECK on the same connection is allowed ($ANSWER)" \
		test "${ANSWER#0 account allow}" != "$ANSWER"
	check "4a deferral: then exactly one row for that id, committed = 1 (got $(rows "$id"))" rows_are "$id" "1|1"

	say connect 1
	say auth 1 alice "$RHOST"
	id2=$(login_id_of "$ANSWER")
	check "4b close: (control) allowed, no row yet (got $(rows "$id2"))" rows_are "$id2" "0|"
	say close 1
	wait_for 2 rows_are "$id2" "1|0"
	check "4b close: the connection closed without account: a row committed = 0 appears (got $(rows "$id2"))" \
		rows_are "$id2" "1|0"

	say connect 2
	say auth 2 alice "$RHOST"
	id3=$(login_id_of "$ANSWER")
	say connect 3
	say account 3 alice "$RHOST" "$id3"
	check "4c other connection: ACCOUNT_CHECK on B with A's id is allowed ($ANSWER)" \
		test "${ANSWER#3 account allow}" != "$ANSWER"
	check "4c other connection: one row for the id, committed = 1 (got $(rows "$id3"))" rows_are "$id3" "1|1"
	say close 2
	say close 3
	sleep 0.3
	check "4c other connection: after A closes, still exactly that one row (got $(rows "$id3"))" rows_are "$id3" "1|1"

	say connect 4
	say auth 4 alice "$RHOST"
	id4=$(login_id_of "$ANSWER")
	say auth 4 alice "$RHOST"
	id5=$(login_id_of "$ANSWER")
	check "4d second auth: (control) two different ids" test -n "$id5" -a "$id4" != "$id5"
	check "4d second auth: the first's row is written pending by the second AUTH_BEGIN (got $(rows "$id4"))" \
		rows_are "$id4" "1|0"
	check "4d second auth: the second has no row yet (got $(rows "$id5"))" rows_are "$id5" "0|"
	say account 4 alice "$RHOST" "$id5"
	check "4d second auth: the account phase on A claims the second ($ANSWER)" \
		test "${ANSWER#4 account allow}" != "$ANSWER"
	check "4d second auth: second committed = 1, first still pending (got $(rows "$id5"), $(rows "$id4"))" \
		test "$(rows "$id5") $(rows "$id4")" = "1|1 1|0"
	say close 4
}

# ---------------------------------------------------------------------------
# 5. Attacker and victim: uid 65534 on the public socket names the victim's
#    pending login id; it gets nothing, and the victim's account phase still
#    claims it once.
test_attacker() {
	local out=$OUT.t5 vid ok
	say connect 5
	say auth 5 alice "$RHOST"
	vid=$(login_id_of "$ANSWER")
	check "5 attacker: (control) the victim's auth is allowed and waits for its account phase (got $(rows "$vid"))" \
		rows_are "$vid" "0|"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DUR" script "$VT_SOCKET" >"$out" 2>&1 <<EOF
connect 0
account 0 alice $RHOST $vid
connect 1
auth 1 alice $RHOST
connect 2
account 2 nobody $RHOST $vid
connect 3
auth 3 nobody $RHOST
account 3 nobody $RHOST $vid
EOF
	sed 's/^/#   uid 65534: /' "$out"
	ok=true
	grep -qF "id=$vid" "$out" && ok=false
	grep -qE '^[01] (decision|account) allow' "$out" && ok=false
	grep -qE '^[01] (decision|account|error|prompt)' "$out" || ok=false
	check "5 attacker: uid 65534's ACCOUNT_CHECK and AUTH_BEGIN for alice are refused, never given her id" $ok
	ok=true
	grep -E '^[23] (decision|account) ' "$out" | grep -qv ' id=-$' && ok=false
	check "5 attacker: uid 65534 naming the id as itself gets a self-query answer only (no id)" $ok
	check "5 attacker: nothing was written for uid 65534, and the victim's record still waits (got $(rows "$vid"))" \
		test "$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM logins WHERE user = 'nobody'")|$(rows "$vid")" = "0|0|"
	say account 5 alice "$RHOST" "$vid"
	check "5 attacker: root's ACCOUNT_CHECK for the victim's id still succeeds ($ANSWER)" \
		test "${ANSWER#5 account allow}" != "$ANSWER"
	check "5 attacker: the victim's row is committed once (got $(rows "$vid"))" rows_are "$vid" "1|1"
	say close 5
}

# ---------------------------------------------------------------------------
# 6. A sync the disk refuses: no answer, vigild exits non-zero.
test_failed_sync() {
	local dir=$VT_TMP/t6 out=$OUT.t6 rc=none saved_socket=$VT_SOCKET
	mkdir -m 755 "$dir" "$dir/run"
	mkdir -m 700 "$dir/state"
	env LD_PRELOAD="$VT_VIGILD_PRELOAD $SHIM" FAIL_FDATASYNC_MARKER="$dir/armed" "$VIGILD" --config "$CONF" \
		--state-dir "$dir/state" --runtime-dir "$dir/run" --debug 2>"$dir/vigild.log" &
	FAIL_PID=$!
	VT_SOCKET=$dir/run/vigild.sock
	if ! wait_for 5 test -S "$VT_SOCKET"; then
		fail "6 failed sync: vigild with the shim did not start"
		VT_SOCKET=$saved_socket
		return
	fi
	check "6 failed sync: (control) the shim is loaded in vigild" grep -qF fail_fdatasync.so "/proc/$FAIL_PID/maps"
	enroll mallory
	check "6 failed sync: (control) enrolling, which syncs, works before the marker exists" kill -0 "$FAIL_PID"
	touch "$dir/armed"
	"$DUR" stepup "$VT_SOCKET" mallory "$RHOST" "$(seed mallory)" "$(next_step mallory)" account >"$out" 2>&1
	VT_SOCKET=$saved_socket
	sed 's/^/#   client: /' "$out"
	check "6 failed sync: (control) the client reached the code prompt's answer" grep -q '^stepup' "$out"
	check "6 failed sync: the client got no allowed DECISION (closed or an error)" \
		test "$(grep -c 'allow' "$out")" -eq 0
	for _ in $(seq 1 100); do
		kill -0 "$FAIL_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$FAIL_PID" 2>/dev/null; then
		fail "6 failed sync: vigild still runs 5 s after the failed sync"
		kill "$FAIL_PID"
		wait "$FAIL_PID"
	else
		wait "$FAIL_PID"
		rc=$?
		check "6 failed sync: vigild exits non-zero (exit $rc)" test "$rc" -ne 0
	fi
	FAIL_PID=
	check "6 failed sync: vigild logs at LOG_CRIT that the database cannot be synced" \
		grep -qE '^<2>.*cannot be synced' "$dir/vigild.log"
	grep -E 'cannot be synced' "$dir/vigild.log" | sed 's/^/#   vigild: /'
}

start_script
test_known
test_stepup_order
test_group
test_deferral
test_attacker
test_failed_sync
eval "exec ${SCRIPT_IN}>&-"
wait "$SCRIPT_PID" 2>/dev/null
SCRIPT_PID=
vt_stop_vigild

ok=true
for s in "$VT_TMP"/secrets/*.b32; do
	[ -e "$s" ] || continue
	grep -rqF -f "$s" "$VT_TMP/log" "$VT_TMP/t6" && ok=false
done
check "no TOTP seed appears in any log or output of this run" $ok

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
