# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end suite's private system.  Sourced by tests/e2e/run.sh inside
# its own mount and PID namespaces (so every process it starts dies with it,
# and every mount goes with the namespace).  What is tested is what an admin
# installs: `make install DESTDIR=...` of the build tree, the shipped
# pam.d stacks and sshd_config lines, a real journald, real sshd and sudo.
#
# Layout of the tree ($E2E):
#   root/          the DESTDIR install
#   etc/           private passwd, group, shadow, sudoers, pam.d, ssh, vigil
#   keys/          client keys (ed25519 per user, a second one for alice)
#   log/           every log of the run (journald, sshd, vigild, clients)
#   secrets/       TOTP seeds and step counters (0600, never printed)
#   s/NAME/        a scenario's own vigild state

# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

# mallory is a plain local user (not in the e2e group, so not in sudoers):
# the attacker of the two-user scenarios; victor and wendy are her victims.
E2E_USERS="alice bob carol dave erin victor wendy mallory"
E2E_SUDO_USERS="alice bob carol dave erin victor wendy"
E2E_PASSWORD="e2e-Password-1"
# Where libpam looks for modules named without a path (Debian multiarch).
E2E_SECURITY_DIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)/security

# --- assertions --------------------------------------------------------------

# e2e_check DESCRIPTION COMMAND...: one expectation of the current scenario.
e2e_check() {
	local what=$1
	shift
	if "$@"; then
		echo "    ok - $what"
	else
		echo "    not ok - $what"
		echo x >>"$E2E_SCENARIO_FAILS"
	fi
}

e2e_fail() {
	echo "    not ok - $*"
	echo x >>"$E2E_SCENARIO_FAILS"
}

has_line() { grep -qF -- "$2" "$1"; }

# e2e_like VALUE PATTERN: VALUE matches the shell PATTERN (1:0:[01]).
e2e_like() { [[ $1 == $2 ]]; }

# e2e_not COMMAND...: COMMAND fails.
e2e_not() { ! "$@"; }

# --- the private system --------------------------------------------------------

e2e_install() {
	make -C "$top_builddir" install DESTDIR="$E2E/root" >"$E2E/log/install.log" 2>&1 ||
		vt_die "make install DESTDIR failed (see $E2E/log/install.log)"
	E2E_VIGILD=$(find "$E2E/root" -path '*/sbin/vigild' -type f | head -n 1)
	E2E_VIGILCTL=$(find "$E2E/root" -path '*/bin/vigilctl' -type f | head -n 1)
	E2E_MODULE=$(find "$E2E/root" -name pam_vigil.so -type f | head -n 1)
	E2E_EXAMPLES=$(dirname "$(find "$E2E/root" -path '*/examples/sshd_config.vigil' | head -n 1)")
	E2E_SHIPPED_CONF=$(find "$E2E/root" -path '*/vigil/vigil.conf' -type f | head -n 1)
	E2E_CATALOG=$(find "$E2E/root" -name vigil.catalog -type f | head -n 1)
	for v in E2E_VIGILD E2E_VIGILCTL E2E_MODULE E2E_EXAMPLES E2E_SHIPPED_CONF E2E_CATALOG; do
		[ -n "${!v}" ] || vt_die "the install lacks $v"
	done
	export E2E_VIGILD E2E_VIGILCTL E2E_MODULE E2E_EXAMPLES E2E_SHIPPED_CONF
}

