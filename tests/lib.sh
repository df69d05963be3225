# SPDX-License-Identifier: BSD-3-Clause
# Shell helpers shared by the real-server tests and the demo: a private
# temporary tree, a vigild on it, TOTP enrollment through vigilctl, codes
# from oathtool, a journald in a mount namespace.  Sourced, not run.
#
# Expects top_builddir (the build tree) and top_srcdir to be set.
# Secrets (TOTP seeds, codes) live only in files of the temporary tree,
# mode 0600, and are never printed.

# One known locale whatever the caller's (LANG unset, LC_ALL=C, or a locale
# that is not installed): the suites read UTF-8 text (the enrollment QR code
# in a prompt, which the ssh client escapes unless its locale is UTF-8) and
# match English messages.  C.UTF-8 is built into Debian's libc.  make check
# sets the same for every test (Makefile.am); this covers direct runs.
export LC_ALL=C.UTF-8
unset LANGUAGE

vt_die() {
	echo "FAIL: $*" >&2
	exit 1
}

vt_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

vt_require_root() {
	[ "$(id -u)" -eq 0 ] || vt_skip "needs root (namespaces, sshd, sudo)"
}

vt_require() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || vt_die "missing tool: $tool (run scripts/deps.sh --test)"
	done
}

# A temporary tree every user can traverse (the module refuses a socket in a
# directory others can write, and a non-root peer must reach the socket).
vt_mktree() {
	VT_TMP=$(mktemp -d /tmp/vigil-test.XXXXXX) || vt_die "mktemp"
	chmod 755 "$VT_TMP"
	mkdir -m 700 "$VT_TMP/state" "$VT_TMP/secrets"
	mkdir -m 755 "$VT_TMP/run" "$VT_TMP/etc" "$VT_TMP/log"
	VT_SOCKET="$VT_TMP/run/vigild.sock"
	export VT_TMP VT_SOCKET
}

# vt_config FILE [INI text]: the test configuration; extra text appended.
vt_config() {
	local file=$1
	shift
	{
		printf '# Vigil test configuration\n'
		printf '%s\n' "$@"
	} >"$file"
	chmod 644 "$file"
}

vt_vigild_bin() { echo "$top_builddir/daemon/vigild"; }
vt_vigilctl_bin() { echo "$top_builddir/cli/vigilctl"; }
vt_module() { echo "$top_builddir/.libs/pam_vigil.so"; }

# The made-up users the suites and the demo name.  vigild refuses a user
# NSS does not know, and these exist on no host: vigild sees them through
# nss_wrapper (Debian: libnss-wrapper), never through the host's files.
VT_NSS_USERS="alice bob carol dave erin frank gina hank ivan judy mallory"

# vt_nss_setup [USER...]: writes $VT_TMP/nss/passwd and group, the host's
# accounts (as getent lists them here, so a mount namespace's private
# /etc/passwd counts) plus VT_NSS_USERS and USER... that are not among them,
# with unused uids from 20000; exports NSS_WRAPPER_PASSWD, NSS_WRAPPER_GROUP
# and VT_VIGILD_PRELOAD, the LD_PRELOAD a vigild runs with (a sanitizer
# runtime must come first).  Every program that starts a vigild for a test
# (vt_start_vigild, tests/pam/harness.c, bench/sessions_overhead.sh) takes it from here,
# as `env LD_PRELOAD="$VT_VIGILD_PRELOAD" vigild ...`: env execs, so $! of a
# background start is still vigild's pid (a shell function would not be).
vt_nss_setup() {
	local dir="$VT_TMP/nss"
	# As ld.so finds it (Debian ships it without a soname link, so
	# ldconfig -p does not list it); ld.so only warns about a missing one.
	[ -z "$(LD_PRELOAD=libnss_wrapper.so /bin/true 2>&1)" ] ||
		vt_die "libnss_wrapper.so cannot be preloaded (run scripts/deps.sh --test: libnss-wrapper)"
	[ -d "$dir" ] || mkdir -m 755 "$dir"
	getent passwd >"$dir/passwd"
	getent group >"$dir/group"
	# shellcheck disable=SC2086
	printf '%s\n' $VT_NSS_USERS "$@" | awk -F: -v passwd="$dir/passwd.new" -v group="$dir/group.new" '
		FILENAME != "-" { have[$1] = 1; used[$3] = 1; next }
		$1 == "" || ($1 in have) { next }
		{
			while (uid in used) uid++
			used[uid] = 1; have[$1] = 1
			print $1 ":x:" uid ":" uid ":Vigil test user:/nonexistent:/usr/sbin/nologin" >passwd
			print $1 ":x:" uid ":" >group
		}
		BEGIN { uid = 20000; printf "" >passwd; printf "" >group }' "$dir/passwd" - ||
		vt_die "writing the nss_wrapper users failed"
	cat "$dir/passwd.new" >>"$dir/passwd"
	cat "$dir/group.new" >>"$dir/group"
	rm -f "$dir/passwd.new" "$dir/group.new"
	chmod 644 "$dir/passwd" "$dir/group"
	NSS_WRAPPER_PASSWD="$dir/passwd"
	NSS_WRAPPER_GROUP="$dir/group"
	VT_VIGILD_PRELOAD="${VIGIL_ASAN_PRELOAD:+$VIGIL_ASAN_PRELOAD }libnss_wrapper.so"
	export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP VT_VIGILD_PRELOAD
}

