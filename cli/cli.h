/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of vigilctl share: a connection to vigild that reports its
 * own errors on stderr, message allocation, and safe printing of strings that
 * came from the daemon (a remote host name or a key fingerprint is
 * attacker-chosen and must not reach the terminal as control sequences).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/proto.h"

/* Process exit status of every verb (documented in vigilctl(1)). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,        /* refused, not found (no such user, nothing to unlock), or failed */
	CLI_EXIT_USAGE = 2,       /* bad command line */
	CLI_EXIT_UNREACHABLE = 3, /* no daemon to talk to: no socket, nobody listening, no or a bad answer */
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

/* "2024-05-01T13:45:07+02:00": room for years past 9999 too. */
#define CLI_TIME_MAX 48
/* t as local ISO 8601 in buf; 0 is "never".  Returns buf. */
const char *cli_time_str(uint64_t t, char *buf, size_t cap);
/* "totp", "fido2", "ssh-sk", "recovery" or "unknown". */
const char *cli_factor_name(uint8_t type);
/* A login's decision for people: "allow", "deny (risk)", "allow [shadow:
 * would deny (network)]", "allow [learn: would step up]". */
const char *cli_decision_str(uint8_t outcome, uint16_t reason, uint8_t shadow, char *buf, size_t cap);

/* Connects to path (a root-owned socket in a root-owned directory, answered
 * by root).  Returns 0, or a negative errno after printing one line on
 * stderr (-EACCES: this user may not connect to that socket).  *c is
 * usable (and closable) either way. */
int cli_conn_open(struct cli_conn *c, const char *path, int64_t timeout_ms);
/* Sends req and waits for the reply.  Returns 0, or a negative errno after
 * printing one line on stderr.  The frames are wiped by lib/client.c; req
 * and *ret_reply are the caller's to wipe. */
int cli_conn_call(struct cli_conn *c, const struct vigil_msg *req, struct vigil_msg *ret_reply);
void cli_conn_close(struct cli_conn *c);
/* The exit status for an error of cli_conn_open() or cli_conn_call():
 * CLI_EXIT_FAIL when this user is not allowed on the socket (an admin verb
 * run by another user), CLI_EXIT_UNREACHABLE otherwise. */
int cli_conn_exit(int err);
/* One request on a connection of its own to path: 0 with *reply filled,
 * or an enum cli_exit after printing the error. */
int cli_request(const char *path, int64_t timeout_ms, const struct vigil_msg *req, struct vigil_msg *reply);

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
/* Prints why a RESULT refused WHAT about name (may be NULL): "no such user:
 * NAME" for UNKNOWN_USER, else as cli_print_status().  Returns
 * CLI_EXIT_FAIL. */
int cli_refused(const char *what, const char *name, uint16_t status, const char *hint);

/* Sends req on the admin socket and checks the reply: a RESULT is a
 * refusal of what (about name, may be NULL), anything but want is
 * unexpected.  Returns 0, or the exit status after printing why. */
int cli_admin_ask(const struct cli_opts *o, const char *what, const char *name, const struct vigil_msg *req,
                  struct vigil_msg *reply, uint8_t want);

/* Flushes stdout: CLI_EXIT_OK, or CLI_EXIT_FAIL after saying it could not
 * write the output. */
int cli_out_flush(void);

/* Writes s to f with control characters, invalid multibyte sequences and
 * whatever the locale (LC_CTYPE) cannot print shown as '?'. */
void cli_put_safe(FILE *f, const char *s);

/* Prints prompt and reads one line from stdin into buf (cap bytes with the
 * NUL), with echo off when stdin is a terminal (restored even on SIGINT);
 * blanks are dropped unless keep_blanks (a PIN keeps them).  buf is a
 * secret: the caller wipes it.  Returns the length; -ENODATA at end of
 * input; -E2BIG for a line too long (consumed). */
int cli_secret_read(const char *prompt, char *buf, size_t cap, bool keep_blanks);

/* Writes all n bytes of s to stdout through write(2) after flushing stdout,
 * so that no stdio buffer keeps a copy of a secret.  Returns 0 or a
 * negative errno.  s is the caller's to wipe. */
int cli_secret_write(const char *s, size_t n);

/* Copies the string src into dst (cap bytes with the NUL).  Returns 0, or
 * -E2BIG (dst untouched) when it does not fit: a field cut short would be
 * sent as a different value. */
int cli_field_copy(char *dst, size_t cap, const char *src);

/* Checks a --user argument; prints a usage error and returns -EINVAL if it
 * is empty or longer than VIGIL_USER_MAX. */
int cli_check_user(const char *user);

/* Parses a verb's only option, --user NAME, and no operands.  Returns 0 and
 * the name in *ret_user ("" when absent: the caller itself); on a usage
 * error prints "vigilctl: usage: USAGE" and returns -EINVAL. */
int cli_user_option(int argc, char **argv, const char *usage, const char **ret_user);

/* --since of history and report: a date (YYYY-MM-DD, local midnight), a
 * date and time (YYYY-MM-DDTHH:MM[:SS], local), or a duration back from now
 * (N followed by s, m, h, d or w).  Returns 0 with the time in *ret, or
 * -EINVAL. */
int cli_since_parse(const char *s, uint64_t now, uint64_t *ret);

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
/* Security keys (cli/key.c) and recovery codes (cli/recovery.c). */
int verb_key(const struct cli_opts *o, int argc, char **argv);
int verb_recovery(const struct cli_opts *o, int argc, char **argv);
/* Read-only admin verbs (cli/admin_read.c). */
int verb_users(const struct cli_opts *o, int argc, char **argv);
int verb_user(const struct cli_opts *o, int argc, char **argv);
int verb_history(const struct cli_opts *o, int argc, char **argv);
int verb_daemon(const struct cli_opts *o, int argc, char **argv);
int verb_config(const struct cli_opts *o, int argc, char **argv);
/* Sessions (cli/session.c): sessions [--user U] [--json], session end
 * ID | --user U; and user suspend|resume NAME (argv[0] "suspend" or
 * "resume"), reached through verb_user. */
int verb_sessions(const struct cli_opts *o, int argc, char **argv);
int verb_session(const struct cli_opts *o, int argc, char **argv);
int cli_user_suspend(const struct cli_opts *o, int argc, char **argv);
/* The roll-out report (cli/report.c). */
int verb_report(const struct cli_opts *o, int argc, char **argv);

/* A STATUS_REPORT for people, and as one JSON document (the fields are
 * those of vigilctl(1)); each returns an enum cli_exit, having printed any
 * error. */
int cli_report_print(const struct vigil_status_report *s);
int cli_report_json(const struct vigil_status_report *s);
/* status and user show: STATUS_QUERY for user ("" = the caller) on path. */
int cli_report_verb(const struct cli_opts *o, const char *what, const char *path, const char *user, int json);