# The users exist only in the private copies of passwd, group and shadow.
e2e_users() {
	local uid=3001 u hash
	hash=$(openssl passwd -6 -salt e2esalt "$E2E_PASSWORD")
	cp /etc/passwd /etc/group /etc/shadow "$E2E/etc/"
	echo "e2e:x:3000:$(echo "$E2E_SUDO_USERS" | tr ' ' ',')" >>"$E2E/etc/group"
	for u in $E2E_USERS; do
		echo "$u:x:$uid:$uid::$E2E/home/$u:/bin/sh" >>"$E2E/etc/passwd"
		echo "$u:x:$uid:" >>"$E2E/etc/group"
		echo "$u:$hash:19000:0:99999:7:::" >>"$E2E/etc/shadow"
		mkdir -p "$E2E/home/$u"
		chown "$uid:$uid" "$E2E/home/$u"
		ssh-keygen -q -t ed25519 -N '' -C "$u" -f "$E2E/keys/$u"
		uid=$((uid + 1))
	done
	ssh-keygen -q -t ed25519 -N '' -C alice-second -f "$E2E/keys/alice2"
	chmod 600 "$E2E/keys/"*
	chmod 644 "$E2E/keys/"*.pub
	for f in passwd group shadow; do mount --bind "$E2E/etc/$f" "/etc/$f"; done
}

# Debian's own pam.d, with the shipped sshd, sudo and su stacks installed as
# an admin would; the module in the system security directory.
e2e_pam() {
	cp -a /etc/pam.d "$E2E/etc/pam.d"
	install -m 644 "$E2E_EXAMPLES/sshd" "$E2E/etc/pam.d/sshd"
	install -m 644 "$E2E_EXAMPLES/sudo" "$E2E/etc/pam.d/sudo"
	install -m 644 "$E2E_EXAMPLES/su" "$E2E/etc/pam.d/su"
	mount --bind "$E2E/etc/pam.d" /etc/pam.d
	cp -a "$E2E_SECURITY_DIR" "$E2E/security"
	install -m 644 "$E2E_MODULE" "$E2E/security/pam_vigil.so"
	mount --bind "$E2E/security" "$E2E_SECURITY_DIR"

	# Every sudo goes through PAM (no cached credentials): what Vigil's
	# fresh window decides is what the test sees.
	printf 'Defaults timestamp_timeout=0\nDefaults !lecture\nroot ALL=(ALL:ALL) ALL\n%%e2e ALL=(ALL:ALL) ALL\n' \
		>"$E2E/etc/sudoers"
	chmod 440 "$E2E/etc/sudoers"
	mount --bind "$E2E/etc/sudoers" /etc/sudoers
}

# /run and /var/log of our own; journald in them; the catalog installed.
e2e_runtime() {
	mount -t tmpfs -o mode=755 tmpfs /run
	mkdir -m 755 /run/sshd /run/vigil
	mount -t tmpfs -o mode=755 tmpfs /var/log
	# /dev/log for syslog(3) (pam_vigil logs through pam_syslog): an
	# overlay over /dev so the host's /dev is not touched, with a private
	# devpts and /dev/shm (the overlay hides the host's submounts).
	mkdir -p "$E2E/dev/upper" "$E2E/dev/work"
	mount -t overlay overlay -o "lowerdir=/dev,upperdir=$E2E/dev/upper,workdir=$E2E/dev/work" /dev
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
	mount --bind /dev/pts/ptmx /dev/ptmx
	mount -t tmpfs tmpfs /dev/shm
	ln -sf /run/systemd/journal/dev-log /dev/log
	vt_journald
	mkdir -p "$E2E/catalog/usr/lib/systemd/catalog"
	cp "$E2E_CATALOG" "$E2E/catalog/usr/lib/systemd/catalog/"
}

