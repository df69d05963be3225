/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit trail: one journald record per event, with a MESSAGE_ID per
 * event type (conf/vigil.catalog) and VIGIL_* fields.  audit.c is the only
 * file that talks to journald.  audit_emit() never blocks the caller and
 * never drops a record silently: records go to a bounded queue drained by a
 * writer thread; when the queue is full they are appended to a local spill
 * file that is replayed later; what cannot be delivered at all is counted
 * and reported.  Where journald is absent the records go to stderr.
 * Strings from users are escaped; no secret is ever passed here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum audit_event {
	AUDIT_DECISION = 0, /* allow / deny / stepup decided for a login */
	AUDIT_STEPUP,       /* result of a step-up attempt */
	AUDIT_ENROLL,       /* factor enrolled, activated, or in-band TOFU */
	AUDIT_SESSION_OPEN,
	AUDIT_SESSION_CLOSE,
	AUDIT_LOCKOUT,      /* a user or source was locked out */
	AUDIT_FAIL_OPEN,    /* reserved: fail-open use reported to the daemon */
	AUDIT_ADMIN,        /* an admin changed state (unlock, factor remove, forget) */
	AUDIT_SERVICE,      /* daemon start, stop, reload */
	AUDIT_SESSION_WARN, /* an idle session was warned on its terminal */
	AUDIT_EVENT_MAX_
};

/* NULL strings are left out of the record. */
struct audit_record {
	enum audit_event event;
	int priority;        /* syslog LOG_* */
	const char *message; /* human summary, no secrets */
	const char *user;
	const char *service;
	const char *rhost;
	const char *tty;
	/* Who typed the answers of a local privilege change ("uid=1001"):
	 * failures and lockouts are charged to it, not to the user. */
	const char *caller;
	const char *device; /* fingerprint */
	/* The process that ran the PAM stack (sshd, sudo, su), from
	 * SO_PEERCRED; for a session, the process logind names as the
	 * session's Leader, so an auditor can join the two.  0: left out. */
	uint32_t pam_pid;
	const char *login_id;
	const char *session_id;
	const char *decision; /* "allow", "deny", "stepup", ... */
	const char *reason;   /* reason_name() */
	const char *method;   /* "totp", "none", "tofu" ... */
	const char *result;   /* step-up: "ok", "bad_code", "replay", "locked" */
	uint32_t score;
	uint32_t signals; /* formatted with signals_format() */
	/* 1: a decision enforcement would have taken, not enforced (learn or
	 * shadow mode): VIGIL_ENFORCED=0, and VIGIL_SHADOW=1 in shadow mode
	 * only, as before learn mode existed. */
	int shadow;
	/* The roll-out mode a login was decided under, VIGIL_MODE; NULL (not
	 * written) under enforce. */
	const char *mode;
	/* A security key's name (user-chosen: sanitized like every string)
	 * and what identifies it without its bytes: a hash prefix of the
	 * credential id, or the ssh fingerprint.  NULL: not written. */
	const char *key_name;
	const char *key_id;
	/* With recovery_told: the recovery codes left after one was used or a
	 * set was made. */
	bool recovery_told;
	uint32_t recovery_left;
};

struct audit;

/* Starts the writer.  spill_path: a file in the state directory. */
int audit_new(const char *spill_path, struct audit **ret);
/* audit_new(), and on failure "FILE: why" in why (may be NULL) when the
 * spill file is refused (a symlink, a FIFO, wrong owner or mode). */
int audit_new_why(const char *spill_path, struct audit **ret, char *why, size_t whylen);
/* Flushes what it can within a short bound, stops the writer, frees. */
void audit_free(struct audit *a);
/* Copies the record into the queue (or the spill); never blocks on journald. */
void audit_emit(struct audit *a, const struct audit_record *r);
/* Records that could be neither delivered nor spilled. */
uint64_t audit_lost(const struct audit *a);
/* The writer's state, for `vigilctl daemon`. */
struct audit_stats {
	size_t queued;      /* records waiting for journald, the one being sent included */
	size_t queue_max;   /* past this they go to the spill file */
	bool spill_pending; /* records wait in the spill file */
	uint64_t undelivered;
	uint64_t lost;
};
/* A snapshot of the counters (a NULL a reads as empty). */
void audit_stats(struct audit *a, struct audit_stats *ret);
/* The 128-bit MESSAGE_ID of an event, as 32 hex characters. */
const char *audit_message_id(enum audit_event e);
