# SPDX-License-Identifier: BSD-3-Clause
# Sourced by tests.  softkey_plug SO DIR: in the current, private mount
# namespace (unshare -m --propagation private), makes /etc/ld.so.preload
# list SO (an absolute path to softkey.so), so every program started from
# now on in this namespace -- setuid ones and ones with a cleared
# environment included -- sees the soft key.  DIR is a scratch directory of
# the test.  The host's /etc is never written.
#
# If the host has an /etc/ld.so.preload, a copy with SO appended is bound
# over it.  If it has none there is nothing to bind over, so /etc becomes an
# overlay (lower: the real /etc, upper: DIR/etc-up) and the file is written
# into the overlay; mounts below /etc (a container's /etc/hosts, say) are
# moved onto the overlay so they stay visible.
#
# The key is preloaded from a copy in DIR/softkey-lib (softkey.so and the
# softkey-dev.so beside it, world-readable, DIR made traversable): every
# user's programs load it, and the build tree may sit where only root can
# read (a clone in /root).
softkey_plug() {
	_so=$1
	_dir=$2
	case $_so in /*) ;; *) echo "softkey_plug: $_so: not an absolute path" >&2; return 1 ;; esac
	mkdir -p "$_dir/softkey-lib" && chmod 0755 "$_dir/softkey-lib" && chmod go+x "$_dir" || return 1
	install -m 0644 "$_so" "$(dirname "$_so")/softkey-dev.so" "$_dir/softkey-lib/" || return 1
	_so=$_dir/softkey-lib/$(basename "$_so")
	if [ -e /etc/ld.so.preload ]; then
		{ cat /etc/ld.so.preload; echo "$_so"; } >"$_dir/ld.so.preload" || return 1
		mount --bind "$_dir/ld.so.preload" /etc/ld.so.preload || return 1
		return 0
	fi
	mkdir -p "$_dir/etc-up" "$_dir/etc-work" "$_dir/etc-keep" || return 1
	# Mounts below /etc, deepest last (mountinfo order), kept aside.
	_subs=$(awk '$5 ~ /^\/etc\// { print $5 }' /proc/self/mountinfo)
	_n=0
	for _m in $_subs; do
		_n=$((_n + 1))
		if [ -d "$_m" ]; then mkdir "$_dir/etc-keep/$_n"; else : >"$_dir/etc-keep/$_n"; fi
		mount --move "$_m" "$_dir/etc-keep/$_n" || return 1
	done
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$_dir/etc-up,workdir=$_dir/etc-work" /etc || return 1
	_n=0
	for _m in $_subs; do
		_n=$((_n + 1))
		mount --move "$_dir/etc-keep/$_n" "$_m" || return 1
	done
	echo "$_so" >/etc/ld.so.preload
}
