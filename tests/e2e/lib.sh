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

E2E_USERS="alice bob carol dave erin"
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
	echo "e2e:x:3000:$(echo "$E2E_USERS" | tr ' ' ',')" >>"$E2E/etc/group"
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

# Debian's own pam.d, with the shipped sshd and sudo stacks installed as an
# admin would; the module in the system security directory.
e2e_pam() {
	cp -a /etc/pam.d "$E2E/etc/pam.d"
	install -m 644 "$E2E_EXAMPLES/sshd" "$E2E/etc/pam.d/sshd"
	install -m 644 "$E2E_EXAMPLES/sudo" "$E2E/etc/pam.d/sudo"
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

e2e_setup() {
	E2E=$VT_TMP
	VT_SOCKET=/run/vigil/vigild.sock
	mkdir -m 755 "$E2E/root" "$E2E/keys" "$E2E/home" "$E2E/s"
	export E2E
	e2e_install
	e2e_users
	e2e_pam
	e2e_runtime
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
# "wrong", or a literal code file path prefixed with @.  Sets E2E_SSH_RC,
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

# e2e_record CURSOR KEY=VALUE...: some vigild record after CURSOR has every
# VIGIL_KEY=VALUE given (VALUE ~REGEX matches a regular expression; KEY=!
# means the field is absent).
e2e_record() {
	local cursor=$1
	shift
	e2e_records "$cursor" | /usr/bin/python3 -c '
import json, re, sys
want = [a.split("=", 1) for a in sys.argv[1:]]
def ok(r):
    for k, v in want:
        got = r.get("VIGIL_" + k)
        if v == "!":
            if got is not None:
                return False
        elif not isinstance(got, str):
            return False
        elif v.startswith("~"):
            if not re.search(v[1:], got):
                return False
        elif got != v:
            return False
    return True
recs = [json.loads(l) for l in sys.stdin if l.strip()]
if any(ok(r) for r in recs):
    sys.exit(0)
# Say what was there, for the log of a failed check.
print("no record with %s among:" % " ".join(sys.argv[1:]), file=sys.stderr)
for r in recs:
    print("  " + " ".join("%s=%s" % (k[6:], v) for k, v in sorted(r.items()) if k.startswith("VIGIL_")), file=sys.stderr)
sys.exit(1)
' "$@"
}

# e2e_count CURSOR KEY=VALUE...: how many records after CURSOR match.
e2e_count() {
	local cursor=$1
	shift
	e2e_records "$cursor" | /usr/bin/python3 -c '
import json, sys
want = [a.split("=", 1) for a in sys.argv[1:]]
n = 0
for l in sys.stdin:
    if l.strip():
        r = json.loads(l)
        n += all(r.get("VIGIL_" + k) == v for k, v in want)
print(n)
' "$@"
}

# The SHA256 fingerprint of a client key, as sshd and vigild write it.
e2e_fingerprint() { ssh-keygen -l -E sha256 -f "$E2E/keys/$1.pub" | awk '{print $2}'; }
