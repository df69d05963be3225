/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_perf: the PAM side of bench/perf.sh.  Three verbs:
 *
 *   fingerprints KIND FIRST COUNT
 *       prints "name,fingerprint,address,prefix" of the users' known origin,
 *       for the seeding (sqlite3 .import);
 *   enroll SOCKET GADIR FIRST COUNT
 *       enrolls the step users s<FIRST>.. with a TOTP factor through vigild's
 *       socket as root (TOTP_ENROLL_BEGIN, then CONFIRM), and writes each
 *       secret as the user's google-authenticator file GADIR/NAME (0400,
 *       RATE_LIMIT 3 30, DISALLOW_REUSE, TOTP_AUTH), so both stacks answer
 *       with the same secret;
 *   login CONFDIR STACK CLIENTS FIRST COUNT POOL GADIR
 *       one round: CLIENTS processes (forked; one runs in-process, which is
 *       what callgrind wants) share COUNT logins through the real libpam
 *       (pam_start_confdir, pam_authenticate, pam_acct_mgmt, pam_end), each
 *       timed.  STACK permit and known log pool users in from their known
 *       origin, spread over the POOL users (index FIRST + k * stride mod
 *       POOL); ga and stepup log step users s<FIRST>.. in, answering one
 *       code prompt with a code computed from GADIR/NAME.  Prints one line:
 *       "round STACK CLIENTS COUNT FAILED WALL_S LOGINS_PER_S P50_US P99_US".
 *
 * Every login is checked: PAM_SUCCESS from both calls and exactly the
 * prompts the stack must ask (none, or one code).  Any other outcome is
 * counted, the first few described on stderr, and the exit status is 1.
 * Secrets are read from files only root can read, live in memory only while
 * a round runs, and are never printed.  Run as root.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

#include "bench_users.h"
#include "client.h"
#include "parse.h"
#include "wipe.h"

#define CALL_TIMEOUT_MS 10000
#define FAILURES_SHOWN  3
#define CLIENTS_MAX     256
#define COUNT_MAX       10000000U
#define TOTP_PERIOD     30
#define TOTP_DIGITS     6

enum stack {
	STACK_PERMIT,
	STACK_GA,
	STACK_KNOWN,
	STACK_STEPUP,
	STACK_FLOOR, /* pam_vigil.so against null_vigild: the module and its round trips */
};

static const char *const stack_names[] = {"permit", "ga", "known", "stepup", "floor"};
/* The PAM service of each stack in the private confdir. */
static const char *const stack_services[] = {"permit", "ga", "vigil", "vigil", "floor"};

struct login_user {
	struct bench_origin o;
	char *secret; /* decoded TOTP secret (ga, stepup); wiped */
	size_t secret_len;
};

struct conv_state {
	const struct login_user *u;
	enum stack stack;
	unsigned prompts;
	int failure;
};

struct round {
	const char *confdir, *gadir;
	enum stack stack;
	unsigned clients, first, count, pool, stride;
	double *lat_us;   /* shared between the clients: count entries */
	unsigned *failed; /* shared: one counter per client */
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int parse_uint(const char *s, uint64_t max, unsigned *ret)
{
	uint64_t v;
	int r;

	if ((r = parse_u64(s, max, &v)) < 0)
		return r;
	*ret = (unsigned)v;
	return 0;
}

/* Reads the first line of GADIR/NAME (the base32 secret) and decodes it. */
static int secret_read(const char *gadir, const char *name, char **ret, size_t *ret_len)
{
	char path[4096], line[128];
	char *secret = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", gadir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	got = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (got <= 0) {
		r = -EBADMSG;
		goto out;
	}
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (oath_base32_decode(line, strlen(line), &secret, &n) != OATH_OK) {
		r = -EBADMSG;
		goto out;
	}
	*ret = secret;
	*ret_len = n;
	r = 0;
out:
	WIPE_ARRAY(line);
	return r;
}

static void responses_free(struct pam_response *resp, int n)
{
	int i;

	if (!resp)
		return;
	for (i = 0; i < n; i++)
		wipe_free_str(resp[i].resp);
	free(resp);
}

/* An echo-off prompt gets the code (ga: this time step; stepup: the next one,
 * strictly above the enrollment's watermark) in the stacks that ask one and
 * is a failure elsewhere, as is a second prompt. */
