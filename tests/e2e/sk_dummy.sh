# SPDX-License-Identifier: BSD-3-Clause
# OpenSSH security keys (sk-) without hardware, for the e2e scenarios:
# sourced, never run.  The authenticator is OpenSSH's own test provider
# sk-dummy.so (Debian package openssh-tests), loaded by ssh-keygen (-w) and
# by the ssh client (-o SecurityKeyProvider=).  No private key of anyone
# real is involved: the keys made here are throwaway test keys.
#
# What a real sshd (OpenSSH 9.2p1, Debian 12) does with them, seen with
# ExposeAuthInfo yes, AuthenticationMethods publickey,keyboard-interactive
# and a pam_exec script dumping the PAM environment:
#  - sk-dummy signs with the flags the key asks for: a default key gets
#    UP (flags 0x01), a key made with -O verify-required gets UP|UV (0x05),
#    a key made with -O no-touch-required gets 0x00.  The counter is always
#    0x12345678 (sshd at DEBUG1: "sk_counter = 305419896").
#  - PubkeyAuthOptions touch-required: a default key logs in; a
#    no-touch-required key is refused ("user presence (authenticator
#    touch) requirement not met"), as it is without the option unless the
#    authorized_keys line says no-touch-required.
#  - PubkeyAuthOptions verify-required: a default key is refused ("user
#    verification requirement not met"); a key made with -O verify-required
#    logs in.  sk-dummy asks for no PIN, at ssh-keygen or at login.
#  - The client shows "Confirm user presence for key ED25519-SK SHA256:..."
#    through SSH_ASKPASS with SSH_ASKPASS_PROMPT=none (a notice: answer
#    nothing).
#  - At the auth phase (keyboard-interactive), pam_getenv("SSH_AUTH_INFO_0")
#    is "publickey sk-ssh-ed25519@openssh.com AAAA...\n": the line's type and
#    base64 are those of the .pub file, nothing after the base64 (no
#    "signature count", though sshd records one), one line per completed
#    method so far (keyboard-interactive itself is not in it yet; with
#    publickey,publickey,keyboard-interactive two publickey lines, in the
#    order the keys were used).  The account phase sees the same value.  A
#    publickey-only login runs no auth stack; its account phase sees
#    SSH_AUTH_INFO_0 set to "".  The session's $SSH_USER_AUTH file adds
#    "keyboard-interactive/pam".
#  - The SHA-256 of the blob in that line is the fingerprint ssh-keygen -lf
#    prints for the .pub file, and the one sshd logs ("Accepted key
#    ED25519-SK SHA256:...").

SK_DUMMY=${SK_DUMMY:-/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so}

# sk_dummy_available: the provider is installed.
sk_dummy_available() { [ -f "$SK_DUMMY" ]; }

# sk_dummy_keygen TYPE FILE [COMMENT [ssh-keygen -O option...]]: makes FILE
# and FILE.pub, an ed25519-sk or ecdsa-sk key without passphrase, e.g.
#   sk_dummy_keygen ed25519-sk "$E2E/keys/alice-sk" alice-sk
#   sk_dummy_keygen ecdsa-sk "$E2E/keys/bob-uv" bob-uv verify-required application=ssh:vigil
sk_dummy_keygen() {
	local type=$1 file=$2 comment=${3:-} opts=() o
	shift 3 2>/dev/null || shift $#
	for o in "$@"; do opts+=(-O "$o"); done
	rm -f "$file" "$file.pub"
	ssh-keygen -q -t "$type" -w "$SK_DUMMY" "${opts[@]}" -N '' -C "$comment" -f "$file" </dev/null
}

# sk_dummy_ssh_opts: the client options that use the provider, for
# E2E_SSH_OPTS (e2e_ssh in lib.sh) or any ssh command line.
sk_dummy_ssh_opts() { printf '%s\n' "-o SecurityKeyProvider=$SK_DUMMY"; }

# sk_dummy_ssh KEY PORT USER@HOST ASKPASS [COMMAND...]: one login with the
# sk key KEY (its private file) through the provider, nothing else offered,
# publickey then keyboard-interactive, answers from the ASKPASS program
# (which must print nothing and exit 0 when SSH_ASKPASS_PROMPT is "none":
# that call is the touch notice).  Returns ssh's status; stdout is the
# command's.
sk_dummy_ssh() {
	local key=$1 port=$2 dest=$3 askpass=$4
	shift 4
	SSH_ASKPASS=$askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w \
		ssh -F /dev/null -p "$port" -i "$key" -o IdentitiesOnly=yes -o "SecurityKeyProvider=$SK_DUMMY" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 "$dest" "$@" </dev/null
}

# sk_dummy_auth_info PUB...: the SSH_AUTH_INFO_0 value sshd gives PAM at the
# keyboard-interactive step after publickey logins with these .pub files
# (one "publickey TYPE BASE64\n" line each), for pamtester -E or pam_putenv.
sk_dummy_auth_info() {
	local pub
	for pub in "$@"; do awk '{ printf "publickey %s %s\n", $1, $2 }' "$pub"; done
}

# sk_dummy_fingerprint PUB: "SHA256:..." as ssh-keygen -lf prints it.
sk_dummy_fingerprint() { ssh-keygen -l -E sha256 -f "$1" | awk '{ print $2 }'; }
