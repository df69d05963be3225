#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The login benchmark (see bench/README.md).  Builds nothing: takes an
# already built tree (default $top/build), starts a private vigild on a
# throw-away state and runtime directory with a bench configuration, writes
# a PAM confdir with the services vigil-bench (pam_vigil.so from the build)
# and permit-bench (pam_permit.so), runs bench/bench_login against them,
# stops vigild and removes everything it made.  Touches nothing in /etc.
#
# bench_login stops itself between phases, so this script can read vigild's
# CPU time per phase.  --trace additionally runs vigild with --debug and
# attaches `strace -f -c -w` (every syscall, wall time) to it for the stepup
# and known phases separately, then prints fsync/fdatasync calls and request
# frames ("uid 0 pid N:" debug lines) per login.  The latencies of a --trace
# run are inflated by strace and the debug log: take the headline numbers
# from a run without it.
#
# Must run as root: vigild takes PAM items only from root, and the module
# only trusts a root-owned daemon socket in a root-owned directory.
set -euo pipefail

usage() {
	echo "Usage: sudo $0 [--users N] [--trace] [BUILD_DIR]"
}

top=$(cd "$(dirname "$0")/.." && pwd)
users=1000
trace=0
build=
while [ $# -gt 0 ]; do
	case "$1" in
	--users)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		users=$2
		shift
		;;
	--trace) trace=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage >&2
		exit 2
		;;
	*) build=$1 ;;
	esac
	shift
done
build=${build:-$top/build}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root" >&2
	exit 2
fi
build=$(cd "$build" && pwd) || exit 2
for f in daemon/vigild bench/bench_login .libs/pam_vigil.so; do
	if [ ! -e "$build/$f" ]; then
		echo "run.sh: $build/$f is missing: make daemon/vigild pam_vigil.la bench/bench_login" >&2
		exit 2
	fi
done
if [ "$trace" = 1 ] && ! command -v strace >/dev/null; then
	echo "run.sh: --trace needs strace" >&2
	exit 2
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
vigild_pid=
strace_pid=
bench_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local p
	for p in "$bench_pid" "$strace_pid" "$vigild_pid"; do
		if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
			kill -CONT "$p" 2>/dev/null || true
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -m 0700 "$tmp/state"
mkdir -m 0755 "$tmp/run" "$tmp/pam.d"
sock=$tmp/run/vigild.sock

# Defaults everywhere but: a code one step ahead must be accepted, and a
# benchmark that hammers one host must not trip the per-source rate limit.
(
	umask 077
	cat >"$tmp/vigil.conf" <<-EOF
		[totp]
		window = 1

		[lockout]
		deny = 100
		source_max = 100000
	EOF
)

module=$build/.libs/pam_vigil.so
cat >"$tmp/pam.d/vigil-bench" <<-EOF
	auth required $module socket=$sock
	account required $module socket=$sock
EOF
cat >"$tmp/pam.d/permit-bench" <<-EOF
	auth required pam_permit.so
	account required pam_permit.so
EOF
cat >"$tmp/pam.d/other" <<-EOF
	auth required pam_deny.so
	account required pam_deny.so
EOF

# vigild refuses users NSS does not know: the bench's users (bench0000 ...)
# exist only for it, through nss_wrapper, set up as for the test suites.
VT_TMP=$tmp
# shellcheck source=../tests/lib.sh
. "$top/tests/lib.sh"
vt_nss_setup $(seq -f 'bench%04g' 0 $((users - 1)))

debug=()
[ "$trace" = 1 ] && debug=(--debug)
env LD_PRELOAD="$VT_VIGILD_PRELOAD" "$build/daemon/vigild" --config "$tmp/vigil.conf" --state-dir "$tmp/state" --runtime-dir "$tmp/run" \
	"${debug[@]}" 2>"$tmp/vigild.log" &
vigild_pid=$!

for _ in $(seq 100); do
	[ -S "$sock" ] && break
	if ! kill -0 "$vigild_pid" 2>/dev/null; then
		echo "run.sh: vigild exited; its log:" >&2
		cat "$tmp/vigild.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [ ! -S "$sock" ]; then
	echo "run.sh: vigild did not create $sock within 10 s" >&2
	exit 1
fi

echo "== Vigil login benchmark"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "kernel:   $(uname -r)"
echo "state fs: $(df -PT "$tmp/state" | awk 'NR == 2 { print $2 " on " $1 }')"
echo "build:    $build"
echo "users:    $users$([ "$trace" = 1 ] && echo ' (--trace: strace and --debug inflate the latencies)')"
echo

