/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PAM test harness (see harness.h).  It talks to vigild the way the
 * module and vigilctl do, through lib/client.c, so the daemon's socket checks
 * apply to the tests too; it computes codes with liboath, independently of
 * the daemon's TOTP code.  Seeds and codes are wiped when freed and never
 * printed; failures are reported as negative errnos for the test to assert.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "client.h"
#include "harness.h"
#include "parse.h"
#include "wipe.h"

#define CALL_TIMEOUT_MS 10000
#define DAEMON_START_MS 10000
#define DAEMON_STOP_MS  10000
#define POLL_MS         20

extern char **environ;

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Constant time, so that a seed-derived code is not compared byte by byte
 * even in a test. */
static bool code_equal(const char *a, const char *b)
{
	size_t n = strlen(a), i;
	unsigned char d = 0;

	if (n != strlen(b))
		return false;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int harness_env_load(struct harness_env *ret)
{
	struct harness_env e = {0};
	const char *w;
	uint64_t window;

	e.tmp = getenv("VT_TMP");
	e.socket = getenv("VT_SOCKET");
	e.log = getenv("VT_VIGILD_LOG");
	e.vigild = getenv("VT_VIGILD");
	e.config = getenv("VT_CONFIG");
	e.d2_dir = getenv("VT_D2_DIR");
	e.key1 = getenv("VT_KEY1");
	e.key1_fp = getenv("VT_KEY1_FP");
	e.key2 = getenv("VT_KEY2");
	e.key2_fp = getenv("VT_KEY2_FP");
	w = getenv("VT_TOTP_WINDOW");
	if (!e.tmp || !e.socket || !e.log || !e.vigild || !e.config || !e.d2_dir || !e.key1 || !e.key1_fp || !e.key2 ||
	    !e.key2_fp || !w)
		return -ENOENT;
	if (parse_u64(w, 10, &window) < 0)
		return -EINVAL;
	e.totp_window = (unsigned)window;
	if (oath_init() != OATH_OK)
		return -EIO;
	*ret = e;
	return 0;
}

/* ---- Conversation ---- */

void harness_conv_init(struct harness_conv *c)
{
	memset(c, 0, sizeof(*c));
}

int harness_conv_answer(struct harness_conv *c, const char *answer)
{
	size_t n = strlen(answer);

	if (c->n_answers >= HARNESS_ANSWERS_MAX)
		return -ENOSPC;
	if (n >= sizeof(c->answers[0]))
		return -E2BIG;
	memcpy(c->answers[c->n_answers], answer, n + 1);
	c->n_answers++;
	return 0;
}

void harness_conv_wipe(struct harness_conv *c)
{
	wipe(c, sizeof(*c));
}

bool harness_conv_said(const struct harness_conv *c, int style, const char *needle)
{
	unsigned i, n = style == PAM_TEXT_INFO ? c->n_info : c->n_error;

	if (style != PAM_TEXT_INFO && style != PAM_ERROR_MSG)
		return false;
	for (i = 0; i < n && i < HARNESS_MSGS_MAX; i++)
		if (strstr(style == PAM_TEXT_INFO ? c->info[i] : c->error[i], needle))
			return true;
	return false;
}

static void transcript_add(struct harness_conv *c, char letter)
{
	size_t n = strlen(c->transcript);

	if (n + 1 < sizeof(c->transcript)) {
		c->transcript[n] = letter;
		c->transcript[n + 1] = '\0';
	}
}

static void responses_free(struct pam_response *r, int n)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < n; i++)
		wipe_free_str(r[i].resp);
	free(r);
}

int harness_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct harness_conv *c = appdata;
	struct pam_response *r = NULL;
	int i;

	if (!c || !msg || !resp || n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const char *text = msg[i]->msg ? msg[i]->msg : "";

		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			transcript_add(c, 'I');
			if (c->n_info < HARNESS_MSGS_MAX)
				snprintf(c->info[c->n_info], sizeof(c->info[0]), "%s", text);
			c->n_info++;
			break;
		case PAM_ERROR_MSG:
			transcript_add(c, 'E');
			if (c->n_error < HARNESS_MSGS_MAX)
				snprintf(c->error[c->n_error], sizeof(c->error[0]), "%s", text);
			c->n_error++;
			break;
		case PAM_PROMPT_ECHO_OFF:
			transcript_add(c, 'P');
			c->n_prompts++;
			snprintf(c->last_prompt, sizeof(c->last_prompt), "%s", text);
			/* No answer left: the user gave up. */
			if (c->next_answer >= c->n_answers)
				goto fail;
			r[i].resp = strdup(c->answers[c->next_answer]);
			if (!r[i].resp)
				goto fail;
			c->next_answer++;
			break;
		case PAM_PROMPT_ECHO_ON:
			/* The module never asks anything in clear. */
			transcript_add(c, 'O');
			goto fail;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	responses_free(r, n);
	return PAM_CONV_ERR;
}

