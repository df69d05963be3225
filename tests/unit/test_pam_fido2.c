/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_fido2_assert() against fake helpers: shell scripts written into a
 * temporary directory play the helper's side of the line protocol, well or
 * badly.  Checked: the request as the helper reads it, the answer handed
 * back, the PIN relayed to the helper and shown nowhere, the touch text, a
 * stalled helper killed and reaped at the deadline (also one that ignores
 * SIGTERM), garbage, over-long lines, too many lines, a helper that exits
 * without answering or with the wrong status, the clean environment and
 * closed descriptors, the application's signal dispositions untouched, and
 * (as root) the drop to the invoking user when the real uid is not 0.  The
 * PIN used here is fake.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <security/pam_appl.h>
#include <cmocka.h>

#include "fido2.h"

#define FAKE_PIN "4711-fake"

static struct {
	int n;
	int style[16];
	char text[16][256];
	const char *answer;
	unsigned answer_delay_ms; /* a person taking their time */
} rec;

static int rec_conv(int n, const struct pam_message **msg, struct pam_response **ret_resp, void *data)
{
	struct pam_response *resp = calloc((size_t)n, sizeof(*resp));

	if (!resp)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (rec.n < 16) {
			rec.style[rec.n] = msg[i]->msg_style;
			snprintf(rec.text[rec.n], sizeof(rec.text[0]), "%s", msg[i]->msg);
			rec.n++;
		}
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && rec.answer) {
			struct timespec d = {rec.answer_delay_ms / 1000, (long)(rec.answer_delay_ms % 1000) * 1000000};

			nanosleep(&d, NULL);
			resp[i].resp = strdup(rec.answer);
		}
	}
	*ret_resp = resp;
	return PAM_SUCCESS;
}

struct fix {
	pam_handle_t *pamh;
	char dir[64];
	char helper[128];
	char out[128]; /* what a fake helper records */
	struct pam_fido2_request req;
};

