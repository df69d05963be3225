#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The performance comparison of issue 11 in one command (see bench/README.md):
#
#   sudo bench/perf.sh [--users 1000,100000,1000000] [--clients 1,8,32]
#                      [--reps N] [--logins N] [--quick] [BUILD_DIR]
#
# For each user count: a private vigild on a throw-away state directory,
# seeded in bulk with sqlite3 (users, a TOTP factor each, known devices,
# sources and /24s, ten history rows each from earlier days), then, for each
# client count and repetition, four rounds one after another through the real
# libpam (pam_start_confdir on a private confdir, modules by full path):
# pam_permit, google-authenticator (DISALLOW_REUSE + RATE_LIMIT), pam_vigil
# known device, pam_vigil TOTP step-up.  Then, on separate short rounds so
# that the tools do not touch the headline numbers: strace -c (syscalls,
# fsyncs per login), strace of pwrite64 (WAL bytes per login), callgrind on
# the client (instructions per login of each stack), and bench_decide (vigild
# driven through its PAM socket by a light client, no libpam).  Prints the
# issue's table per user count and client count, and the targets with
# PASS/FAIL.  Exit 1 if any login went otherwise than expected.
#
# Users exist only inside a private mount namespace (unshare -m): a private
# /etc/nsswitch.conf ("passwd: files db") is bind-mounted over the real one
# and a private /var/lib/misc holds passwd.db and group.db made with makedb
# (libnss-db: an indexed lookup, where nss_wrapper's linear search would not
# do at a million users).  Nothing on the host changes; everything lives in a
# mktemp -d directory removed on exit.  Root only: vigild takes PAM items only
# from root and the module trusts only a root daemon.
set -euo pipefail

usage() {
	echo "Usage: sudo $0 [--users LIST] [--clients LIST] [--reps N] [--logins N] [--quick] [--raw FILE] [BUILD_DIR]"
	echo "       $0 --report FILE [--users LIST] [--clients LIST]   (the tables again from a --raw FILE)"
	echo "  defaults: --users 1000,100000,1000000 --clients 1,8,32 --reps 5 --logins 1000"
	echo "  --quick:  --users 1000 --clients 1,8 --reps 2 --logins 300 (about two minutes)"
}

