/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness of the PAM integration tests: what tests/pam/run.sh hands the
 * test binary (paths, keys), a conversation that records what the module
 * said and answers its prompts, PAM handles carrying the items and
 * environment that sshd and sudo would set, TOTP enrollment and codes through
 * the daemon's public socket (lib/client.h, liboath), and private vigild
 * instances that a test may stall or stop.  Trusts run.sh and the daemon's
 * replies only as far as the codec checks them.  TOTP seeds and codes stay in
 * memory, are wiped when freed, and are never printed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <security/pam_appl.h>

#include "vigil/proto.h"

#define HARNESS_MSGS_MAX    16
#define HARNESS_ANSWERS_MAX 4
#define HARNESS_CODE_MAX    16
#define HARNESS_PATH_MAX    512

/* What run.sh exports (see run.sh).  Strings point into the environment. */
struct harness_env {
	const char *tmp;      /* VT_TMP: the private tree */
	const char *socket;   /* VT_SOCKET: the shared vigild's public socket */
	const char *log;      /* VT_VIGILD_LOG: that vigild's stderr */
	const char *vigild;   /* VT_VIGILD: the daemon binary, for private daemons */
	const char *config;   /* VT_CONFIG: the test configuration */
	const char *d2_dir;   /* VT_D2_DIR: state/ and run/ of a private daemon */
	const char *key1;     /* VT_KEY1: "ssh-ed25519 AAAA..." */
	const char *key1_fp;  /* VT_KEY1_FP: its "SHA256:..." from ssh-keygen -l */
	const char *key2;     /* VT_KEY2: a second key, never allowed in */
	const char *key2_fp;  /* VT_KEY2_FP */
	unsigned totp_window; /* VT_TOTP_WINDOW: [totp] window of the config */
};

/* Fills *ret from the environment.  Returns 0; -ENOENT if a variable is
 * missing (not run through run.sh); -EINVAL for a malformed one. */
int harness_env_load(struct harness_env *ret);

/* ---- A recording conversation ---- */

struct harness_conv {
	/* Answers to echo-off prompts, in order (secrets: wiped by
	 * harness_conv_wipe()).  A prompt with no answer left fails the
	 * conversation (PAM_CONV_ERR), as a user pressing ^D would. */
	char answers[HARNESS_ANSWERS_MAX][HARNESS_CODE_MAX];
	unsigned n_answers;
	unsigned next_answer;
	/* One letter per message, in order: I info, E error, P echo-off
	 * prompt, O echo-on prompt. */
	char transcript[4 * HARNESS_MSGS_MAX + 1];
	unsigned n_prompts;
	char last_prompt[PAM_MAX_MSG_SIZE];
	unsigned n_info, n_error;
	char info[HARNESS_MSGS_MAX][PAM_MAX_MSG_SIZE];
	char error[HARNESS_MSGS_MAX][PAM_MAX_MSG_SIZE];
};

/* Zeroes c. */
void harness_conv_init(struct harness_conv *c);
/* Queues a copy of answer.  -E2BIG if it does not fit, -ENOSPC if full. */
int harness_conv_answer(struct harness_conv *c, const char *answer);
/* Wipes the answers and forgets everything recorded. */
void harness_conv_wipe(struct harness_conv *c);
/* True if a message of style (PAM_TEXT_INFO or PAM_ERROR_MSG) contains
 * needle. */
bool harness_conv_said(const struct harness_conv *c, int style, const char *needle);
/* The conversation function; appdata is a struct harness_conv. */
int harness_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata);

/* ---- PAM handles ---- */

/* One login attempt as the application would describe it.  NULL fields are
 * left unset. */
struct harness_login {
	const char *service;
	const char *user;
	const char *rhost;          /* PAM_RHOST */
	const char *tty;            /* PAM_TTY */
	const char *ruser;          /* PAM_RUSER */
	const char *key;            /* "TYPE BASE64": SSH_AUTH_INFO_0="publickey TYPE BASE64\n" */
	const char *ssh_connection; /* SSH_CONNECTION in the PAM environment */
};

/* pam_start() with conv as the conversation, then the items and PAM
 * environment of l.  Returns 0 and the handle (pam_end() it); -EIO if a PAM
 * call failed. */
int harness_pam_start(const struct harness_login *l, struct harness_conv *conv, pam_handle_t **ret);

/* ---- TOTP users ---- */

/* An enrolled user as the test knows it: the seed (a secret) and the last
 * time step the daemon accepted, to stay above its replay watermark. */
struct harness_user {
	char name[VIGIL_USER_MAX + 1];
	char secret_b32[VIGIL_SECRET_B32_MAX + 1];
	uint8_t secret[64];
	size_t secret_len;
	unsigned digits;
	unsigned period;
	unsigned window;
	int64_t last_step;
	int64_t last_stepup_ms; /* CLOCK_MONOTONIC of the last code handed out */
};

/* Enrolls user through socket as root (TOTP_ENROLL_BEGIN then
 * TOTP_ENROLL_CONFIRM with the current code).  window is the daemon's
 * [totp] window.  Returns 0 and a new user (harness_user_free() it); -EPROTO
 * if the daemon did not answer as expected; other -errno. */
int harness_enroll(const char *socket, const char *user, unsigned window, struct harness_user **ret);
/* Wipes and frees u (NULL-safe). */
void harness_user_free(struct harness_user *u);
/* The current time step of u. */
int64_t harness_step_now(const struct harness_user *u);
/* The code of step into ret_code (cap > digits).  Returns 0 or -EIO/-E2BIG. */
int harness_code_at(const struct harness_user *u, int64_t step, char *ret_code, size_t cap);
/* The code of the step after the last one used, and marks it used.  Returns
 * 0; -ERANGE if that step is beyond the daemon's window (the test used more
 * codes than the window allows: wait a step). */
int harness_code_next(struct harness_user *u, char *ret_code, size_t cap);
/* A well-formed code that matches no step the daemon would try now. */
int harness_code_wrong(const struct harness_user *u, char *ret_code, size_t cap);

/* ---- The daemon ---- */

/* STATUS_QUERY for user as root.  Returns 0 and a new report (free() it);
 * -EPROTO for an unexpected reply. */
int harness_status(const char *socket, const char *user, struct vigil_status_report **ret);
bool harness_status_has_device(const struct vigil_status_report *r, const char *fingerprint);
bool harness_status_has_source(const struct vigil_status_report *r, const char *addr);

/* A vigild started by a test. */
struct harness_daemon {
	pid_t pid;
	char socket[HARNESS_PATH_MAX];
	char log[HARNESS_PATH_MAX];
};

/* Starts vigild --debug on dir/state and dir/run (created), stderr to
 * dir/vigild.log, its pid in dir/vigild.pid (for run.sh's cleanup), without
 * pam_wrapper in its environment; waits until the socket is there.  Returns
 * 0; -ETIMEDOUT if it never listened; -ECHILD if it exited. */
int harness_daemon_start(const struct harness_env *env, const char *dir, struct harness_daemon *ret);
/* SIGCONT then SIGTERM, and reaps it.  Returns 0 if it exited with 0. */
int harness_daemon_stop(struct harness_daemon *d);

/* Waits up to timeout_ms for a line of path that contains every string of
 * needles (NULL-terminated).  Returns 0, or -ETIMEDOUT.  The daemon writes
 * audit records from a thread: they are not there at once. */
int harness_log_wait(const char *path, const char *const *needles, int timeout_ms);
/* True if path contains s anywhere. */
bool harness_file_contains(const char *path, const char *s);