static int setup(void **state)
{
	static const struct pam_conv conv = {rec_conv, NULL};
	struct fix *f = calloc(1, sizeof(*f));
	char svc[128];
	FILE *fp;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-test-fido2.XXXXXX");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0777) < 0)
		return -1;
	snprintf(svc, sizeof(svc), "%s/vigil-unit", f->dir);
	if (!(fp = fopen(svc, "w")))
		return -1;
	fclose(fp);
	if (pam_start_confdir("vigil-unit", "alice", &conv, f->dir, &f->pamh) != PAM_SUCCESS)
		return -1;
	snprintf(f->helper, sizeof(f->helper), "%s/helper", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/out", f->dir);
	snprintf(f->req.rp_id, sizeof(f->req.rp_id), "vigil:host.example");
	snprintf(f->req.challenge, sizeof(f->req.challenge), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	snprintf(f->req.allow[0], sizeof(f->req.allow[0]), "Y3JlZC0x");
	snprintf(f->req.allow[1], sizeof(f->req.allow[1]), "Y3JlZC0y");
	f->req.n_allow = 2;
	f->req.uv = true;
	f->req.timeout_ms = 100;
	memset(&rec, 0, sizeof(rec));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[160];

	pam_end(f->pamh, PAM_SUCCESS);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Writes the fake helper: body runs under /bin/sh with $OUT set. */
static void helper_write(struct fix *f, const char *body)
{
	FILE *fp = fopen(f->helper, "w");

	assert_non_null(fp);
	/* -p: dash would otherwise reset its effective ids to the real ones
	 * and hide a helper started with too much privilege. */
	fprintf(fp, "#!/bin/sh -p\nOUT='%s'\n%s\n", f->out, body);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f->helper, 0755), 0);
}

static char *out_read(struct fix *f)
{
	static char buf[8192];
	int fd = open(f->out, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the request up to "end" into $OUT. */
#define READ_REQUEST "while read -r l; do echo \"$l\" >>\"$OUT\"; [ \"$l\" = end ] && break; done\n"

static void test_ok(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	helper_write(f, READ_REQUEST "echo touch\necho 'ok Y3JlZC0y YXV0aA== c2lnbg=='\nexit 0");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_OK);
	assert_string_equal(res.cred_id, "Y3JlZC0y");
	assert_string_equal(res.authdata, "YXV0aA==");
	assert_string_equal(res.sig, "c2lnbg==");
	assert_string_equal(out_read(f), "rp vigil:host.example\n"
	                                 "challenge AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	                                 "allow Y3JlZC0x\nallow Y3JlZC0y\nuv 1\ntimeout 100\nend\n");
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.style[0], PAM_TEXT_INFO);
	assert_string_equal(rec.text[0], PAM_FIDO2_TOUCH_TEXT);
}

static void test_error_status(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	helper_write(f, READ_REQUEST "echo 'error no_credential'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_NO_CREDENTIAL);
	assert_string_equal(res.cred_id, "");
}

static void test_pin_relayed(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	rec.answer = FAKE_PIN;
	helper_write(f, READ_REQUEST "echo pin\nread -r p\necho \"$p\" >>\"$OUT\"\necho 'error pin_invalid'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_PIN_INVALID);
	assert_non_null(strstr(out_read(f), "end\npin " FAKE_PIN "\n"));
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.style[0], PAM_PROMPT_ECHO_OFF);
	assert_string_equal(rec.text[0], PAM_FIDO2_PIN_PROMPT);
	/* The PIN is never shown back. */
	for (int i = 0; i < rec.n; i++)
		assert_null(strstr(rec.text[i], FAKE_PIN));
}

/* A key with a PIN: the PIN prompt, then the one line that says to touch,
 * once the key waits for it. */
static void test_pin_then_touch(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	rec.answer = FAKE_PIN;
	helper_write(f, READ_REQUEST "echo pin\nread -r p\necho touch\necho 'ok Y3JlZC0y YXV0aA== c2lnbg=='\nexit 0");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_OK);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.style[0], PAM_PROMPT_ECHO_OFF);
	assert_string_equal(rec.text[0], PAM_FIDO2_PIN_PROMPT);
	assert_int_equal(rec.style[1], PAM_TEXT_INFO);
	assert_string_equal(rec.text[1], PAM_FIDO2_TOUCH_TEXT);
}

/* The time the person takes to type the PIN is not the helper's. */
static void test_pin_slow_person(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	rec.answer = FAKE_PIN;
	rec.answer_delay_ms = f->req.timeout_ms + PAM_FIDO2_MARGIN_MS + 300;
	helper_write(f, READ_REQUEST "echo pin\nread -r p\necho \"$p\" >>\"$OUT\"\necho 'error pin_invalid'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_PIN_INVALID);
	assert_non_null(strstr(out_read(f), "end\npin " FAKE_PIN "\n"));
}

static void test_pin_empty_cancels(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	rec.answer = "";
	helper_write(f, READ_REQUEST "echo pin\nread -r p\necho \"$p\" >>\"$OUT\"\necho 'error cancelled'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_CANCELLED);
	assert_non_null(strstr(out_read(f), "end\ncancel\n"));
}

/* A helper that dies before the PIN is written: no SIGPIPE kills us. */
static void test_pin_helper_gone(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	rec.answer = FAKE_PIN;
	helper_write(f, READ_REQUEST "echo pin\nexec 0<&- 1>&-\nsleep 0.2\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), -EBADMSG);
}

/* Waits briefly for pid to be gone; a zombie would still be there. */
static void assert_reaped(struct fix *f)
{
	char *s = out_read(f), *p;
	long pid;

	assert_non_null(s);
	assert_non_null(p = strstr(s, "pid "));
	pid = strtol(p + 4, NULL, 10);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void test_timeout_killed(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;
	int64_t t0 = ms_now(), dt;

	helper_write(f, "echo \"pid $$\" >\"$OUT\"\nexec sleep 60");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), -ETIMEDOUT);
	dt = ms_now() - t0;
	assert_true(dt >= f->req.timeout_ms + PAM_FIDO2_MARGIN_MS - 50);
	assert_true(dt < f->req.timeout_ms + PAM_FIDO2_MARGIN_MS + 1000);
	assert_reaped(f);
}

static void test_timeout_ignores_sigterm(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;
	int64_t t0 = ms_now(), dt;

	helper_write(f, "trap '' TERM\necho \"pid $$\" >\"$OUT\"\nexec sleep 60");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), -ETIMEDOUT);
	dt = ms_now() - t0;
	assert_true(dt >= f->req.timeout_ms + PAM_FIDO2_MARGIN_MS + PAM_FIDO2_TERM_GRACE_MS - 50);
	assert_true(dt < f->req.timeout_ms + PAM_FIDO2_MARGIN_MS + PAM_FIDO2_TERM_GRACE_MS + 1000);
	assert_reaped(f);
}

static void test_bad_helpers(void **state)
{
	static const struct {
		const char *body;
		int want;
	} cases[] = {
	    {READ_REQUEST "echo hello\nexit 0", -EBADMSG},
	    {READ_REQUEST "echo 'ok Y3JlZC0y YXV0aA=='\nexit 0", -EBADMSG},            /* two fields */
	    {READ_REQUEST "echo 'ok Y3JlZC0y YXV0aA== c2lnbg== x'\nexit 0", -EBADMSG}, /* four */
	    {READ_REQUEST "echo 'ok Y3JlZC0y  YXV0aA== c2lnbg=='\nexit 0", -EBADMSG},  /* two blanks */
	    {READ_REQUEST "echo 'ok Y3Jl\"C0y YXV0aA== c2lnbg=='\nexit 0", -EBADMSG},  /* not base64 */
	    {READ_REQUEST "echo 'ok Y3JlZC0y YXV0aA== c2lnbg=='\nexit 1", -EBADMSG},   /* wrong exit */
	    {READ_REQUEST "echo 'error no_credential'\nexit 0", -EBADMSG},             /* wrong exit */
	    {READ_REQUEST "echo 'error ok'\nexit 1", -EBADMSG},
	    {READ_REQUEST "echo 'error bogus'\nexit 1", -EBADMSG},
	    {READ_REQUEST "printf 'error timeout\\nmore\\n'\nexit 1", -EBADMSG}, /* trailing */
	    {READ_REQUEST "printf 'error timeout'\nexit 1", -EBADMSG},           /* no newline */
	    {READ_REQUEST "exit 0", -EBADMSG},                                   /* no answer */
	    {"exit 1", -EBADMSG},
	    {READ_REQUEST "head -c 20000 /dev/zero | tr '\\0' A\nsleep 1", -E2BIG},
	    {READ_REQUEST "for i in 1 2 3 4 5 6 7 8; do echo touch; done\nsleep 1", -E2BIG},
	};
	struct fix *f = *state;
	struct pam_fido2_response res, before;

	memset(&before, 0x5a, sizeof(before));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t0 = ms_now();

		res = before;
		helper_write(f, cases[i].body);
		print_message("case %zu\n", i);
		assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), cases[i].want);
		assert_memory_equal(&res, &before, sizeof(res));
		/* Failures are quick: nothing waits for the deadline. */
		assert_true(ms_now() - t0 < 2000);
	}
}