bench=("$build/bench/bench_login" --users "$users" --confdir "$tmp/pam.d" --socket "$sock")

# The state letter of a process (field 3 of /proc/PID/stat, after the last
# ')'): T stopped, Z exited but not yet reaped; "gone" once reaped.
proc_state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	s=${s##*) }
	echo "${s%% *}"
}

# Stops the strace of the phase that just ended and reports it.
trace_end() {
	local phase=$1 mark=$2 frames kinds calls
	kill -INT "$strace_pid"
	wait "$strace_pid" || true
	strace_pid=
	sleep 0.2 # let the audit thread finish writing the phase's records
	calls=$(awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$tmp/strace.$phase")
	frames=$(tail -n +"$((mark + 1))" "$tmp/vigild.log" | grep -cE 'uid 0 pid [0-9]+: ' || true)
	kinds=$(tail -n +"$((mark + 1))" "$tmp/vigild.log" | sed -nE 's/.*uid 0 pid [0-9]+: ([A-Za-z_]+).*/\1/p' |
		sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep = " " }')
	echo "trace $phase: fsync+fdatasync $calls ($(awk -v c="$calls" -v n="$users" 'BEGIN { printf "%.2f", c / n }')/login)," \
		"frames $frames ($(awk -v c="$frames" -v n="$users" 'BEGIN { printf "%.2f", c / n }')/login): $kinds" >>"$tmp/trace.out"
	echo "--- strace -c of vigild during $phase:" >>"$tmp/trace.txt"
	cat "$tmp/strace.$phase" >>"$tmp/trace.txt"
}

trace_begin() {
	local phase=$1
	strace -f -c -w -o "$tmp/strace.$phase" -p "$vigild_pid" 2>"$tmp/strace.$phase.err" &
	strace_pid=$!
	for _ in $(seq 100); do
		grep -q attached "$tmp/strace.$phase.err" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.2 # every thread attached
}

# vigild's CPU time so far (user + system, every thread), in clock ticks.
vigild_ticks() {
	local s
	s=$(cat "/proc/$vigild_pid/stat")
	s=${s##*) }
	# After the state letter (field 3), utime and stime are fields 14, 15.
	awk '{ print $12 + $13 }' <<<"$s"
}

# bench_login stops itself before each phase: between phases this script
# reads vigild's CPU time and, with --trace, moves strace to the next phase.
# The gates cost wall time between phases only, never inside one.
rc=0
hz=$(getconf CLK_TCK)
: >"$tmp/cpu.out"
: >"$tmp/trace.out"
: >"$tmp/trace.txt"
"${bench[@]}" --stop-between-phases &
bench_pid=$!
phase=
mark=0
t0=0
for next in stepup known permit end; do
	while :; do
		case $(proc_state "$bench_pid") in
		T) break ;;
		Z | gone) break 2 ;;
		esac
		sleep 0.05
	done
	if [ -n "$phase" ]; then
		[ "$trace" = 1 ] && [ -n "$strace_pid" ] && trace_end "$phase" "$mark"
		t1=$(vigild_ticks)
		awk -v p="$phase" -v t="$((t1 - t0))" -v hz="$hz" -v n="$users" \
			'BEGIN { printf "vigild cpu %-7s %8.3f ms/login\n", p, t * 1000 / hz / n }' >>"$tmp/cpu.out"
	fi
	phase=
	if [ "$next" != end ]; then
		phase=$next
		t0=$(vigild_ticks)
		mark=$(wc -l <"$tmp/vigild.log")
		if [ "$trace" = 1 ] && [ "$next" != permit ]; then
			trace_begin "$next"
		fi
	fi
	kill -CONT "$bench_pid"
done
wait "$bench_pid" || rc=$?
bench_pid=
echo
echo "vigild CPU per login (user + system, all threads; 10 ms ticks summed over the phase):"
cat "$tmp/cpu.out"
if [ "$trace" = 1 ]; then
	echo
	cat "$tmp/trace.txt"
	echo
	cat "$tmp/trace.out"
fi

kill "$vigild_pid"
wait "$vigild_pid" || true
vigild_pid=
if grep -qE '<[0-3]>vigild' "$tmp/vigild.log"; then
	echo
	echo "run.sh: vigild logged errors:"
	grep -E '<[0-3]>vigild' "$tmp/vigild.log" | head -n 20
	[ "$rc" = 0 ] && rc=1
fi
exit "$rc"