# vt_start_vigild CONFIG: runs vigild on the tree, stderr to log/vigild.log.
vt_start_vigild() {
	local config=$1 i
	# A socket left by an earlier daemon must not pass for this one's.
	[ ! -S "$VT_SOCKET" ] || rm -f "$VT_SOCKET"
	[ -n "${VT_VIGILD_PRELOAD:-}" ] || vt_nss_setup
	env LD_PRELOAD="$VT_VIGILD_PRELOAD" "$(vt_vigild_bin)" --config "$config" --state-dir "$VT_TMP/state" \
		--runtime-dir "$VT_TMP/run" --debug 2>>"$VT_TMP/log/vigild.log" &
	VT_VIGILD_PID=$!
	for i in $(seq 1 200); do
		[ -S "$VT_SOCKET" ] && return 0
		kill -0 "$VT_VIGILD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$VT_TMP/log/vigild.log" >&2
	vt_die "vigild did not start"
}

vt_stop_vigild() {
	[ -n "${VT_VIGILD_PID:-}" ] || return 0
	kill "$VT_VIGILD_PID" 2>/dev/null || true
	wait "$VT_VIGILD_PID" 2>/dev/null || true
	VT_VIGILD_PID=
}

# The TOTP code for step offset K of the user's secret: codes are drawn from
# successive 30 s steps (within the test config's window) so that none is
# ever at or below the last accepted step.
vt_code_at() {
	local user=$1 k=$2 now
	now=$(date +%s)
	oathtool --totp -b "$(cat "$VT_TMP/secrets/$user.b32")" -N "@$(((now / 30 + k) * 30))"
}

# vt_next_code USER: the next unused step's code (a counter per user).
vt_next_code() {
	local user=$1 k
	k=$(cat "$VT_TMP/secrets/$user.step" 2>/dev/null || echo -1)
	k=$((k + 1))
	echo "$k" >"$VT_TMP/secrets/$user.step"
	# Every code handed out is kept, so that a run can check none leaked.
	vt_code_at "$user" "$k" | tee -a "$VT_TMP/secrets/codes.used"
}

# vt_enroll USER: enrolls USER through vigilctl as root (expect answers the
# code prompt); the seed is kept in secrets/USER.b32.
vt_enroll() {
	local user=$1
	VT_USER=$user VT_CTL="$(vt_vigilctl_bin)" VT_SOCKET="$VT_SOCKET" VT_SECRETS="$VT_TMP/secrets" \
		expect -f - >"$VT_TMP/log/enroll-$user.log" 2>&1 <<'EOF' || vt_die "enrolling $user failed (see $VT_TMP/log/enroll-$user.log)"
log_user 0
set timeout 10
spawn $env(VT_CTL) --socket $env(VT_SOCKET) totp enroll --user $env(VT_USER)
expect {
	-re {otpauth://totp/[^ \r\n]*secret=([A-Z2-7]+)} { set secret $expect_out(1,string) }
	timeout { puts "no otpauth URI shown"; exit 1 }
	eof { puts "vigilctl ended before showing the URI"; exit 1 }
}
set f [open "$env(VT_SECRETS)/$env(VT_USER).b32" w 0600]
puts $f $secret
close $f
expect {
	-re {code[^\r\n]*: ?$} {}
	timeout { puts "no code prompt"; exit 1 }
}
set code [exec oathtool --totp -b $secret]
send "$code\r"
expect {
	-re {enrolled} { }
	timeout { puts "no confirmation"; exit 1 }
	eof { puts "vigilctl ended without confirming"; exit 1 }
}
expect eof
catch close
catch wait result
exit [lindex $result 3]
EOF
	# The enrollment consumed the current step.
	echo 0 >"$VT_TMP/secrets/$user.step"
}

# vt_journald: a private journald for this mount namespace.  Call only
# inside `unshare -m --propagation private`.
vt_journald() {
	local i
	mount -t tmpfs tmpfs /run/systemd 2>/dev/null || {
		mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd
	}
	mkdir -p /run/systemd/journal /run/log /var/log/journal
	mount -t tmpfs tmpfs /run/log
	mount -t tmpfs tmpfs /var/log/journal
	/lib/systemd/systemd-journald >"$VT_TMP/log/journald.log" 2>&1 &
	VT_JOURNALD_PID=$!
	for i in $(seq 1 200); do
		[ -S /run/systemd/journal/socket ] && return 0
		kill -0 "$VT_JOURNALD_PID" 2>/dev/null || break
		sleep 0.02
	done
	# The tree (and its log) may be removed on exit: say why here.
	vt_die "journald did not start: $(tail -n 3 "$VT_TMP/log/journald.log" 2>/dev/null | tr '\n' ' ')"
}

vt_stop_journald() {
	[ -n "${VT_JOURNALD_PID:-}" ] || return 0
	kill "$VT_JOURNALD_PID" 2>/dev/null || true
	wait "$VT_JOURNALD_PID" 2>/dev/null || true
	VT_JOURNALD_PID=
}

# vt_assert_no_secrets FILE...: no seed and no code the run used appears.
vt_assert_no_secrets() {
	local f s
	for s in "$VT_TMP"/secrets/*.b32; do
		[ -e "$s" ] || continue
		for f in "$@"; do
			[ -e "$f" ] || continue
			if grep -q -F -f "$s" "$f"; then
				vt_die "a TOTP seed appears in $f"
			fi
		done
	done
}