# The FIDO2 helper where pam_vigil.so looks for it (its compiled-in
# $(libexecdir)/vigil/vigil-fido2), as an admin's install puts it: an
# overlay on the deepest directory of that path the host has (the host's
# tree is never written), or a bind mount over a helper the host has.
# Without it a module that offered a touch would find no helper, and the
# scenarios could not see one run.
e2e_helper() {
	local found path dir anc
	found=$(find "$E2E/root" -path '*/vigil/vigil-fido2' -type f | head -n 1)
	[ -n "$found" ] || vt_die "the install lacks vigil-fido2"
	path=${found#"$E2E/root"}
	if [ -e "$path" ]; then
		mount --bind "$found" "$path"
	else
		dir=$(dirname "$path")
		anc=$dir
		while [ ! -d "$anc" ]; do anc=$(dirname "$anc"); done
		mkdir -p "$E2E/helper/up${dir#"$anc"}" "$E2E/helper/work"
		install -m 755 "$found" "$E2E/helper/up${path#"$anc"}"
		mount -t overlay overlay -o "lowerdir=$anc,upperdir=$E2E/helper/up,workdir=$E2E/helper/work" "$anc"
	fi
	E2E_FIDO2_HELPER=$path
	export E2E_FIDO2_HELPER
}

e2e_setup() {
	E2E=$VT_TMP
	VT_SOCKET=/run/vigil/vigild.sock
	mkdir -m 755 "$E2E/root" "$E2E/keys" "$E2E/home" "$E2E/s"
	export E2E
	e2e_install
	e2e_users
	e2e_pam
	e2e_runtime
	e2e_helper
}

# --- vigild ------------------------------------------------------------------

# e2e_vigild_start NAME [INI lines]: a fresh vigild for scenario NAME on the
# default socket /run/vigil/vigild.sock, with the shipped vigil.conf and the
# scenario's settings as a drop-in (as an admin would override it).
e2e_vigild_start() {
	local name=$1 dir=$E2E/s/$1 i
	shift
	mkdir -p -m 700 "$dir/state"
	mkdir -p -m 755 "$dir/etc/vigil.conf.d"
	install -m 644 "$E2E_SHIPPED_CONF" "$dir/etc/vigil.conf"
	{
		echo "# scenario $name"
		printf '%s\n' "$@"
	} >"$dir/etc/vigil.conf.d/e2e.conf"
	chmod 644 "$dir/etc/vigil.conf.d/e2e.conf"
	E2E_VIGILD_CONF=$dir/etc/vigil.conf
	E2E_VIGILD_STATE=$dir/state
	"$E2E_VIGILD" --config "$E2E_VIGILD_CONF" --state-dir "$dir/state" --runtime-dir /run/vigil \
		2>>"$E2E/log/vigild-$name.log" &
	E2E_VIGILD_PID=$!
	for i in $(seq 1 200); do
		[ -S /run/vigil/vigild.sock ] && return 0
		kill -0 "$E2E_VIGILD_PID" 2>/dev/null || break
		sleep 0.02
	done
	vt_die "vigild did not start (see $E2E/log/vigild-$name.log)"
}

# Restarts the same daemon on the same state and configuration.
e2e_vigild_restart() {
	local name=$1 i
	e2e_vigild_stop
	# A socket left behind must not pass for the new daemon's.
	[ ! -S /run/vigil/vigild.sock ] || rm -f /run/vigil/vigild.sock
	"$E2E_VIGILD" --config "$E2E_VIGILD_CONF" --state-dir "$E2E_VIGILD_STATE" --runtime-dir /run/vigil \
		2>>"$E2E/log/vigild-$name.log" &
	E2E_VIGILD_PID=$!
	for i in $(seq 1 200); do
		[ -S /run/vigil/vigild.sock ] && return 0
		kill -0 "$E2E_VIGILD_PID" 2>/dev/null || break
		sleep 0.02
	done
	vt_die "vigild did not restart (see $E2E/log/vigild-$name.log)"
}

e2e_vigild_stop() {
	[ -n "${E2E_VIGILD_PID:-}" ] || return 0
	kill "$E2E_VIGILD_PID" 2>/dev/null || true
	wait "$E2E_VIGILD_PID" 2>/dev/null || true
	E2E_VIGILD_PID=
}

# e2e_enroll USER: through the installed vigilctl, as root for USER.
vt_vigilctl_bin() { echo "$E2E_VIGILCTL"; }
e2e_enroll() { vt_enroll "$1"; }

# e2e_code USER: the user's next unused TOTP code (window >= 3 in e2e).
e2e_code() { vt_next_code "$1"; }

# --- sshd --------------------------------------------------------------------

# e2e_sshd_start NAME [sshd_config lines]: sshd with the shipped
# sshd_config.vigil lines (unless the scenario's lines override them: sshd
# takes the first value of a keyword, so the scenario's come first).
e2e_sshd_start() {
	local name=$1 try
	shift
	[ -f "$E2E/etc/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$E2E/etc/ssh_host_ed25519_key"
	mkdir -p -m 755 "$E2E/authorized"
	for u in $E2E_USERS; do cat "$E2E/keys/$u.pub" >"$E2E/authorized/$u"; done
	cat "$E2E/keys/alice2.pub" >>"$E2E/authorized/alice"
	[ ! -f "$E2E/keys/alice-sk.pub" ] || cat "$E2E/keys/alice-sk.pub" >>"$E2E/authorized/alice"
	for try in 1 2 3 4 5; do
		E2E_SSHD_PORT=$((20000 + RANDOM % 30000))
		{
			printf '%s\n' "$@"
			grep -v '^#' "$E2E_EXAMPLES/sshd_config.vigil"
			cat <<EOF
ListenAddress 127.0.0.1:$E2E_SSHD_PORT
HostKey $E2E/etc/ssh_host_ed25519_key
PidFile none
PubkeyAuthentication yes
AuthorizedKeysFile $E2E/authorized/%u
UseDNS no
StrictModes no
PermitRootLogin no
LogLevel DEBUG2
EOF
		} >"$E2E/etc/sshd_config.$name"
		: >"$E2E/log/sshd-$name.log"
		/usr/sbin/sshd -D -f "$E2E/etc/sshd_config.$name" -E "$E2E/log/sshd-$name.log" &
		E2E_SSHD_PID=$!
		for _ in $(seq 1 100); do
			grep -q "Server listening" "$E2E/log/sshd-$name.log" 2>/dev/null && return 0
			kill -0 "$E2E_SSHD_PID" 2>/dev/null || break
			sleep 0.03
		done
		kill "$E2E_SSHD_PID" 2>/dev/null || true
		wait "$E2E_SSHD_PID" 2>/dev/null || true
	done
	vt_die "sshd did not start (see $E2E/log/sshd-$name.log)"
}

e2e_sshd_stop() {
	[ -n "${E2E_SSHD_PID:-}" ] || return 0
	kill "$E2E_SSHD_PID" 2>/dev/null || true
	wait "$E2E_SSHD_PID" 2>/dev/null || true
	E2E_SSHD_PID=
}

# e2e_ssh USER FROM KEY ANSWER [COMMAND]: one login with the real OpenSSH
# client from address FROM with key file KEY (under keys/).  ANSWER is what
# the keyboard-interactive prompt gets: "code" (the user's next code),
# "wrong", "empty" (an empty line: the user just pressed Enter), or a
# literal code file path prefixed with @.  Sets E2E_SSH_RC,
# E2E_SSH_OUT (stdout), E2E_SSH_ASKED (number of prompts answered).
e2e_ssh() {
	local user=$1 from=$2 key=$3 answer=$4 cmd=${5:-echo e2e-ok} extra=()
	[ -z "${E2E_SSH_OPTS:-}" ] || read -r -a extra <<<"$E2E_SSH_OPTS"
	cat >"$E2E/askpass" <<EOF
#!/usr/bin/env bash
top_srcdir='$top_srcdir'; top_builddir='$top_builddir'; VT_TMP='$E2E'
. "\$top_srcdir/tests/lib.sh"
# A security key's "confirm user presence" is a notice, not a question.
[ "\${SSH_ASKPASS_PROMPT:-}" != none ] || exit 0
# The prompt and the info lines before it, on one line; only the prompt
# line of an enrollment screen (it holds a seed).
case "\$1" in
*otpauth://*) printf '%s\n' "\$1" | tail -n 1 >>"$E2E/log/asked" ;;
*) printf '%s' "\$1" | tr '\n' ' ' >>"$E2E/log/asked"; echo >>"$E2E/log/asked" ;;
esac
case '$answer' in
code) vt_next_code '$user' ;;
wrong) echo 000000 ;;
empty) echo ;;
@*) cat '${answer#@}' ;;
esac
EOF
	chmod 755 "$E2E/askpass"
	: >"$E2E/log/asked"
	E2E_SSH_RC=0
	E2E_SSH_OUT=$(SSH_ASKPASS="$E2E/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w \
		ssh -F /dev/null -p "$E2E_SSHD_PORT" -b "$from" -i "$E2E/keys/$key" -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 "${extra[@]}" "$user@127.0.0.1" "$cmd" </dev/null 2>>"$E2E/log/ssh.err") ||
		E2E_SSH_RC=$?
	E2E_SSH_ASKED=$(wc -l <"$E2E/log/asked")
}