top=$(cd "$(dirname "$0")/.." && pwd)
args=("$@")
users_list=1000,100000,1000000
clients_list=1,8,32
reps=5
logins=1000
decide_s=5
trace_logins=200
build=
raw=
report_from=
while [ $# -gt 0 ]; do
	case "$1" in
	--users | --clients | --reps | --logins | --raw | --report)
		[ $# -ge 2 ] || {
			usage >&2
			exit 2
		}
		case "$1" in
		--users) users_list=$2 ;;
		--clients) clients_list=$2 ;;
		--reps) reps=$2 ;;
		--logins) logins=$2 ;;
		--raw) raw=$2 ;;
		--report) report_from=$2 ;;
		esac
		shift
		;;
	--quick)
		users_list=1000
		clients_list=1,8
		reps=2
		logins=300
		decide_s=3
		trace_logins=100
		;;
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
for v in "$reps" "$logins" ${users_list//,/ } ${clients_list//,/ }; do
	if ! [[ $v =~ ^[1-9][0-9]*$ ]]; then
		echo "perf.sh: not a positive number: $v" >&2
		exit 2
	fi
done
IFS=, read -r -a user_counts <<<"$users_list"
IFS=, read -r -a client_counts <<<"$clients_list"
for c in "${client_counts[@]}"; do
	if [ "$c" -gt "$logins" ]; then
		echo "perf.sh: --logins must be at least the largest client count" >&2
		exit 2
	fi
done

# --------------------------------------------------------------- report ---
report() {
	awk -v counts="${user_counts[*]}" -v clients="${client_counts[*]}" '
	function med(a, k,   n, i, j, t, v) {
		n = split(a, v, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		if (k == "min") return v[1]
		if (k == "max") return v[n]
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function add(key, x) { L[key] = (key in L) ? L[key] " " x : x }
	function th(x,   s, neg) {
		x = sprintf("%.0f", x); s = ""
		while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) }
		return x s
	}
	function verdict(ok) { return ok ? "PASS" : "FAIL" }
	function floor_verdict(ok) { return ok ? "reachable" : "UNREACHABLE" }
	$1 == "round" { k = $2 SUBSEP $3 SUBSEP $5; add("rate" k, $6); add("p50" k, $7); add("p99" k, $8); add("cpu" k, $9); seen[k] = 1 }
	$1 == "trace" { tr_sys[$2, $3, $4] = $5; tr_fs[$2, $3, $4] = $6 }
	$1 == "wal" { wal[$2, $3] = $4 }
	$1 == "cg" { cg[$2] = $3; hascg = 1 }
	$1 == "decide" { dps[$2, $3] = $4; dlps[$2, $3] = $5; drec[$2, $3] = $6; dnew[$2, $3] = $7 }
	$1 == "decidefloor" { fdps[$2, $3] = $4 }
	$1 == "decideback" { bdps[$2] = $4; blps[$2] = $5; brec[$2] = $6; bnew[$2] = $7 }
	$1 == "rss" { rss[$2] = $3; hwm[$2] = $4 }
	$1 == "seed" { seedt[$2] = $3 }
	END {
		nc = split(counts, N, " "); ncl = split(clients, C, " ")
		ns = split("permit floor ga known stepup", S, " ")
		name["permit"] = "pam_permit"; name["ga"] = "google-authenticator, reuse disallowed"
		name["floor"] = "floor: pam_vigil, a daemon that does nothing"
		name["known"] = "pam_vigil, known device (no prompt)"; name["stepup"] = "pam_vigil, TOTP step-up"
		for (i = 1; i <= nc; i++) {
			n = N[i]
			printf "\n### %s users (seeded in %s s; vigild VmRSS %.1f MiB, VmHWM %.1f MiB)\n", th(n), seedt[n], rss[n] / 1024, hwm[n] / 1024
			for (j = 1; j <= ncl; j++) {
				c = C[j]
				printf "\n%s client%s (median of repetitions; min-max in brackets):\n\n", c, c == 1 ? "" : "s"
				printf "| stack | logins/s | p50 | p99 | vs pam_permit p50 | vigild CPU/login |\n|---|---|---|---|---|---|\n"
				kp = n SUBSEP c SUBSEP "permit"
				pp50 = med(L["p50" kp])
				for (s = 1; s <= ns; s++) {
					k = n SUBSEP c SUBSEP S[s]
					if (!(k in seen)) continue
					R[k] = med(L["rate" k]); P50[k] = med(L["p50" k]); P99[k] = med(L["p99" k])
					printf "| %s | %s (%s-%s) | %s µs (%s-%s) | %s µs (%s-%s) | %.1f | %s |\n", name[S[s]],
						th(R[k]), th(med(L["rate" k], "min")), th(med(L["rate" k], "max")),
						th(P50[k]), th(med(L["p50" k], "min")), th(med(L["p50" k], "max")),
						th(P99[k]), th(med(L["p99" k], "min")), th(med(L["p99" k], "max")),
						(pp50 > 0 ? P50[k] / pp50 : 0),
						(S[s] == "known" || S[s] == "stepup" ? th(med(L["cpu" k])) " µs" : "-")
				}
			}
			printf "\nvigild per login (separate traced rounds: strace slows them):\n\n"
			printf "| | syscalls | fsync+fdatasync | WAL bytes |\n|---|---|---|---|\n"
			printf "| known, 1 client | %s | %s | %s |\n", tr_sys[n, "known", 1], tr_fs[n, "known", 1], th(wal[n, "known"])
			printf "| step-up, 1 client | %s | %s | %s |\n", tr_sys[n, "stepup", 1], tr_fs[n, "stepup", 1], th(wal[n, "stepup"])
			printf "| known, 8 clients | %s | %s | |\n", tr_sys[n, "known", 8], tr_fs[n, "known", 8]
			printf "| step-up, 8 clients | %s | %s | |\n", tr_sys[n, "stepup", 8], tr_fs[n, "stepup", 8]
			printf "\nbench_decide (vigild alone, one connection per client, no libpam):\n\n"
			printf "| clients | decisions/s | logins/s | first of the day | reconnections | floor: null daemon, decisions/s |\n|---|---|---|---|---|---|\n"
			best[n] = 0
			for (c = 1; c <= 8; c *= 2) {
				printf "| %s | %s | %s | %d %% | %s | %s |\n", c, th(dps[n, c]), th(dlps[n, c]), dnew[n, c], drec[n, c], ((n, c) in fdps ? th(fdps[n, c]) : "-")
				if (dps[n, c] > best[n]) best[n] = dps[n, c]
			}
			if (n in bdps)
				printf "| 8, from the head of the walk again | %s | %s | %d %% | %s | - |\n", th(bdps[n]), th(blps[n]), bnew[n], brec[n]
		}
		if (hascg) {
			printf "\nClient instructions per login (callgrind, Ir, %s users):\n\n| stack | Ir/login | vs pam_permit |\n|---|---|---|\n", th(N[1])
			for (s = 1; s <= ns; s++)
				if (S[s] in cg)
					printf "| %s | %s | %.1f |\n", name[S[s]], th(cg[S[s]]), (cg["permit"] > 0 ? cg[S[s]] / cg["permit"] : 0)
		}

		# Each target that a daemon could miss by its own doing is followed
		# by the same ratio for the floor (pam_vigil against null_vigild):
		# where the floor fails, no daemon behind this module can pass.
		printf "\n## Targets\n\n| target | value | goal | |\n|---|---|---|---|\n"
		for (i = 1; i <= nc; i++) {
			n = N[i]; k1 = n SUBSEP 1 SUBSEP
			if ((k1 "known") in seen && (k1 "permit") in seen) {
				v = P50[k1 "known"] / P50[k1 "permit"]
				printf "| %s users, 1 client: known p50 / permit p50 | %.2f | <= 2 | %s |\n", th(n), v, verdict(v <= 2)
				v = P99[k1 "known"] / P99[k1 "permit"]
				printf "| %s users, 1 client: known p99 / permit p99 | %.2f | <= 3 | %s |\n", th(n), v, verdict(v <= 3)
			}
			if ((k1 "floor") in seen && (k1 "permit") in seen) {
				v = P50[k1 "floor"] / P50[k1 "permit"]
				printf "| (floor) %s users, 1 client: floor p50 / permit p50 | %.2f | <= 2 | %s |\n", th(n), v, floor_verdict(v <= 2)
				v = P99[k1 "floor"] / P99[k1 "permit"]
				printf "| (floor) %s users, 1 client: floor p99 / permit p99 | %.2f | <= 3 | %s |\n", th(n), v, floor_verdict(v <= 3)
			}
			if ((k1 "stepup") in seen && (k1 "ga") in seen) {
				v = R[k1 "stepup"] / R[k1 "ga"]
				printf "| %s users, 1 client: step-up logins/s / GA logins/s | %.2f | >= 2 | %s |\n", th(n), v, verdict(v >= 2)
				v = P99[k1 "stepup"] / P99[k1 "ga"]
				printf "| %s users, 1 client: step-up p99 / GA p99 | %.2f | <= 1 | %s |\n", th(n), v, verdict(v <= 1)
			}
			k8 = n SUBSEP 8 SUBSEP
			if ((k8 "known") in seen && (k8 "permit") in seen) {
				v = R[k8 "known"] / R[k8 "permit"]
				printf "| %s users, 8 clients: known logins/s / permit logins/s | %.2f | >= 0.70 | %s |\n", th(n), v, verdict(v >= 0.7)
			}
			if ((k8 "floor") in seen && (k8 "permit") in seen) {
				v = R[k8 "floor"] / R[k8 "permit"]
				printf "| (floor) %s users, 8 clients: floor logins/s / permit logins/s | %.2f | >= 0.70 | %s |\n", th(n), v, floor_verdict(v >= 0.7)
			}
			if ((k8 "stepup") in seen && (k1 "stepup") in seen) {
				v = R[k8 "stepup"] / R[k1 "stepup"]
				printf "| %s users: step-up logins/s, 8 clients / 1 client | %.2f | > 1 | %s |\n", th(n), v, verdict(v > 1)
			}
			if ((n, "stepup", 8) in tr_fs) {
				v = tr_fs[n, "stepup", 8]
				printf "| %s users, 8 clients: fsyncs per step-up | %.2f | < 0.5 | %s |\n", th(n), v, verdict(v < 0.5)
			}
			printf "| %s users: bench_decide decisions/s (best of 1-8 clients) | %s | >= 10,000 | %s |\n", th(n), th(best[n]), verdict(best[n] >= 10000)
			if (n in bdps)
				printf "| %s users: bench_decide, 8 clients, users back after their first login | %s | >= 10,000 | %s |\n", th(n), th(bdps[n]), verdict(bdps[n] >= 10000)
		}
		lo = N[1]; hi = N[1]
		for (i = 1; i <= nc; i++) { if (N[i] + 0 < lo + 0) lo = N[i]; if (N[i] + 0 > hi + 0) hi = N[i] }
		if (hi != lo && ((lo SUBSEP 1 SUBSEP "known") in seen) && ((hi SUBSEP 1 SUBSEP "known") in seen)) {
			split("known stepup", V, " ")
			for (s = 1; s <= 2; s++) {
				a = lo SUBSEP 1 SUBSEP V[s]; b = hi SUBSEP 1 SUBSEP V[s]
				v = P50[b] / P50[a]
				printf "| %s p50, %s -> %s users, 1 client | %.2f | <= 1.2 | %s |\n", V[s], th(lo), th(hi), v, verdict(v <= 1.2)
				v = P99[b] / P99[a]
				printf "| %s p99, %s -> %s users, 1 client | %.2f | <= 1.5 | %s |\n", V[s], th(lo), th(hi), v, verdict(v <= 1.5)
			}
		} else
			printf "| p50/p99 from 1k to 1M users | n/a | one user count in this run | - |\n"
		v = hwm[hi] / 1024
		printf "| vigild VmHWM at %s users%s | %.1f MiB | <= 32 MiB | %s |\n", th(hi), (hi == 1000000 ? "" : " (target is at 1,000,000)"), v, verdict(v <= 32)
	}' "$res"
}

if [ -n "$report_from" ]; then
	res=$report_from
	report
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "perf.sh: must run as root" >&2
	exit 2
fi
build=$(cd "$build" && pwd) || exit 2
for f in daemon/vigild .libs/pam_vigil.so bench/bench_perf bench/bench_decide bench/null_vigild; do
	if [ ! -e "$build/$f" ]; then
		echo "perf.sh: $build/$f is missing: make -C $build daemon/vigild pam_vigil.la bench/bench_perf bench/bench_decide bench/null_vigild" >&2
		exit 2
	fi
done
secdir=
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security /lib/security /usr/lib/security; do
	[ -e "$d/pam_permit.so" ] && secdir=$d && break
done
missing=()
[ -n "$secdir" ] || missing+=(pam_permit.so)
[ -n "$secdir" ] && [ -e "$secdir/pam_google_authenticator.so" ] || missing+=(libpam-google-authenticator)
command -v makedb >/dev/null && [ -e /usr/share/doc/libnss-db ] || missing+=(libnss-db)
for t in sqlite3 strace valgrind unshare; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "perf.sh: missing: ${missing[*]} (scripts/deps.sh --test installs them)" >&2
	exit 2
fi

# Everything below runs in a private mount namespace.
if [ -z "${VIGIL_PERF_NS:-}" ]; then
	exec unshare -m --propagation private env VIGIL_PERF_NS=1 "$0" "${args[@]}"
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
vigild_pid=
helper_pid=
null_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local p
	for p in "$helper_pid" "$vigild_pid" "$null_pid"; do
		if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	umount /var/lib/misc 2>/dev/null || true
	umount /etc/nsswitch.conf 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

bp=$build/bench/bench_perf
bd=$build/bench/bench_decide
hz=$(getconf CLK_TCK)
ncl=${#client_counts[@]}
max_users=0
for n in "${user_counts[@]}"; do
	[ "$n" -gt "$max_users" ] && max_users=$n
done
# Step-up users: a fresh slice for every step-up round (and the same slice
# for the google-authenticator round before it), plus the traced rounds and
# callgrind's two runs, plus one template whose factor row is copied.
cg_small=10
cg_large=60
steps=$((reps * ncl * logins + 3 * trace_logins + cg_small + cg_large))
template=$steps

log() { echo "perf.sh: $(date -u +%H:%M:%S) $*" >&2; }
fail() {
	echo "perf.sh: FAILED: $*" >&2
	exit 1
}

# ------------------------------------------------------------------ NSS ---
# passwd.db in the format of Debian's /var/lib/misc/Makefile: each line
# under its index ("0N"), its name (".name") and its uid ("=uid").
nss_setup() {
	log "NSS: $max_users pool users and $((steps + 1)) step users in passwd.db"
	mkdir "$tmp/misc"
	awk -v pool="$max_users" -v steps="$((steps + 1))" 'BEGIN {
		for (i = 0; i < pool; i++) {
			l = sprintf("b%07u:x:%u:10000000::/nonexistent:/usr/sbin/nologin", i, 10000000 + i)
			printf "0%u %s\n.b%07u %s\n=%u %s\n", n++, l, i, l, 10000000 + i, l
		}
		for (j = 0; j < steps; j++) {
			l = sprintf("s%07u:x:%u:10000000::/nonexistent:/usr/sbin/nologin", j, 30000000 + j)
			printf "0%u %s\n.s%07u %s\n=%u %s\n", n++, l, j, l, 30000000 + j, l
		}
	}' | makedb --quiet -o "$tmp/misc/passwd.db" -
	printf '00 vigilbench:x:10000000:\n.vigilbench vigilbench:x:10000000:\n=10000000 vigilbench:x:10000000:\n' |
		makedb --quiet -o "$tmp/misc/group.db" -
	sed -E -e 's/^(passwd|group):.*/\1: files db/' /etc/nsswitch.conf >"$tmp/nsswitch.conf"
	grep -q '^passwd:' "$tmp/nsswitch.conf" || echo 'passwd: files db' >>"$tmp/nsswitch.conf"
	grep -q '^group:' "$tmp/nsswitch.conf" || echo 'group: files db' >>"$tmp/nsswitch.conf"
	chmod 644 "$tmp/nsswitch.conf" "$tmp/misc/passwd.db" "$tmp/misc/group.db"
	mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf
	mount --bind "$tmp/misc" /var/lib/misc
	getent passwd "b$(printf %07u $((max_users - 1)))" >/dev/null || fail "NSS does not know the pool users"
	getent passwd "s$(printf %07u "$template")" >/dev/null || fail "NSS does not know the step users"
}

# --------------------------------------------------------------- vigild ---
# page_in DIR: reads the database into the page cache.  Where the kernel
# pages out file pages left idle (DAMON's pageout scheme: on this VM, pages
# untouched for a minute), a phase reaching users whose pages went out would
# time the virtual disk rather than vigild.  Logs how much was out.
page_in() {
	local db=$1/state/vigil.db resident size
	resident=$(fincore -bno RES "$db" 2>/dev/null) || resident="?"
	size=$(stat -c %s "$db")
	cat "$db" >/dev/null
	[ ! -e "$db-wal" ] || cat "$db-wal" >/dev/null
	log "page cache: held $resident of $size bytes of the database, now all of it"
}

vigild_start() {
	local d=$1 s
	env "$build/daemon/vigild" --config "$tmp/vigil.conf" --state-dir "$d/state" --runtime-dir "$d/run" \
		2>>"$d/vigild.log" &
	vigild_pid=$!
	for _ in $(seq 600); do
		[ -S "$d/run/pam.sock" ] && [ -S "$d/run/vigild.sock" ] && return 0
		kill -0 "$vigild_pid" 2>/dev/null || break
		sleep 0.1
	done
	s=$(tail -n 20 "$d/vigild.log")
	fail "vigild did not start: $s"
}

vigild_stop() {
	kill "$vigild_pid"
	wait "$vigild_pid" || true
	vigild_pid=
	rm -f "$1/run/pam.sock" "$1/run/vigild.sock" "$1/run/admin.sock"
}

# null_vigild: the floor stack's daemon, which allows everything at once.
null_start() {
	local d=$1
	mkdir -m 0755 "$d/null"
	"$build/bench/null_vigild" "$d/null/pam.sock" &
	null_pid=$!
	for _ in $(seq 100); do
		[ -S "$d/null/pam.sock" ] && return 0
		sleep 0.05
	done
	fail "null_vigild did not start"
}

null_stop() {
	kill "$null_pid"
	wait "$null_pid" || true
	null_pid=
}

vigild_ticks() {
	local s
	s=$(cat "/proc/$vigild_pid/stat")
	s=${s##*) }
	awk '{ print $12 + $13 }' <<<"$s"
}

# ------------------------------------------------------------- seeding ---
# The column list of logins (and of totp_factors) is read from the schema at
# run time: the history insert names only columns it knows, and leaves
# defaults and an INTEGER PRIMARY KEY (a rowid) to SQLite, so it works with
# login_id TEXT PRIMARY KEY (schema 5) and with id INTEGER PRIMARY KEY plus a
# nullable legacy login_id (schema 6) alike.
logins_columns() {
	local db=$1 cols=() vals=() name type notnull dflt pk v
	while IFS='|' read -r _ name type notnull dflt pk; do
		case $name in
		user_id) v="u.id" ;;
		user) v="u.name" ;;
		service) v="'vigil'" ;;
		device) v="u.fp" ;;
		source) v="u.addr" ;;
		score | signals | stepped_up | caller_uid | activate_factor | reason | why | shadow | method | factor_id) v=0 ;;
		outcome | verdict | committed) v=1 ;;
		activate_step) v=-1 ;;
		party) v="''" ;;
		time) v="$now - (11 - k.x) * 86400 - (u.id % 43200)" ;;
		login_id)
			# A text key only where the schema demands one.
			if [ "$notnull" = 1 ] || [ "$pk" != 0 ]; then
				v="printf('h%d-%d', u.id, k.x)"
			else
				continue
			fi
			;;
		*)
			if [ "$pk" != 0 ] && [ "${type^^}" = INTEGER ]; then
				continue
			fi
			if [ "$notnull" = 1 ] && [ -z "$dflt" ]; then
				fail "seeding: logins.$name (NOT NULL, no default) is unknown to perf.sh"
			fi
			continue
			;;
		esac
		cols+=("$name")
		vals+=("$v")
	done < <(sqlite3 "$db" 'PRAGMA table_info(logins)')
	local IFS=,
	echo "${cols[*]}"
	echo "${vals[*]}"
}

