/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_login: the login benchmark.  Drives the real libpam (pam_start_confdir,
 * no pam_wrapper) through pam_authenticate + pam_acct_mgmt for many distinct
 * users, the way sshd would for a publickey login, and times each login from
 * pam_start to pam_end with CLOCK_MONOTONIC.  Phases, in this order:
 *
 *   enroll  (setup, not a login) TOTP_ENROLL_BEGIN + _CONFIRM per user over
 *           the daemon's public socket, as root;
 *   stepup  first login of each user from a new key and a new /24: the daemon
 *           prompts, the conversation answers the code of the next time step
 *           (above the enrollment watermark, which the daemon writes durably);
 *   known   the same users, keys and addresses again: no prompt expected;
 *   permit  the same loop on a pam_permit.so stack, as the floor.
 *
 * It trusts the daemon it is pointed at (it is the system under test) and
 * checks every answer; any unexpected outcome is a failure, counted, reported
 * and turned into a non-zero exit.  The TOTP secrets live only in this
 * process's memory, are never printed and are wiped at exit; so are the codes.
 * Must run as root: the daemon takes PAM items only from root and the module
 * only trusts a root daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <security/pam_appl.h>

#include "client.h"
#include "parse.h"
#include "wipe.h"

#define BENCH_SERVICE        "vigil-bench"
#define BENCH_PERMIT_SERVICE "permit-bench"
#define BENCH_USERS_DEFAULT  1000
/* Each user gets its own /24 (10.<hi>.<lo>.1): 65536 of them. */
#define BENCH_USERS_MAX       65536
#define BENCH_CALL_TIMEOUT_MS 10000
/* Failed logins described one by one before the rest are only counted. */
#define BENCH_FAILURES_SHOWN 5
/* A synthetic ssh-ed25519 public key blob: string type, string key. */
#define ED25519_TYPE     "ssh-ed25519"
#define ED25519_KEY_SIZE 32
#define KEY_BLOB_SIZE    (4 + sizeof(ED25519_TYPE) - 1 + 4 + ED25519_KEY_SIZE)

struct bench_user {
	char name[16];
	char rhost[20];
	char auth_info[sizeof("SSH_AUTH_INFO_0=publickey " ED25519_TYPE " ") + (KEY_BLOB_SIZE + 2) / 3 * 4];
	char *secret; /* from oath_base32_decode(); a secret, wiped */
	size_t secret_len;
	unsigned digits;
	unsigned period;
};

enum phase_kind {
	PHASE_STEPUP,
	PHASE_KNOWN,
	PHASE_PERMIT,
};

/* What the conversation saw during one login. */
struct conv_state {
	const struct bench_user *user;
	bool answer_code; /* phase stepup: answer the one code prompt */
	unsigned prompts; /* echo-off prompts seen */
	unsigned errors;  /* PAM_ERROR_MSG lines (the module's denial text) */
	int failure;      /* a PAM code if the conversation itself failed */
};

struct phase_stats {
	const char *name;
	unsigned count;
	unsigned failed;
	unsigned shown;
	double wall_s;
	double cpu_ms;  /* this process (libpam, module, conversation), user + system */
	double *lat_ms; /* count entries */
};

struct options {
	unsigned users;
	const char *confdir;
	const char *socket;
	bool stop_between;
};