# --- a user at a terminal ---------------------------------------------------

# e2e_pty USER TAG STEP...: USER at a terminal of their own (a pty made by
# expect; a plain bash started with setpriv: USER's real and effective uid
# and groups, no login session) typing each STEP as a command line, in
# order.  A STEP is "CODE PASSWORD COMMAND...".  CODE answers every Vigil code
# prompt ("Verification code: ") during COMMAND: code:NAME (NAME's next
# code), wrong, empty (just Enter), @FILE (a code kept in FILE), steal (the
# code of an enrollment secret shown on the screen, kept in
# secrets/TAG.stolen.b32 (so the run checks no log holds it); wrong if none
# was shown) or park (answer
# nothing: touch secrets/pty/TAG.parked and wait there until killed; the
# pid of expect is in TAG.pid).  PASSWORD answers every password prompt
# (su's "Password: ", sudo's "[sudo] password for U: "): right or wrong.
# Sets E2E_PTY: one "codes:passwords:rc" per step (prompts seen, the
# command's exit status, or timeout/eof).  Each step's transcript is
# secrets/pty/TAG.N.log: it may show an enrollment secret (so it is kept
# with the secrets), never a typed code (PAM prompts do not echo).
e2e_pty() {
	local user=$1 tag=$2 d=$E2E/secrets/pty
	shift 2
	mkdir -p -m 700 "$d" # -p: terminals may be opened in parallel
	rm -f "$d/$tag".* "$E2E/secrets/$tag.stolen.b32"
	printf '%s\n' "$@" >"$d/$tag.steps"
	E2E_PTY_USER=$user E2E_PTY_TAG=$tag E2E_PTY_DIR=$d E2E_PTY_PW=$E2E_PASSWORD \
		E2E_PTY_HOME=$(getent passwd "$user" | cut -d: -f6) \
		expect -f - >>"$E2E/log/pty-expect.err" 2>&1 <<'EOF'
log_user 0
set timeout 20
set d $env(E2E_PTY_DIR)
set tag $env(E2E_PTY_TAG)
set f [open "$d/$tag.pid" w]; puts $f [pid]; close $f
cd $env(E2E_PTY_HOME)
spawn -noecho setpriv --reuid=$env(E2E_PTY_USER) --regid=$env(E2E_PTY_USER) --init-groups \
	env -i HOME=$env(E2E_PTY_HOME) USER=$env(E2E_PTY_USER) LOGNAME=$env(E2E_PTY_USER) \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb PS1=\$\  bash --norc --noprofile
proc next_code {who} {
	return [exec bash -c {. "$top_srcdir/tests/lib.sh"; vt_next_code "$1"} -- $who]
}
set f [open "$d/$tag.steps"]
set steps [split [string trimright [read $f] "\n"] "\n"]
close $f
set sum [open "$d/$tag.sum" w]
set n 0
foreach step $steps {
	incr n
	regexp {^(\S+) (\S+) (.*)$} $step -> ans pw cmd
	log_file -a -noappend "$d/$tag.$n.log"
	send -- "$cmd; echo \"E2E-RC-$n=\$?\"\r"
	set codes 0
	set pws 0
	set rc timeout
	expect {
		-re {Verification code: ?$} {
			incr codes
			set said $expect_out(buffer)
			switch -glob -- $ans {
				code:* { send -- "[next_code [string range $ans 5 end]]\r" }
				wrong { send -- "000000\r" }
				empty { send -- "\r" }
				@* {
					set g [open [string range $ans 1 end]]
					send -- "[string trim [read $g]]\r"
					close $g
				}
				steal {
					if {[regexp {secret=([A-Z2-7]+)} $said -> secret]} {
						set g [open "$env(VT_TMP)/secrets/$tag.stolen.b32" w 0600]
						puts $g $secret
						close $g
						send -- "[exec oathtool --totp -b $secret]\r"
					} else {
						send -- "000000\r"
					}
				}
				park {
					close [open "$d/$tag.parked" w]
					set timeout -1
					expect eof
					exit 0
				}
			}
			exp_continue
		}
		-re {(\[sudo\] password for [^:\r\n]*|Password): ?$} {
			incr pws
			if {$pw eq "right"} { send -- "$env(E2E_PTY_PW)\r" } else { send -- "not-the-password\r" }
			exp_continue
		}
		-re "E2E-RC-$n=(\[0-9\]+)" { set rc $expect_out(1,string) }
		timeout {}
		eof { set rc eof }
	}
	log_file
	puts $sum "$codes:$pws:$rc"
	flush $sum
	if {$rc eq "timeout" || $rc eq "eof"} { break }
}
close $sum
send -- "exit\r"
expect eof
catch close
catch wait
EOF
	mapfile -t E2E_PTY <"$d/$tag.sum"
	# A transcript is what the checks on the screen read: it must exist.
	[ -s "$d/$tag.1.log" ] || echo "e2e_pty $tag: no transcript" >&2
	echo "$(date +%T.%N | cut -c1-12) e2e_pty $user $tag: ${E2E_PTY[*]}" >&2
}