/* ---- PAM handles ---- */

static int env_put(pam_handle_t *pamh, const char *name, const char *value)
{
	char *kv = NULL;
	int r;

	if (asprintf(&kv, "%s=%s", name, value) < 0)
		return -ENOMEM;
	r = pam_putenv(pamh, kv) == PAM_SUCCESS ? 0 : -EIO;
	free(kv);
	return r;
}

int harness_pam_start(const struct harness_login *l, struct harness_conv *conv, pam_handle_t **ret)
{
	struct pam_conv pc = {.conv = harness_conv_fn, .appdata_ptr = conv};
	pam_handle_t *pamh = NULL;
	int r;

	/* Linux-PAM copies pc. */
	if (pam_start(l->service, l->user, &pc, &pamh) != PAM_SUCCESS) {
		pamh = NULL;
		r = -EIO;
		goto out;
	}
	if ((l->rhost && pam_set_item(pamh, PAM_RHOST, l->rhost) != PAM_SUCCESS) ||
	    (l->tty && pam_set_item(pamh, PAM_TTY, l->tty) != PAM_SUCCESS) ||
	    (l->ruser && pam_set_item(pamh, PAM_RUSER, l->ruser) != PAM_SUCCESS)) {
		r = -EIO;
		goto out;
	}
	/* As sshd sets them during keyboard-interactive: one line per
	 * completed method. */
	if (l->key) {
		char *v = NULL;

		if (asprintf(&v, "publickey %s\n", l->key) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = env_put(pamh, "SSH_AUTH_INFO_0", v);
		free(v);
		if (r < 0)
			goto out;
	}
	if (l->ssh_connection && (r = env_put(pamh, "SSH_CONNECTION", l->ssh_connection)) < 0)
		goto out;
	*ret = pamh;
	pamh = NULL;
	r = 0;
out:
	if (pamh)
		pam_end(pamh, PAM_SYSTEM_ERR);
	return r;
}

/* ---- TOTP ---- */

int64_t harness_step_now(const struct harness_user *u)
{
	return (int64_t)time(NULL) / (int64_t)u->period;
}

int harness_code_at(const struct harness_user *u, int64_t step, char *ret_code, size_t cap)
{
	char code[HARNESS_CODE_MAX];
	int r;

	if (cap <= u->digits || u->digits >= sizeof(code))
		return -E2BIG;
	if (oath_totp_generate((const char *)u->secret, u->secret_len, (time_t)(step * (int64_t)u->period), u->period,
	                       0, u->digits, code) != OATH_OK) {
		r = -EIO;
		goto out;
	}
	memcpy(ret_code, code, u->digits + 1);
	r = 0;
out:
	WIPE_ARRAY(code);
	return r;
}

int harness_code_next(struct harness_user *u, char *ret_code, size_t cap)
{
	int64_t now = harness_step_now(u), step = u->last_step + 1;
	int r;

	/* Like a user typing what the app shows, unless that step was used
	 * already: then a later one, which the window still accepts. */
	if (step < now)
		step = now;
	if (step > now + (int64_t)u->window)
		return -ERANGE;
	if ((r = harness_code_at(u, step, ret_code, cap)) < 0)
		return r;
	u->last_step = step;
	u->last_stepup_ms = clock_now_ms();
	return 0;
}

int harness_code_wrong(const struct harness_user *u, char *ret_code, size_t cap)
{
	int64_t now = harness_step_now(u), step;
	char candidate[HARNESS_CODE_MAX], valid[HARNESS_CODE_MAX];
	unsigned long long modulus = 1;
	unsigned v, i;
	bool clash;
	int r = -ENOENT;

	if (cap <= u->digits || u->digits >= sizeof(candidate))
		return -E2BIG;
	for (i = 0; i < u->digits; i++)
		modulus *= 10;
	/* One step of margin on each side of the daemon's window. */
	for (v = 0; v < 1000 && r == -ENOENT; v++) {
		snprintf(candidate, sizeof(candidate), "%0*llu", (int)u->digits, (v * 7919ULL) % modulus);
		clash = false;
		for (step = now - (int64_t)u->window - 1; step <= now + (int64_t)u->window + 1; step++) {
			if ((r = harness_code_at(u, step, valid, sizeof(valid))) < 0)
				goto out;
			r = -ENOENT;
			if (code_equal(candidate, valid))
				clash = true;
		}
		if (!clash) {
			memcpy(ret_code, candidate, u->digits + 1);
			r = 0;
		}
	}
out:
	WIPE_ARRAY(candidate);
	WIPE_ARRAY(valid);
	return r;
}

void harness_user_free(struct harness_user *u)
{
	wipe_free(u, sizeof(*u));
}

/* One request, one reply, on a new connection or fd if >= 0. */
static int call(const char *socket, int *fd, uint32_t id, const struct vigil_msg *req, struct vigil_msg *reply)
{
	int64_t deadline = clock_now_ms() + CALL_TIMEOUT_MS;
	int r;

	if (*fd < 0 && (r = client_connect(socket, 0, deadline, fd)) < 0)
		return r;
	return client_call(*fd, id, req, reply, deadline);
}

int harness_enroll(const char *socket, const char *user, unsigned window, struct harness_user **ret)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	struct harness_user *u = NULL;
	char *bin = NULL;
	size_t bin_len = 0;
	int64_t step;
	int fd = -1, r;

	req = calloc(1, sizeof(*req));
	reply = calloc(1, sizeof(*reply));
	u = calloc(1, sizeof(*u));
	if (!req || !reply || !u) {
		r = -ENOMEM;
		goto out;
	}
	if (strlen(user) > VIGIL_USER_MAX) {
		r = -E2BIG;
		goto out;
	}
	req->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	strcpy(req->u.user.user, user);
	if ((r = call(socket, &fd, 1, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_ENROLL_PENDING || reply->u.pending.digits < 6 || reply->u.pending.digits > 8 ||
	    reply->u.pending.period == 0) {
		r = -EPROTO;
		goto out;
	}
	strcpy(u->name, user);
	memcpy(u->secret_b32, reply->u.pending.secret_b32, sizeof(u->secret_b32));
	u->digits = reply->u.pending.digits;
	u->period = reply->u.pending.period;
	u->window = window;
	if (oath_base32_decode(u->secret_b32, strlen(u->secret_b32), &bin, &bin_len) != OATH_OK) {
		r = -EBADMSG;
		goto out;
	}
	if (bin_len == 0 || bin_len > sizeof(u->secret)) {
		r = -E2BIG;
		goto out;
	}
	memcpy(u->secret, bin, bin_len);
	u->secret_len = bin_len;

	/* The first code is the current one, as a user would type it; it
	 * becomes the replay watermark. */
	step = harness_step_now(u);
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	if ((r = harness_code_at(u, step, req->u.answer.answer, sizeof(req->u.answer.answer))) < 0)
		goto out;
	wipe(reply, sizeof(*reply));
	if ((r = call(socket, &fd, 2, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_RESULT || reply->u.result.status != VIGIL_STATUS_OK) {
		r = -EPROTO;
		goto out;
	}
	u->last_step = step;
	u->last_stepup_ms = clock_now_ms();
	*ret = u;
	u = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	wipe_free(req, sizeof(*req));
	wipe_free(reply, sizeof(*reply));
	wipe_free(bin, bin_len);
	harness_user_free(u);
	return r;
}

/* ---- Daemon ---- */

int harness_status(const char *socket, const char *user, struct vigil_status_report **ret)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	struct vigil_status_report *report = NULL;
	int fd = -1, r;

	req = calloc(1, sizeof(*req));
	reply = calloc(1, sizeof(*reply));
	report = malloc(sizeof(*report));
	if (!req || !reply || !report) {
		r = -ENOMEM;
		goto out;
	}
	if (strlen(user) > VIGIL_USER_MAX) {
		r = -E2BIG;
		goto out;
	}
	req->type = VIGIL_MSG_STATUS_QUERY;
	strcpy(req->u.user.user, user);
	if ((r = call(socket, &fd, 1, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_STATUS_REPORT) {
		r = -EPROTO;
		goto out;
	}
	*report = reply->u.report;
	*ret = report;
	report = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(reply);
	free(report);
	return r;
}

bool harness_status_has_device(const struct vigil_status_report *r, const char *fingerprint)
{
	unsigned i;

	for (i = 0; i < r->n_devices && i < VIGIL_LIST_MAX; i++)
		if (strcmp(r->devices[i].fingerprint, fingerprint) == 0)
			return true;
	return false;
}

bool harness_status_has_source(const struct vigil_status_report *r, const char *addr)
{
	unsigned i;

	for (i = 0; i < r->n_sources && i < VIGIL_LIST_MAX; i++)
		if (strcmp(r->sources[i].addr, addr) == 0)
			return true;
	return false;
}

/* The environment for vigild: ours without pam_wrapper, preloading what
 * tests/lib.sh's vt_nss_setup says (nss_wrapper for the made-up users, after
 * a sanitizer runtime), else a sanitizer runtime alone.  The strings are
 * borrowed from environ. */
static char **daemon_environ(char **ret_preload)
{
	const char *preload = getenv("VT_VIGILD_PRELOAD");
	size_t n = 0, i, j = 0;
	char **envp;

	*ret_preload = NULL;
	while (environ[n])
		n++;
	if (!preload || !preload[0])
		preload = getenv("VIGIL_ASAN_PRELOAD");
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0 || strncmp(environ[i], "PAM_WRAPPER", 11) == 0)
			continue;
		envp[j++] = environ[i];
	}
	if (preload && preload[0]) {
		if (asprintf(ret_preload, "LD_PRELOAD=%s", preload) < 0) {
			free(envp);
			return NULL;
		}
		envp[j++] = *ret_preload;
	}
	envp[j] = NULL;
	return envp;
}

static int mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return chmod(path, mode) < 0 ? -errno : 0;
}

int harness_daemon_start(const struct harness_env *env, const char *dir, struct harness_daemon *ret)
{
	char state[HARNESS_PATH_MAX], run[HARNESS_PATH_MAX], pidfile[HARNESS_PATH_MAX];
	struct harness_daemon d = {.pid = -1};
	char **envp = NULL, *preload = NULL;
	int64_t deadline;
	FILE *f;
	int fd = -1, status, r;

	if ((size_t)snprintf(state, sizeof(state), "%s/state", dir) >= sizeof(state) ||
	    (size_t)snprintf(run, sizeof(run), "%s/run", dir) >= sizeof(run) ||
	    (size_t)snprintf(pidfile, sizeof(pidfile), "%s/vigild.pid", dir) >= sizeof(pidfile) ||
	    (size_t)snprintf(d.socket, sizeof(d.socket), "%s/" VIGIL_PUBLIC_SOCKET_NAME, run) >= sizeof(d.socket) ||
	    (size_t)snprintf(d.log, sizeof(d.log), "%s/vigild.log", dir) >= sizeof(d.log))
		return -ENAMETOOLONG;
	if ((r = mkdir_mode(dir, 0755)) < 0 || (r = mkdir_mode(state, 0700)) < 0 || (r = mkdir_mode(run, 0755)) < 0)
		return r;
	envp = daemon_environ(&preload);
	if (!envp)
		return -ENOMEM;

	fflush(NULL);
	d.pid = fork();
	if (d.pid < 0) {
		r = -errno;
		goto out;
	}
	if (d.pid == 0) {
		const char *argv[] = {env->vigild,     "--config", env->config, "--state-dir", state,
		                      "--runtime-dir", run,        "--debug",   NULL};
		int log = open(d.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (log < 0 || null < 0 || dup2(log, STDERR_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		execve(env->vigild, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	f = fopen(pidfile, "we");
	if (f) {
		fprintf(f, "%d\n", (int)d.pid);
		fclose(f);
	}

	/* Listening, not merely bound: a connection that the daemon's checks
	 * accept. */
	deadline = clock_now_ms() + DAEMON_START_MS;
	for (;;) {
		if (waitpid(d.pid, &status, WNOHANG) == d.pid) {
			d.pid = -1;
			r = -ECHILD;
			goto out;
		}
		if (client_connect(d.socket, 0, clock_now_ms() + 1000, &fd) == 0) {
			close(fd);
			break;
		}
		if (clock_now_ms() > deadline) {
			r = -ETIMEDOUT;
			goto out;
		}
		sleep_ms(POLL_MS);
	}
	*ret = d;
	d.pid = -1;
	r = 0;
out:
	if (d.pid > 0)
		(void)harness_daemon_stop(&d);
	free(envp);
	free(preload);
	return r;
}

int harness_daemon_stop(struct harness_daemon *d)
{
	int64_t deadline = clock_now_ms() + DAEMON_STOP_MS;
	int status = 0;
	pid_t p;

	if (d->pid <= 0)
		return -ESRCH;
	(void)kill(d->pid, SIGCONT);
	(void)kill(d->pid, SIGTERM);
	while ((p = waitpid(d->pid, &status, WNOHANG)) == 0) {
		if (clock_now_ms() > deadline) {
			(void)kill(d->pid, SIGKILL);
			(void)waitpid(d->pid, &status, 0);
			d->pid = -1;
			return -ETIMEDOUT;
		}
		sleep_ms(POLL_MS);
	}
	d->pid = -1;
	if (p < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static bool line_matches(const char *line, const char *const *needles)
{
	for (; *needles; needles++)
		if (!strstr(line, *needles))
			return false;
	return true;
}

static bool log_has(const char *path, const char *const *needles)
{
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) >= 0)
		found = line_matches(line, needles);
	free(line);
	fclose(f);
	return found;
}

int harness_log_wait(const char *path, const char *const *needles, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + timeout_ms;

	for (;;) {
		if (log_has(path, needles))
			return 0;
		if (clock_now_ms() > deadline)
			return -ETIMEDOUT;
		sleep_ms(50);
	}
}

bool harness_file_contains(const char *path, const char *s)
{
	const char *const needles[] = {s, NULL};

	return log_has(path, needles);
}