static double ts_diff_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = tab[in[i + 2] & 63];
	}
	if (i < n) {
		*out++ = tab[in[i] >> 2];
		if (i + 1 < n) {
			*out++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*out++ = tab[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Names the user, gives it its own /24 and its own (synthetic, well-formed)
 * ed25519 key, as SSH_AUTH_INFO_0 would carry it. */
static void user_init(struct bench_user *u, unsigned i)
{
	uint8_t blob[KEY_BLOB_SIZE], *p = blob;
	char b64[(KEY_BLOB_SIZE + 2) / 3 * 4 + 1];
	unsigned k;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "bench%04u", i);
	snprintf(u->rhost, sizeof(u->rhost), "10.%u.%u.1", i >> 8, i & 0xff);
	put_u32(p, sizeof(ED25519_TYPE) - 1);
	p += 4;
	memcpy(p, ED25519_TYPE, sizeof(ED25519_TYPE) - 1);
	p += sizeof(ED25519_TYPE) - 1;
	put_u32(p, ED25519_KEY_SIZE);
	p += 4;
	for (k = 0; k < ED25519_KEY_SIZE; k++)
		p[k] = (uint8_t)((i * 2654435761U) >> (k % 4 * 8)) ^ (uint8_t)(k * 37);
	base64_encode(blob, sizeof(blob), b64);
	snprintf(u->auth_info, sizeof(u->auth_info), "SSH_AUTH_INFO_0=publickey %s %s", ED25519_TYPE, b64);
}

static void user_clear(struct bench_user *u)
{
	if (u->secret)
		wipe_free(u->secret, u->secret_len);
	wipe(u, sizeof(*u));
}

/* The code of the time step at `when`, into out (digits + 1 bytes). */
static int user_code(const struct bench_user *u, time_t when, char *out)
{
	if (oath_totp_generate(u->secret, u->secret_len, when, u->period, 0, u->digits, out) != OATH_OK)
		return -EINVAL;
	return 0;
}

/* Enrolls u with a TOTP factor through the public socket: BEGIN, then
 * CONFIRM with the current code on the same connection.  The secret is kept
 * in u; everything that carried it on the way is wiped. */
static int user_enroll(const struct options *o, struct bench_user *u)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	char *secret = NULL;
	size_t secret_len = 0;
	unsigned digits, period;
	int64_t deadline = clock_now_ms() + BENCH_CALL_TIMEOUT_MS;
	int fd = -1, r;

	req = calloc(1, sizeof(*req));
	reply = calloc(1, sizeof(*reply));
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = client_connect(o->socket, 0, deadline, &fd)) < 0)
		goto out;

	req->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", u->name);
	if ((r = client_call(fd, 1, req, reply, deadline)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_ENROLL_PENDING) {
		fprintf(stderr, "bench_login: enrolling %s: reply type %u, status %u\n", u->name, (unsigned)reply->type,
		        reply->type == VIGIL_MSG_RESULT ? (unsigned)reply->u.result.status : 0U);
		r = -EPROTO;
		goto out;
	}
	digits = reply->u.pending.digits;
	period = reply->u.pending.period;
	if (digits < 6 || digits > 8 || period == 0 ||
	    oath_base32_decode(reply->u.pending.secret_b32, strlen(reply->u.pending.secret_b32), &secret,
	                       &secret_len) != OATH_OK) {
		r = -EBADMSG;
		goto out;
	}
	wipe(reply, sizeof(*reply));

	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	if (oath_totp_generate(secret, secret_len, time(NULL), period, 0, digits, req->u.answer.answer) != OATH_OK) {
		r = -EINVAL;
		goto out;
	}
	r = client_call(fd, 2, req, reply, deadline);
	wipe(req, sizeof(*req));
	if (r < 0)
		goto out;
	if (reply->type != VIGIL_MSG_RESULT || reply->u.result.status != VIGIL_STATUS_OK) {
		fprintf(stderr, "bench_login: confirming %s: reply type %u, status %u\n", u->name,
		        (unsigned)reply->type, reply->type == VIGIL_MSG_RESULT ? (unsigned)reply->u.result.status : 0U);
		r = -EPROTO;
		goto out;
	}
	u->secret = secret;
	u->secret_len = secret_len;
	u->digits = digits;
	u->period = period;
	secret = NULL;
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

static void responses_free(struct pam_response *resp, int n)
{
	int i;

	if (!resp)
		return;
	for (i = 0; i < n; i++)
		wipe_free_str(resp[i].resp);
	free(resp);
}

/* Answers the module like an sshd keyboard-interactive client would: info
 * and error lines are taken note of; an echo-off prompt gets the code of the
 * next time step in the stepup phase and is a failure in any other phase. */
static int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct conv_state *st = appdata;
	struct pam_response *out = NULL;
	char code[16];
	int i, r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG) {
		r = PAM_CONV_ERR;
		goto out;
	}
	out = calloc((size_t)n, sizeof(*out));
	if (!out) {
		r = PAM_BUF_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			break;
		case PAM_ERROR_MSG:
			st->errors++;
			break;
		case PAM_PROMPT_ECHO_OFF:
			st->prompts++;
			/* The step after now's: strictly above the step the
			 * enrollment confirmed, inside window = 1. */
			if (!st->answer_code || st->prompts > 1 ||
			    user_code(st->user, time(NULL) + (time_t)st->user->period, code) < 0) {
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

static void failure_note(struct phase_stats *ps, const struct bench_user *u, const char *step, int pam_rc,
                         const struct conv_state *st)
{
	ps->failed++;
	if (ps->shown >= BENCH_FAILURES_SHOWN)
		return;
	ps->shown++;
	fprintf(stderr, "bench_login: %s: %s: %s: %s (prompts %u, error lines %u%s)\n", ps->name, u->name, step,
	        pam_strerror(NULL, pam_rc), st->prompts, st->errors,
	        st->failure != PAM_SUCCESS ? ", conversation failed" : "");
}

/* One login, pam_start..pam_end.  Returns true if it went as the phase
 * expects; the elapsed time goes to *ret_ms either way. */
static bool login_one(const struct options *o, enum phase_kind kind, struct phase_stats *ps, const struct bench_user *u,
                      double *ret_ms)
{
	struct conv_state st = {.user = u, .answer_code = kind == PHASE_STEPUP, .failure = PAM_SUCCESS};
	const struct pam_conv conv = {conv_fn, &st};
	const char *service = kind == PHASE_PERMIT ? BENCH_PERMIT_SERVICE : BENCH_SERVICE;
	pam_handle_t *ph = NULL;
	struct timespec t0, t1;
	const char *step = "pam_start";
	bool ok = false;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pam_start_confdir(service, u->name, &conv, o->confdir, &ph);
	if (rc != PAM_SUCCESS)
		goto out;
	step = "pam_set_item";
	if ((rc = pam_set_item(ph, PAM_RHOST, u->rhost)) != PAM_SUCCESS ||
	    (rc = pam_set_item(ph, PAM_TTY, "ssh")) != PAM_SUCCESS)
		goto out;
	step = "pam_putenv";
	if ((rc = pam_putenv(ph, u->auth_info)) != PAM_SUCCESS)
		goto out;
	step = "pam_authenticate";
	if ((rc = pam_authenticate(ph, 0)) != PAM_SUCCESS)
		goto out;
	step = "pam_acct_mgmt";
	if ((rc = pam_acct_mgmt(ph, 0)) != PAM_SUCCESS)
		goto out;
	/* Exactly one code asked in stepup, none otherwise. */
	step = kind == PHASE_STEPUP ? "expected one prompt" : "expected no prompt";
	if (st.prompts != (kind == PHASE_STEPUP ? 1U : 0U)) {
		rc = PAM_SYSTEM_ERR;
		goto out;
	}
	ok = true;
out:
	if (ph)
		pam_end(ph, rc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ret_ms = ts_diff_ms(&t0, &t1);
	if (!ok)
		failure_note(ps, u, step, rc, &st);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *v, unsigned n, unsigned pct)
{
	size_t rank = ((size_t)n * pct + 99) / 100;

	return rank == 0 ? v[0] : v[rank - 1];
}

static double rusage_ms(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0.0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int phase_run(const struct options *o, enum phase_kind kind, struct bench_user *users, struct phase_stats *ps)
{
	struct timespec t0, t1;
	double cpu0;
	unsigned i;

	ps->lat_ms = calloc(o->users, sizeof(*ps->lat_ms));
	if (!ps->lat_ms)
		return -ENOMEM;
	cpu0 = rusage_ms();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < o->users; i++)
		(void)login_one(o, kind, ps, &users[i], &ps->lat_ms[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ps->cpu_ms = rusage_ms() - cpu0;
	ps->count = o->users;
	ps->wall_s = ts_diff_ms(&t0, &t1) / 1e3;
	qsort(ps->lat_ms, ps->count, sizeof(*ps->lat_ms), cmp_double);
	return 0;
}

static void phase_print(const struct phase_stats *ps)
{
	printf("%-8s %7u %7u %10.1f %9.3f %9.3f %9.3f %14.3f\n", ps->name, ps->count, ps->failed,
	       ps->wall_s > 0 ? ps->count / ps->wall_s : 0.0, percentile(ps->lat_ms, ps->count, 50),
	       percentile(ps->lat_ms, ps->count, 99), ps->lat_ms[ps->count - 1], ps->cpu_ms / ps->count);
}

/* With --stop-between-phases the process stops itself so run.sh --trace can
 * attach strace to vigild for exactly the next phase. */
static void phase_gate(const struct options *o, const char *next)
{
	if (!o->stop_between)
		return;
	printf("bench_login: stopping before phase %s\n", next);
	fflush(stdout);
	raise(SIGSTOP);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: bench_login --confdir DIR --socket PATH [--users N] [--stop-between-phases]\n"
	        "Enrolls N users (default %u, at most %u) with vigild, then times pam_authenticate +\n"
	        "pam_acct_mgmt for each through the services " BENCH_SERVICE " (step-up, then known)\n"
	        "and " BENCH_PERMIT_SERVICE " in DIR.  Run as root; see bench/README.md.\n",
	        BENCH_USERS_DEFAULT, BENCH_USERS_MAX);
}

static int options_parse(int argc, char **argv, struct options *ret)
{
	static const struct option longopts[] = {
	    {"users", required_argument, NULL, 'n'},  {"confdir", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'}, {"stop-between-phases", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},         {0},
	};
	struct options o = {.users = BENCH_USERS_DEFAULT};
	uint64_t n;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (parse_u64(optarg, BENCH_USERS_MAX, &n) < 0 || n == 0) {
				fprintf(stderr, "bench_login: --users: 1 to %u\n", BENCH_USERS_MAX);
				return -EINVAL;
			}
			o.users = (unsigned)n;
			break;
		case 'c':
			o.confdir = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'S':
			o.stop_between = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o.confdir || !o.socket || o.confdir[0] != '/' || o.socket[0] != '/') {
		usage(stderr);
		return -EINVAL;
	}
	*ret = o;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct bench_user *users = NULL;
	struct phase_stats ps[3] = {{.name = "stepup"}, {.name = "known"}, {.name = "permit"}};
	static const enum phase_kind kinds[3] = {PHASE_STEPUP, PHASE_KNOWN, PHASE_PERMIT};
	struct timespec t0, t1;
	unsigned i, failed = 0;
	bool oath = false;
	int r;

	if ((r = options_parse(argc, argv, &o)) != 0)
		return r > 0 ? 0 : 2;
	if (geteuid() != 0) {
		fprintf(stderr, "bench_login: must run as root\n");
		return 2;
	}
	/* Progress lines must come out in order with the results. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (oath_init() != OATH_OK) {
		fprintf(stderr, "bench_login: liboath initialisation failed\n");
		r = -EIO;
		goto out;
	}
	oath = true;
	users = calloc(o.users, sizeof(*users));
	if (!users) {
		r = -ENOMEM;
		goto out;
	}

	printf("bench_login: %u users, confdir %s, socket %s\n", o.users, o.confdir, o.socket);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < o.users; i++) {
		user_init(&users[i], i);
		if ((r = user_enroll(&o, &users[i])) < 0) {
			fprintf(stderr, "bench_login: enrolling %s failed: %s\n", users[i].name, strerror(-r));
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("bench_login: enrolled %u users in %.3f s (%.1f enrollments/s, 2 round trips each)\n", o.users,
	       ts_diff_ms(&t0, &t1) / 1e3, o.users / (ts_diff_ms(&t0, &t1) / 1e3));

	for (i = 0; i < 3; i++) {
		phase_gate(&o, ps[i].name);
		if ((r = phase_run(&o, kinds[i], users, &ps[i])) < 0)
			goto out;
		printf("bench_login: phase %s done: %u logins, %u failed\n", ps[i].name, ps[i].count, ps[i].failed);
		failed += ps[i].failed;
	}
	phase_gate(&o, "end");

	printf("\n%-8s %7s %7s %10s %9s %9s %9s %14s\n", "phase", "logins", "failed", "logins/s", "p50 ms", "p99 ms",
	       "max ms", "client cpu ms");
	for (i = 0; i < 3; i++)
		phase_print(&ps[i]);
	if (failed > 0) {
		printf("\nbench_login: FAILED: %u logins did not go as expected (see above)\n", failed);
		r = -EPROTO;
		goto out;
	}
	r = 0;
out:
	for (i = 0; users && i < o.users; i++)
		user_clear(&users[i]);
	free(users);
	for (i = 0; i < 3; i++)
		free(ps[i].lat_ms);
	if (oath)
		oath_done();
	return r < 0 ? 1 : 0;
}