# e2e_pty_said TAG N TEXT: step N of terminal TAG showed TEXT.
e2e_pty_said() { grep -qF -- "$3" "$E2E/secrets/pty/$1.$2.log"; }

# e2e_wait SECONDS COMMAND...: waits until COMMAND succeeds, at most SECONDS;
# fails if it never did (a deadline, not a delay).
e2e_wait() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# --- enrollment screens -------------------------------------------------------

# e2e_qr_uri SCREEN: decodes the QR code drawn on SCREEN (light modules as
# blocks, two modules a character) with zbarimg; the URI goes to SCREEN.qr.
e2e_qr_uri() (
	umask 077
	/usr/bin/python3 - "$1" "$1.pgm" <<'EOF' || return 1
import sys
light = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}
text = open(sys.argv[1], encoding="utf-8").read().replace("\r", "")
rows = [l for l in text.split("\n") if l.strip() and set(l) <= set(light)]
if len(rows) < 10:
    sys.exit(1)
w = max(len(r) for r in rows)
mods = []
for r in rows:
    r = r.ljust(w)
    mods.append([light[c][0] for c in r])
    mods.append([light[c][1] for c in r])
scale, border = 4, 8
W, H = w * scale + 2 * border, len(mods) * scale + 2 * border
img = bytearray(b"\xff" * (W * H))
for y, row in enumerate(mods):
    for x, v in enumerate(row):
        if not v:
            for dy in range(scale):
                o = (border + y * scale + dy) * W + border + x * scale
                img[o:o + scale] = b"\x00" * scale
