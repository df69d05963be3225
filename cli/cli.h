/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of vigilctl share: a connection to vigild that reports its
 * own errors on stderr, message allocation, and safe printing of strings that
 * came from the daemon (a remote host name or a key fingerprint is
 * attacker-chosen and must not reach the terminal as control sequences).
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "vigil/proto.h"

/* Process exit status of every verb. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,        /* the daemon could not be reached, refused, or failed */
	CLI_EXIT_USAGE = 2,       /* bad command line */
	CLI_EXIT_UNREACHABLE = 3, /* vigild could not be reached or did not answer */
};

/* One connection to the daemon; each call gets timeout_ms from its start. */
struct cli_conn {
	int fd;
	const char *path;
	int64_t timeout_ms;
	uint32_t next_id;
};

/* Options shared by every verb. */
struct cli_opts {
	const char *socket_path;
	const char *admin_socket_path;
	int64_t timeout_ms;
};

/* Connects to path (a root-owned socket in a root-owned directory, answered
 * by root).  Returns 0, or a negative errno after printing one line on
 * stderr.  *c is usable (and closable) either way. */
int cli_conn_open(struct cli_conn *c, const char *path, int64_t timeout_ms);
/* Sends req and waits for the reply.  Returns 0, or a negative errno after
 * printing one line on stderr.  The frames are wiped by lib/client.c; req
 * and *ret_reply are the caller's to wipe. */
int cli_conn_call(struct cli_conn *c, const struct vigil_msg *req, struct vigil_msg *ret_reply);
void cli_conn_close(struct cli_conn *c);

/* A zeroed message on the heap (they are tens of KiB), or NULL after
 * printing "out of memory". */
struct vigil_msg *cli_msg_new(void);
/* Wipes and frees m (NULL safe): messages may carry secrets. */
void cli_msg_free(struct vigil_msg *m);

/* Prints "vigilctl: WHAT: vigild refused: STATUS (HINT)" on stderr; hint may
 * be NULL. */
void cli_print_status(const char *what, uint16_t status, const char *hint);
/* Prints "vigilctl: WHAT: unexpected answer TYPE from vigild" on stderr. */
void cli_print_unexpected(const char *what, uint8_t type);

/* Writes s to f with control characters, invalid multibyte sequences and
 * whatever the locale (LC_CTYPE) cannot print shown as '?'. */
void cli_put_safe(FILE *f, const char *s);

/* Checks a --user argument; prints a usage error and returns -EINVAL if it
 * is empty or longer than VIGIL_USER_MAX. */
int cli_check_user(const char *user);

/* Parses a verb's only option, --user NAME, and no operands.  Returns 0 and
 * the name in *ret_user ("" when absent: the caller itself); on a usage
 * error prints "vigilctl: usage: USAGE" and returns -EINVAL. */
int cli_user_option(int argc, char **argv, const char *usage, const char **ret_user);

/* The verbs.  argv[0] is the verb's name; each returns an enum cli_exit,
 * having printed any error. */
int verb_status(const struct cli_opts *o, int argc, char **argv);
int verb_totp(const struct cli_opts *o, int argc, char **argv);
int verb_unlock(const struct cli_opts *o, int argc, char **argv);
/* The admin verbs that change state or analyse decisions (admin_write.c). */
int verb_factor(const struct cli_opts *o, int argc, char **argv);
int verb_device(const struct cli_opts *o, int argc, char **argv);
int verb_source(const struct cli_opts *o, int argc, char **argv);
int verb_explain(const struct cli_opts *o, int argc, char **argv);
int verb_simulate(const struct cli_opts *o, int argc, char **argv);
int verb_reload(const struct cli_opts *o, int argc, char **argv);