static int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct conv_state *st = appdata;
	struct pam_response *out = NULL;
	char code[16];
	time_t when;
	int i, r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG) {
		r = PAM_CONV_ERR;
		goto out;
	}
	if (!(out = calloc((size_t)n, sizeof(*out)))) {
		r = PAM_BUF_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			break;
		case PAM_PROMPT_ECHO_OFF:
			st->prompts++;
			when = time(NULL) + (st->stack == STACK_STEPUP ? TOTP_PERIOD : 0);
			if (!st->u->secret || st->prompts > 1 ||
			    oath_totp_generate(st->u->secret, st->u->secret_len, when, TOTP_PERIOD, 0, TOTP_DIGITS,
			                       code) != OATH_OK) {
				r = st->failure = PAM_CONV_ERR;
				goto out;
			}
			out[i].resp = strdup(code);
			WIPE_ARRAY(code);
			if (!out[i].resp) {
				r = st->failure = PAM_BUF_ERR;
				goto out;
			}
			break;
		default:
			r = st->failure = PAM_CONV_ERR;
			goto out;
		}
	}
	*resp = out;
	out = NULL;
	r = PAM_SUCCESS;
out:
	responses_free(out, n);
	return r;
}

/* One login, pam_start..pam_end; true if it went exactly as the stack must. */
static bool login_one(const struct round *rd, const struct login_user *u, unsigned *shown)
{
	struct conv_state st = {.u = u, .stack = rd->stack, .failure = PAM_SUCCESS};
	const struct pam_conv conv = {conv_fn, &st};
	unsigned want = rd->stack == STACK_GA || rd->stack == STACK_STEPUP ? 1 : 0;
	char env[BENCH_AUTH_MAX + 32];
	pam_handle_t *ph = NULL;
	const char *step = "pam_start";
	bool ok = false;
	int rc;

	rc = pam_start_confdir(stack_services[rd->stack], u->o.name, &conv, rd->confdir, &ph);
	if (rc != PAM_SUCCESS)
		goto out;
	step = "pam_set_item";
	if ((rc = pam_set_item(ph, PAM_RHOST, u->o.rhost)) != PAM_SUCCESS ||
	    (rc = pam_set_item(ph, PAM_TTY, "ssh")) != PAM_SUCCESS)
		goto out;
	step = "pam_putenv";
	/* As sshd puts it: one line per method, each ending in a newline. */
	snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=%s\n", u->o.auth_info);
	if ((rc = pam_putenv(ph, env)) != PAM_SUCCESS)
		goto out;
	step = "pam_authenticate";
	if ((rc = pam_authenticate(ph, 0)) != PAM_SUCCESS)
		goto out;
	step = "pam_acct_mgmt";
	if ((rc = pam_acct_mgmt(ph, 0)) != PAM_SUCCESS)
		goto out;
	step = "prompt count";
	if (st.prompts != want) {
		rc = PAM_SYSTEM_ERR;
		goto out;
	}
	ok = true;
out:
	if (ph)
		pam_end(ph, rc);
	if (!ok && (*shown)++ < FAILURES_SHOWN)
		fprintf(stderr, "bench_perf: %s: %s: %s: %s (prompts %u, want %u%s)\n", stack_names[rd->stack],
		        u->o.name, step, pam_strerror(NULL, rc), st.prompts, want,
		        st.failure != PAM_SUCCESS ? ", conversation failed" : "");
	return ok;
}

/* Which user the k-th login of the round is. */
static int user_prepare(const struct round *rd, unsigned k, struct login_user *u)
{
	unsigned i;

	memset(u, 0, sizeof(*u));
	if (rd->stack == STACK_PERMIT || rd->stack == STACK_KNOWN || rd->stack == STACK_FLOOR) {
		/* Spread over the whole pool: cold rows, not the last ones. */
		i = (unsigned)(((uint64_t)rd->first + (uint64_t)k * rd->stride) % rd->pool);
		bench_origin(BENCH_POOL, i, BENCH_KEY_KNOWN, &u->o);
		return 0;
	}
	bench_origin(BENCH_STEP, rd->first + k, BENCH_KEY_NEW, &u->o);
	return secret_read(rd->gadir, u->o.name, &u->secret, &u->secret_len);
}

static void user_release(struct login_user *u)
{
	if (u->secret)
		wipe_free(u->secret, u->secret_len);
	u->secret = NULL;
}