with open(sys.argv[2], "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (W, H) + bytes(img))
EOF
	zbarimg -q --raw "$1.pgm" >"$1.qr" 2>/dev/null
	rm -f "$1.pgm"
	[ -s "$1.qr" ]
)

# --- the journal ---------------------------------------------------------------

# e2e_cursor: where the journal is now; records after it belong to what
# follows.
e2e_cursor() {
	journalctl --sync 2>/dev/null || true
	journalctl -n 0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p'
}

# e2e_records CURSOR: every vigild record after CURSOR, as JSON lines.
# (No journalctl match here: with --after-cursor, systemd 252 skips the
# first entry that matches; the filtering is done on the JSON instead.)
e2e_records() {
	journalctl --sync 2>/dev/null || true
	if [ -n "$1" ]; then
		journalctl -o json --no-pager --after-cursor="$1"
	else
		journalctl -o json --no-pager
	fi | grep -F '"SYSLOG_IDENTIFIER":"vigild"'
}

# The record filter of e2e_record and e2e_count: every argument KEY=VALUE is
# a condition on the field VIGIL_KEY: VALUE (equal), ~REGEX (matches),
# !~REGEX (absent or does not match), ! (absent).  KEY * means some VIGIL_
# field (for ~REGEX) or no VIGIL_ field (for !~REGEX).
E2E_RECORD_FILTER='
import json, re, sys
want = [a.split("=", 1) for a in sys.argv[2:]]
def field_ok(got, v):
    if v == "!":
        return got is None
    if v.startswith("!~"):
        return not isinstance(got, str) or not re.search(v[2:], got)
    if not isinstance(got, str):
        return False
    if v.startswith("~"):
        return re.search(v[1:], got) is not None
    return got == v