# The SQL that seeds what earlier logins taught of every user in the
# temporary table o: a success yesterday, and a device, source and /24
# seen 40 days ago and yesterday. Schema 8 keeps them in one table, seen;
# before it they were users.last_success, devices, sources and prefixes.
learned_sql() {
	local db=$1 now=$2 first=$(($2 - 40 * 86400)) last=$(($2 - 86400))
	local from="FROM o JOIN users u ON u.name = o.name"
	if [ -n "$(sqlite3 "$db" "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seen'")" ]; then
		cat <<-EOF
			INSERT INTO seen (user_id, kind, value, first_seen, last_seen)
			  SELECT * FROM (SELECT u.id, 0, '', $first, $last $from
			  UNION ALL SELECT u.id, 1, o.fp, $first, $last $from
			  UNION ALL SELECT u.id, 2, o.addr, $first, $last $from
			  UNION ALL SELECT u.id, 3, o.prefix, $first, $last $from) ORDER BY 1, 2, 3;
		EOF
	else
		cat <<-EOF
			UPDATE users SET last_success = $last;
			INSERT INTO devices (user_id, fingerprint, first_seen, last_seen) SELECT u.id, o.fp, $first, $last $from;
			INSERT INTO sources (user_id, addr, first_seen, last_seen) SELECT u.id, o.addr, $first, $last $from;
			INSERT INTO prefixes (user_id, prefix, first_seen, last_seen) SELECT u.id, o.prefix, $first, $last $from;
		EOF
	fi
}

seed() {
	local d=$1 n=$2 db=$1/state/vigil.db cols vals totp idx t0
	t0=$(date +%s)
	"$bp" fingerprints pool 0 "$n" >"$d/pool.csv"
	"$bp" fingerprints step 0 "$steps" >"$d/step.csv"
	{
		read -r cols
		read -r vals
	} < <(logins_columns "$db")
	totp=$(sqlite3 "$db" 'PRAGMA table_info(totp_factors)' | awk -F'|' '$2 != "id" && $2 != "user_id" { printf "%s%s", s, $2; s = "," }')
	idx=$(sqlite3 "$db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logins' AND sql IS NOT NULL")
	log "seeding $n users, $((10 * (n + steps))) history rows (columns: $cols)"
	# A rollback journal (nearly empty: the tables are) rather than a WAL
	# the size of the whole insert; vigild turns WAL on again at start.
	sqlite3 -bail "$db" <<-EOF >/dev/null
		PRAGMA journal_mode = DELETE;
		PRAGMA synchronous = OFF;
		PRAGMA foreign_keys = OFF;
		PRAGMA cache_size = -1048576;
		CREATE TEMP TABLE o (name TEXT, fp TEXT, addr TEXT, prefix TEXT);
		.import --csv $d/pool.csv o
		.import --csv $d/step.csv o
		BEGIN;
		INSERT INTO users (name, first_seen, first_allowed)
		  SELECT name, $now - 40 * 86400, $now - 40 * 86400 FROM o WHERE name LIKE 'b%';
		UPDATE users SET first_seen = $now - 40 * 86400, first_allowed = $now - 40 * 86400 WHERE name LIKE 's%';
		INSERT INTO totp_factors (user_id, $totp)
		  SELECT u.id, t.${totp//,/,t.} FROM o JOIN users u ON u.name = o.name,
		  totp_factors t WHERE o.name LIKE 'b%' AND t.active = 1
		  AND t.user_id = (SELECT id FROM users WHERE name = 's$(printf %07u "$template")');
		$(learned_sql "$db" "$now")
		$(sqlite3 "$db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logins' AND sql IS NOT NULL")
		CREATE TEMP TABLE uo AS SELECT u.id AS id, u.name AS name, o.fp AS fp, o.addr AS addr
		  FROM o JOIN users u ON u.name = o.name ORDER BY u.id;
		WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 10)
		INSERT INTO logins ($cols)
		  SELECT $vals FROM k CROSS JOIN uo AS u;
		$idx
		COMMIT;
		PRAGMA journal_mode = WAL;
	EOF
	log "seeded in $(($(date +%s) - t0)) s: $(sqlite3 "$db" 'SELECT count(*) FROM users') users," \
		"$(sqlite3 "$db" 'SELECT count(*) FROM logins') history rows, $(du -m "$db" | cut -f1) MiB"
}

# --------------------------------------------------------------- rounds ---
# One round through bench_perf; its line goes to $res with vigild's CPU
# time per login over the round (user + system, every thread).
round() {
	local n=$1 rep=$2 stack=$3 clients=$4 first=$5 count=$6 t0 t1 line
	t0=$(vigild_ticks)
	if ! line=$("$bp" login "$confdir" "$stack" "$clients" "$first" "$count" "$n" "$gadir" 2>"$tmp/round.err"); then
		cat "$tmp/round.err" >&2
		fail "$stack round ($n users, $clients clients): some logins did not go as expected"
	fi
	t1=$(vigild_ticks)
	# round STACK CLIENTS COUNT FAILED WALL RATE P50 P99
	awk -v n="$n" -v rep="$rep" -v dt="$((t1 - t0))" -v hz="$hz" \
		'{ printf "round %s %s %s %s %s %s %s %.1f\n", n, $3, rep, $2, $7, $8, $9, dt * 1e6 / hz / $4 }' \
		<<<"$line" >>"$res"
}

# Starts strace on vigild (every thread) and waits until it is attached.
strace_start() {
	strace "$@" -p "$vigild_pid" 2>"$tmp/strace.err" &
	helper_pid=$!
	for _ in $(seq 100); do
		grep -q attached "$tmp/strace.err" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.3
}

strace_stop() {
	kill -INT "$helper_pid"
	wait "$helper_pid" || true
	helper_pid=
}

traced() {
	local n=$1 stack=$2 clients=$3 first=$4 out
	out=$tmp/strace.$stack.$clients
	strace_start -f -c -o "$out"
	"$bp" login "$confdir" "$stack" "$clients" "$first" "$trace_logins" "$n" "$gadir" >/dev/null ||
		fail "traced $stack round: some logins did not go as expected"
	strace_stop
	awk -v n="$n" -v s="$stack" -v c="$clients" -v l="$trace_logins" '
		$NF == "total" { total = $4 }
		$NF == "fsync" || $NF == "fdatasync" { f += $4 }
		END { printf "trace %s %s %s %.1f %.2f\n", n, s, c, total / l, f / l }' "$out" >>"$res"
}

wal_bytes() {
	local n=$1 stack=$2 first=$3 out=$tmp/wal.$2
	strace_start -f -y -s 0 -e trace=pwrite64 -o "$out"
	"$bp" login "$confdir" "$stack" 1 "$first" "$trace_logins" "$n" "$gadir" >/dev/null ||
		fail "WAL $stack round: some logins did not go as expected"
	strace_stop
	# pwrite64(FD</path/vigil.db-wal>, ""..., COUNT, OFFSET): sum COUNT.
	awk -v n="$n" -v s="$stack" -v l="$trace_logins" '
		/-wal>/ && match($0, /\.\.\., [0-9]+, /) { b += substr($0, RSTART + 5, RLENGTH - 7) }
		END { printf "wal %s %s %.0f\n", n, s, b / l }' "$out" >>"$res"
}

callgrind_ir() {
	local stack=$1 first=$2 count=$3 out=$tmp/cg.$1.$3
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$bp" login "$confdir" "$stack" 1 "$first" "$count" "$cg_pool" "$gadir" >/dev/null 2>"$out.err" ||
		fail "callgrind $stack: some logins did not go as expected: $(tail -n 5 "$out.err")"
	awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

# ------------------------------------------------------ one user count ---
run_count() {
	local n=$1 d=$tmp/n$1 ci c rep step first pfirst s ir1 ir2 status
	mkdir -m 0700 "$d" "$d/state"
	mkdir -m 0755 "$d/run" "$d/ga"
	confdir=$d/pam.d
	gadir=$d/ga
	mkdir -m 0755 "$confdir"
	cat >"$confdir/permit" <<-EOF
		auth required $secdir/pam_permit.so
		account required $secdir/pam_permit.so
	EOF
	cat >"$confdir/ga" <<-EOF
		auth required $secdir/pam_google_authenticator.so secret=$gadir/\${USER} user=root
		account required $secdir/pam_permit.so
	EOF
	cat >"$confdir/vigil" <<-EOF
		auth required $build/.libs/pam_vigil.so socket=$d/run/pam.sock
		account required $build/.libs/pam_vigil.so socket=$d/run/pam.sock
	EOF
	cat >"$confdir/floor" <<-EOF
		auth required $build/.libs/pam_vigil.so socket=$d/null/pam.sock
		account required $build/.libs/pam_vigil.so socket=$d/null/pam.sock
	EOF
	cat >"$confdir/other" <<-EOF
		auth required $secdir/pam_deny.so
		account required $secdir/pam_deny.so
	EOF

	log "== $n users: vigild on an empty state directory, enrolling $((steps + 1)) step users"
	vigild_start "$d"
	local t0 per=$(((steps + 1 + 3) / 4)) pids=()
	t0=$(date +%s)
	for s in 0 1 2 3; do
		first=$((s * per))
		[ "$first" -gt "$steps" ] && break
		c=$per
		[ $((first + c)) -gt $((steps + 1)) ] && c=$((steps + 1 - first))
		"$bp" enroll "$d/run/vigild.sock" "$gadir" "$first" "$c" &
		pids+=($!)
	done
	status=0
	for s in "${pids[@]}"; do
		wait "$s" || status=1
	done
	[ "$status" = 0 ] || fail "enrollment failed"
	log "enrolled $((steps + 1)) users in $(($(date +%s) - t0)) s"
	vigild_stop "$d"
	now=$(date +%s)
	t0=$(date +%s)
	seed "$d" "$n"
	echo "seed $n $(($(date +%s) - t0))" >>"$res"
	rm -f "$d/pool.csv" "$d/step.csv"
	page_in "$d"
	vigild_start "$d"

	null_start "$d"

	# Warm-up (not counted): the code paths, not the rows.
	"$bp" login "$confdir" permit 1 0 50 "$n" "$gadir" >/dev/null || fail "warm-up permit"
	"$bp" login "$confdir" floor 1 0 50 "$n" "$gadir" >/dev/null || fail "warm-up floor"
	"$bp" login "$confdir" known 1 $((n / 2)) 50 "$n" "$gadir" >/dev/null || fail "warm-up known"
	# For profiling by hand (not part of the run): VIGIL_PERF_HOLD=FILE
	# writes what a round needs to FILE and waits until FILE is removed;
	# run rounds meanwhile with `nsenter -m -t VIGILD_PID BP login ...`.
	if [ -n "${VIGIL_PERF_HOLD:-}" ]; then
		printf 'vigild=%s bp=%s confdir=%s gadir=%s n=%s sock=%s\n' "$vigild_pid" "$bp" \
			"$confdir" "$gadir" "$n" "$d/run/pam.sock" >"$VIGIL_PERF_HOLD"
		log "holding until $VIGIL_PERF_HOLD is removed"
		while [ -e "$VIGIL_PERF_HOLD" ]; do sleep 1; done
	fi

	step=0
	pfirst=0
	for ci in "${!client_counts[@]}"; do
		c=${client_counts[$ci]}
		for rep in $(seq "$reps"); do
			log "$n users, $c clients, repetition $rep/$reps"
			round "$n" "$rep" permit "$c" "$pfirst" "$logins"
			round "$n" "$rep" floor "$c" "$pfirst" "$logins"
			round "$n" "$rep" ga "$c" "$step" "$logins"
			round "$n" "$rep" known "$c" "$pfirst" "$logins"
			round "$n" "$rep" stepup "$c" "$step" "$logins"
			step=$((step + logins))
			pfirst=$(((pfirst + logins * 7 + 1) % n))
		done
	done
	awk -v n="$n" '/^VmRSS|^VmHWM/ { v[$1] = $2 } END { printf "rss %s %s %s\n", n, v["VmRSS:"], v["VmHWM:"] }' \
		"/proc/$vigild_pid/status" >>"$res"

	log "$n users: strace -c, WAL bytes (separate rounds of $trace_logins logins)"
	traced "$n" known 1 "$pfirst"
	traced "$n" stepup 1 "$step"
	step=$((step + trace_logins))
	traced "$n" known 8 "$pfirst"
	traced "$n" stepup 8 "$step"
	step=$((step + trace_logins))
	wal_bytes "$n" known "$pfirst"
	wal_bytes "$n" stepup "$step"
	step=$((step + trace_logins))

	if [ "$n" = "${user_counts[0]}" ]; then
		log "$n users: callgrind on the client, $cg_small and $cg_large logins a stack"
		cg_pool=$n
		for s in permit ga known stepup; do
			first=$step
			[ "$s" = permit ] || [ "$s" = known ] && first=$pfirst
			ir1=$(callgrind_ir "$s" "$first" "$cg_small")
			[ "$s" = ga ] || [ "$s" = stepup ] && first=$((step + cg_small))
			ir2=$(callgrind_ir "$s" "$first" "$cg_large")
			echo "cg $s $(((ir2 - ir1) / (cg_large - cg_small)))" >>"$res"
		done
	fi

	# The runs go on along the pool (bench_decide's NEXT): a user's first
	# login of the day rewrites what it last used, a repeat writes no
	# such page, so each run says what share of its logins came first.
	log "$n users: bench_decide, $decide_s s at 1, 2, 4 and 8 clients"
	page_in "$d"
	local dfirst=0 dnext
	for c in 1 2 4 8; do
		s=$("$bd" "$d/run/pam.sock" vigil "$c" "$decide_s" "$n" "$dfirst") || fail "bench_decide: $s"
		dnext=$(echo "$s" | awk '{ print $7 }')
		echo "$s" | awk -v n="$n" -v f="$dfirst" -v x="$dnext" '{
			fresh = n - f; if (fresh < 0) fresh = 0; if (fresh > x - f) fresh = x - f
			print "decide", n, $2, $3, $4, $5, (x > f ? int(100 * fresh / (x - f)) : 0) }' >>"$res"
		dfirst=$dnext
	done
	# Then 8 clients from the head of the walk again: users back a few
	# seconds after their first login, their pages long gone from vigild's
	# cache (tens of thousands of users came since at 1M), the sustained
	# case: a day's logins after the first one of each user write no page
	# but the record's.
	s=$("$bd" "$d/run/pam.sock" vigil 8 "$decide_s" "$n" 0) || fail "bench_decide: $s"
	dnext=$(echo "$s" | awk '{ print $7 }')
	echo "$s" | awk -v n="$n" -v f="$dfirst" -v x="$dnext" '{
		seen = f < n ? f : n; end = x < n ? x : n; fresh = end > seen ? end - seen : 0
		print "decideback", n, $2, $3, $4, $5, (x > 0 ? int(100 * fresh / x) : 0) }' >>"$res"
	for c in 1 8; do
		s=$("$bd" "$d/null/pam.sock" floor "$c" "$decide_s" "$n") || fail "bench_decide (floor): $s"
		echo "$s" | awk -v n="$n" '{ print "decidefloor", n, $2, $3 }' >>"$res"
	done
	null_stop

	vigild_stop "$d"
	if grep -qE '<[0-3]>vigild' "$d/vigild.log"; then
		grep -E '<[0-3]>vigild' "$d/vigild.log" | head -n 5 >&2
		fail "vigild logged errors"
	fi
	rm -rf "$d"
}

# ----------------------------------------------------------------- main ---
res=$tmp/results
: >"$res"
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
echo "== Vigil performance comparison (issue 11)"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r)"
echo "state fs: $(df -PT "$tmp" | awk 'NR == 2 { print $2 " on " $1 }')"
echo "build:    $build ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "run:      users $users_list, clients $clients_list, $reps repetitions of $logins logins a round"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (before)"
nss_setup
for n in "${user_counts[@]}"; do
	run_count "$n"
done
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after)"
[ -z "$raw" ] || cp "$res" "$raw"
report