static void test_missing_helper(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;
	char path[160];

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_int_equal(pam_fido2_assert(f->pamh, path, &f->req, &res), -EBADMSG);
}

static void test_bad_requests(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;
	struct pam_fido2_request r;

	helper_write(f, "echo spawned >\"$OUT\"\nexit 1");
	r = f->req;
	snprintf(r.rp_id, sizeof(r.rp_id), "two words");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	r = f->req;
	snprintf(r.challenge, sizeof(r.challenge), "AAAA\nend");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	r = f->req;
	snprintf(r.allow[1], sizeof(r.allow[1]), "Y3Jl ZC0y");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	r = f->req;
	r.n_allow = 0;
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	r.n_allow = FIDO2_ALLOW_MAX + 1;
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	r = f->req;
	r.timeout_ms = FIDO2_TIMEOUT_MAX_MS + 1;
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &r, &res), -EINVAL);
	assert_int_equal(pam_fido2_assert(f->pamh, "relative/helper", &f->req, &res), -EINVAL);
	assert_null(out_read(f)); /* never spawned */
}

static void on_chld(int sig)
{
}

/* The helper sees PATH only, descriptors 0-2 only; our SIGCHLD handler and
 * ignored SIGPIPE stay as they were. */
static void test_clean_spawn(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;
	struct sigaction sa = {.sa_handler = on_chld}, old_chld, old_pipe, now;
	char marker[160], *s;
	int fd;

	snprintf(marker, sizeof(marker), "%s/leak-marker", f->dir);
	assert_true((fd = open(marker, O_WRONLY | O_CREAT, 0600)) >= 0); /* no O_CLOEXEC */
	assert_int_equal(dup2(fd, 77), 77);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, &old_chld), 0);
	assert_int_equal(sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, &old_pipe), 0);
	helper_write(f, READ_REQUEST "tr '\\0' '\\n' </proc/$$/environ >>\"$OUT\"\n"
	                             "ls -l /proc/$$/fd/ >>\"$OUT\"\n"
	                             /* grep's own: dash blocks signals while it waits */
	                             "grep -E '^(SigIgn|SigBlk)' /proc/self/status >>\"$OUT\"\n"
	                             "echo 'error timeout'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_int_equal(res.status, FIDO2_TIMEOUT);
	s = out_read(f);
	assert_non_null(strstr(s, "end\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_null(strstr(s, "leak-marker"));
	assert_null(strstr(s, "HOME="));
	assert_non_null(strstr(s, "SigBlk:\t0000000000000000"));
	/* SIGPIPE (bit 13) not ignored in the helper although we ignore it. */
	assert_null(strstr(s, "SigIgn:\t0000000000001000"));
	assert_int_equal(sigaction(SIGCHLD, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, on_chld);
	assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, SIG_IGN);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(77);
	close(fd);
}

/* As sudo runs us: real uid a user, effective uid 0.  The helper must run
 * as that user entirely.  Root only. */
static void test_drop_to_invoking_user(void **state)
{
	struct fix *f = *state;
	int st;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
		return;
	}
	helper_write(f, READ_REQUEST "id -u >>\"$OUT\"; id -ru >>\"$OUT\"; id -g >>\"$OUT\"\n"
	                             "grep -E '^(Uid|Gid|Groups)' /proc/$$/status >>\"$OUT\"\n"
	                             "echo 'error timeout'\nexit 1");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pam_fido2_response res;

		if (setresuid(65534, 0, 0) < 0)
			_exit(2);
		_exit(pam_fido2_assert(f->pamh, f->helper, &f->req, &res) == 0 && res.status == FIDO2_TIMEOUT ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(out_read(f), "end\n65534\n65534\n"));
	assert_non_null(strstr(out_read(f), "Uid:\t65534\t65534\t65534\t65534\n"));
	assert_non_null(strstr(out_read(f), "Gid:\t65534\t65534\t65534\t65534\n"));
	assert_non_null(strstr(out_read(f), "Groups:\t65534 \n"));
}

static void test_root_stays_root(void **state)
{
	struct fix *f = *state;
	struct pam_fido2_response res;

	if (getuid() != 0) {
		skip();
		return;
	}
	helper_write(f, READ_REQUEST "id -u >>\"$OUT\"\necho 'error timeout'\nexit 1");
	assert_int_equal(pam_fido2_assert(f->pamh, f->helper, &f->req, &res), 0);
	assert_non_null(strstr(out_read(f), "end\n0\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_relayed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_then_touch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_slow_person, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_empty_cancels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_helper_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_ignores_sigterm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_helpers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_helper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clean_spawn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drop_to_invoking_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_stays_root, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