def ok(r):
    for k, v in want:
        if k == "*":
            vals = [x for f, x in r.items() if f.startswith("VIGIL_")]
            if v.startswith("!~"):
                if any(field_ok(x, "~" + v[2:]) for x in vals):
                    return False
            elif not any(field_ok(x, v) for x in vals):
                return False
        elif not field_ok(r.get("VIGIL_" + k), v):
            return False
    return True
recs = [json.loads(l) for l in sys.stdin if l.strip()]
n = sum(1 for r in recs if ok(r))
if sys.argv[1] == "count":
    print(n)
    sys.exit(0)
if n:
    sys.exit(0)
# Say what was there, for the log of a failed check.
print("no record with %s among:" % " ".join(sys.argv[2:]), file=sys.stderr)
for r in recs:
    print("  " + " ".join("%s=%s" % (k[6:], v) for k, v in sorted(r.items()) if k.startswith("VIGIL_")), file=sys.stderr)
sys.exit(1)
'

# e2e_record CURSOR KEY=VALUE...: some vigild record after CURSOR matches
# every condition (see E2E_RECORD_FILTER).
e2e_record() {
	local cursor=$1
	shift
	e2e_records "$cursor" | /usr/bin/python3 -c "$E2E_RECORD_FILTER" find "$@"
}

# e2e_count CURSOR KEY=VALUE...: how many records after CURSOR match.
e2e_count() {
	local cursor=$1
	shift
	e2e_records "$cursor" | /usr/bin/python3 -c "$E2E_RECORD_FILTER" count "$@"
}

# The SHA256 fingerprint of a client key, as sshd and vigild write it.
e2e_fingerprint() { ssh-keygen -l -E sha256 -f "$E2E/keys/$1.pub" | awk '{print $2}'; }

# --- running scenarios -----------------------------------------------------------

# e2e_selected FILE [NAME...]: FILE is one of the scenarios NAME (a number
# or part of a name) names; all are when none is given.
e2e_selected() {
	local f=$1 base n
	shift
	[ $# -eq 0 ] && return 0
	base=$(basename "$f" .sh)
	for n in "$@"; do
		case $base in "$n"-* | *"$n"*) return 0 ;; esac
	done
	return 1
}