/* Client c's share of the round, after the start signal on go_fd. */
static unsigned client_run(const struct round *rd, unsigned c, int go_fd)
{
	unsigned lo = (unsigned)((uint64_t)rd->count * c / rd->clients);
	unsigned hi = (unsigned)((uint64_t)rd->count * (c + 1) / rd->clients);
	unsigned k, failed = 0, shown = 0;
	struct login_user *users;
	char b;
	double t0;
	int r;

	if (!(users = calloc(hi - lo + 1, sizeof(*users))))
		return hi - lo + 1;
	for (k = lo; k < hi; k++)
		if ((r = user_prepare(rd, k, &users[k - lo])) < 0) {
			fprintf(stderr, "bench_perf: %s: no secret: %s\n", users[k - lo].o.name, strerror(-r));
			failed = hi - lo;
			goto out;
		}
	if (go_fd >= 0 && read(go_fd, &b, 1) < 0) {
		failed = hi - lo;
		goto out;
	}
	for (k = lo; k < hi; k++) {
		t0 = now_us();
		if (!login_one(rd, &users[k - lo], &shown))
			failed++;
		rd->lat_us[k] = now_us() - t0;
	}
out:
	for (k = lo; k < hi; k++)
		user_release(&users[k - lo]);
	free(users);
	return failed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const double *v, unsigned n, unsigned pct)
{
	size_t rank = ((size_t)n * pct + 99) / 100;

	return rank == 0 ? v[0] : v[rank - 1];
}

/* A stride coprime with the pool that walks it in big jumps. */
static unsigned stride_for(unsigned pool)
{
	unsigned s = pool / 2 + 1, a, b, t;

	for (;; s++) {
		for (a = s, b = pool; b; t = a % b, a = b, b = t)
			;
		if (a == 1)
			return s % pool ? s : 1;
	}
}