# e2e_run_scenarios DIR AFTER [NAME...]: runs each scenario DIR/NN-*.sh
# (selected by NAME, see e2e_selected) in a subshell of its own: sources it,
# calls its function "scenario", then the function AFTER.  One "ok" or "not
# ok" line each, with its time; a failed one shows the end of its stderr
# log (log/NAME.err).  Counts in E2E_PASSED and E2E_FAILED.
e2e_run_scenarios() {
	local dir=$1 after=$2 f name start rc ms
	shift 2
	E2E_PASSED=${E2E_PASSED:-0} E2E_FAILED=${E2E_FAILED:-0}
	for f in "$dir"/[0-9]*.sh; do
		e2e_selected "$f" "$@" || continue
		name=$(basename "$f" .sh)
		E2E_SCENARIO_FAILS=$E2E/log/fails-$name
		: >"$E2E_SCENARIO_FAILS"
		export E2E_SCENARIO_FAILS
		echo "# $name"
		start=$(date +%s%N)
		# Its output is kept too (log/NAME.out), for e2e_no_secrets.
		(
			set -u
			# shellcheck source=/dev/null
			. "$f"
			scenario
			"$after"
		) 2>>"$E2E/log/$name.err" | tee -a "$E2E/log/$name.out"
		rc=${PIPESTATUS[0]}
		ms=$((($(date +%s%N) - start) / 1000000))
		if [ "$rc" -eq 0 ] && [ ! -s "$E2E_SCENARIO_FAILS" ]; then
			printf 'ok - %s (%d.%03d s)\n' "$name" $((ms / 1000)) $((ms % 1000))
			E2E_PASSED=$((E2E_PASSED + 1))
		else
			printf 'not ok - %s (%d.%03d s, exit %d)\n' "$name" $((ms / 1000)) $((ms % 1000)) "$rc"
			sed 's/^/    | /' "$E2E/log/$name.err" | tail -n 20
			E2E_FAILED=$((E2E_FAILED + 1))
		fi
	done
}

# e2e_no_secrets JOURNAL_EXPORT FILE...: no TOTP seed of the run in the
# journal export (journalctl -o export) or any FILE; no recovery code a
# scenario was shown (secrets/recovery.codes, one a line) there either, with
# or without its dashes, in any case; no code the suite typed
# in any journal message or VIGIL_ field (a 6-digit code is only looked for
# there: elsewhere pids and timestamps would match by chance).  One "ok" or
# "not ok" line, counted in E2E_PASSED or E2E_FAILED.
e2e_no_secrets() {
	local export=$1 leak=0 seeds=0 codes=0 recovery=0 seed f
	shift
	echo "# no secrets"
	for seed in "$E2E"/secrets/*.b32; do
		[ -e "$seed" ] || continue
		seeds=$((seeds + 1))
		for f in "$export" "$@"; do
			[ -f "$f" ] || continue
			if grep -qaF -f "$seed" "$f"; then
				echo "    not ok - a TOTP seed appears in ${f#"$E2E"/}"
				leak=1
			fi
		done
	done
	if [ -s "$E2E/secrets/recovery.codes" ]; then
		recovery=$(sort -u "$E2E/secrets/recovery.codes" | wc -l)
		{
			cat "$E2E/secrets/recovery.codes"
			tr -d - <"$E2E/secrets/recovery.codes"
		} >"$E2E/secrets/recovery.patterns"
		for f in "$export" "$@"; do
			[ -f "$f" ] || continue
			if grep -qaiF -f "$E2E/secrets/recovery.patterns" "$f"; then
				echo "    not ok - a recovery code appears in ${f#"$E2E"/}"
				leak=1
			fi
		done
	fi
	if [ -s "$E2E/secrets/codes.used" ]; then
		codes=$(sort -u "$E2E/secrets/codes.used" | wc -l)
		if grep -a -E '^(MESSAGE|VIGIL_[A-Z_]+)=' "$export" |
			grep -qw -F -f <(sort -u "$E2E/secrets/codes.used"); then
			echo "    not ok - a TOTP code the suite typed appears in a journal field"
			leak=1
		fi
	fi
	if [ "$leak" -eq 0 ]; then
		echo "ok - no-secrets ($seeds seeds, $codes codes and $recovery recovery codes: none in the journal, the logs or the databases)"
		E2E_PASSED=$((${E2E_PASSED:-0} + 1))
	else
		echo "not ok - no-secrets"
		E2E_FAILED=$((${E2E_FAILED:-0} + 1))
	fi
}