static int round_run(struct round *rd)
{
	size_t lat_size = (size_t)rd->count * sizeof(double), fail_size = rd->clients * sizeof(unsigned);
	pid_t pids[CLIENTS_MAX];
	unsigned c, started = 0, failed = 0;
	int go[2] = {-1, -1}, status, r;
	double t0, t1;
	void *shm;

	shm = mmap(NULL, lat_size + fail_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return -errno;
	rd->lat_us = shm;
	rd->failed = (unsigned *)((char *)shm + lat_size);
	rd->stride = rd->pool > 1 ? stride_for(rd->pool) : 1;

	if (rd->clients == 1) {
		/* In-process: no fork, so callgrind sees the logins. */
		t0 = now_us();
		rd->failed[0] = client_run(rd, 0, -1);
		t1 = now_us();
	} else {
		if (pipe(go) < 0) {
			r = -errno;
			goto out;
		}
		for (c = 0; c < rd->clients; c++) {
			pids[c] = fork();
			if (pids[c] < 0)
				break;
			if (pids[c] == 0) {
				close(go[1]);
				rd->failed[c] = client_run(rd, c, go[0]);
				_exit(0);
			}
			started++;
		}
		close(go[0]);
		/* Let the clients read their secrets, then start them together. */
		usleep(100000 + 2000 * rd->count / rd->clients);
		t0 = now_us();
		close(go[1]); /* read() returns 0 in every client: go */
		for (c = 0; c < started; c++) {
			if (waitpid(pids[c], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
		t1 = now_us();
		if (started < rd->clients) {
			fprintf(stderr, "bench_perf: fork failed\n");
			r = -EAGAIN;
			goto out;
		}
	}
	for (c = 0; c < rd->clients; c++)
		failed += rd->failed[c];
	qsort(rd->lat_us, rd->count, sizeof(double), cmp_double);
	printf("round %s %u %u %u %.6f %.1f %.1f %.1f\n", stack_names[rd->stack], rd->clients, rd->count, failed,
	       (t1 - t0) / 1e6, rd->count / ((t1 - t0) / 1e6), percentile(rd->lat_us, rd->count, 50),
	       percentile(rd->lat_us, rd->count, 99));
	r = failed ? -EPROTO : 0;
out:
	munmap(shm, lat_size + fail_size);
	return r;
}

/* Enrolls one step user and writes its google-authenticator file. */
static int enroll_one(const char *socket, const char *gadir, const char *name)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	char *secret = NULL, path[4096], tmp[4200];
	size_t secret_len = 0;
	int64_t deadline = clock_now_ms() + CALL_TIMEOUT_MS;
	FILE *f = NULL;
	int fd = -1, ffd, r;

	req = calloc(1, sizeof(*req));
	reply = calloc(1, sizeof(*reply));
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = client_connect(socket, 0, deadline, &fd)) < 0)
		goto out;
	req->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", name);
	if ((r = client_call(fd, 1, req, reply, deadline)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_ENROLL_PENDING || reply->u.pending.digits != TOTP_DIGITS ||
	    reply->u.pending.period != TOTP_PERIOD ||
	    oath_base32_decode(reply->u.pending.secret_b32, strlen(reply->u.pending.secret_b32), &secret,
	                       &secret_len) != OATH_OK) {
		r = -EPROTO;
		goto out;
	}
	/* The google-authenticator file: written before the factor is
	 * active, renamed into place once it is. */
	snprintf(path, sizeof(path), "%s/%s", gadir, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	ffd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0400);
	if (ffd < 0 || !(f = fdopen(ffd, "w"))) {
		r = -errno;
		if (ffd >= 0)
			close(ffd);
		goto out;
	}
	fprintf(f, "%s\n\" RATE_LIMIT 3 30\n\" DISALLOW_REUSE\n\" TOTP_AUTH\n", reply->u.pending.secret_b32);
	wipe(reply, sizeof(*reply));
	if (fclose(f) != 0) {
		f = NULL;
		r = -EIO;
		goto out;
	}
	f = NULL;

	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	if (oath_totp_generate(secret, secret_len, time(NULL), TOTP_PERIOD, 0, TOTP_DIGITS, req->u.answer.answer) !=
	    OATH_OK) {
		r = -EINVAL;
		goto out;
	}
	r = client_call(fd, 2, req, reply, deadline);
	wipe(req, sizeof(*req));
	if (r < 0)
		goto out;
	if (reply->type != VIGIL_MSG_RESULT || reply->u.result.status != VIGIL_STATUS_OK) {
		r = -EPROTO;
		goto out;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (secret)
		wipe_free(secret, secret_len);
	wipe_free(req, sizeof(*req));
	wipe_free(reply, sizeof(*reply));
	return r;
}

static int cmd_enroll(char **argv)
{
	struct bench_origin o;
	unsigned first, count, k;
	int r;

	if ((r = parse_uint(argv[2], COUNT_MAX, &first)) < 0 || (r = parse_uint(argv[3], COUNT_MAX, &count)) < 0)
		return r;
	for (k = 0; k < count; k++) {
		bench_origin(BENCH_STEP, first + k, BENCH_KEY_KNOWN, &o);
		if ((r = enroll_one(argv[0], argv[1], o.name)) < 0) {
			fprintf(stderr, "bench_perf: enrolling %s: %s\n", o.name, strerror(-r));
			return r;
		}
	}
	return 0;
}

static int cmd_fingerprints(char **argv)
{
	struct bench_origin o;
	unsigned first, count, k;
	enum bench_user_kind kind;
	int r;

	if (strcmp(argv[0], "pool") == 0)
		kind = BENCH_POOL;
	else if (strcmp(argv[0], "step") == 0)
		kind = BENCH_STEP;
	else
		return -EINVAL;
	if ((r = parse_uint(argv[1], COUNT_MAX, &first)) < 0 || (r = parse_uint(argv[2], COUNT_MAX, &count)) < 0)
		return r;
	for (k = 0; k < count; k++) {
		bench_origin(kind, first + k, BENCH_KEY_KNOWN, &o);
		printf("%s,%s,%s,%s\n", o.name, o.fingerprint, o.rhost, o.prefix);
	}
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int cmd_login(char **argv)
{
	struct round rd = {.confdir = argv[0], .gadir = argv[6]};
	unsigned s;
	int r;

	for (s = 0; s < sizeof(stack_names) / sizeof(stack_names[0]); s++)
		if (strcmp(argv[1], stack_names[s]) == 0)
			break;
	if (s == sizeof(stack_names) / sizeof(stack_names[0]))
		return -EINVAL;
	rd.stack = (enum stack)s;
	if ((r = parse_uint(argv[2], CLIENTS_MAX, &rd.clients)) < 0 ||
	    (r = parse_uint(argv[3], COUNT_MAX, &rd.first)) < 0 ||
	    (r = parse_uint(argv[4], COUNT_MAX, &rd.count)) < 0 || (r = parse_uint(argv[5], COUNT_MAX, &rd.pool)) < 0)
		return r;
	if (rd.clients == 0 || rd.count < rd.clients || rd.pool == 0)
		return -EINVAL;
	return round_run(&rd);
}

int main(int argc, char **argv)
{
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "fingerprints") == 0 && argc == 5)
		return cmd_fingerprints(argv + 2) < 0 ? 2 : 0;
	if (geteuid() != 0) {
		fprintf(stderr, "bench_perf: must run as root\n");
		return 2;
	}
	if (oath_init() != OATH_OK)
		return 2;
	if (argc == 6 && strcmp(argv[1], "enroll") == 0)
		r = cmd_enroll(argv + 2);
	else if (argc == 9 && strcmp(argv[1], "login") == 0)
		r = cmd_login(argv + 2);
	else {
		fprintf(stderr,
		        "usage: bench_perf fingerprints pool|step FIRST COUNT\n"
		        "       bench_perf enroll SOCKET GADIR FIRST COUNT\n"
		        "       bench_perf login CONFDIR permit|ga|known|stepup CLIENTS FIRST COUNT POOL GADIR\n");
		r = -EINVAL;
	}
	oath_done();
	return r < 0 ? 1 : 0;
}
