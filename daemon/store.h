/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's state, behind one interface so another backend can be added
 * beside SQLite.  store*.c are the only files that talk to SQLite: WAL, file
 * mode 0600, schema versioned with forward migrations (PRAGMA user_version),
 * bound parameters only, prepared statements cached for the login path,
 * counters and watermarks updated inside transactions.  Every function
 * returns 0 or a negative errno (-ENOENT not found, -EIO database error).
 * No full-table work on the login path: every lookup is by index.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/proto.h"

/* "ended_oldest" and the other end causes (session_end.h). */
#define STORE_END_CAUSE_MAX 15

struct store;

/* Opens (creating 0600 if needed, refusing a symlink, a FIFO or a file
 * others can read; the same for an existing -wal or -shm) and migrates the
 * database at path.  *ret owned by the caller. */
int store_open(const char *path, struct store **ret);
/* store_open(), and on failure "FILE: why" in why (may be NULL), naming the
 * -wal or -shm when that is the file refused. */
int store_open_why(const char *path, struct store **ret, char *why, size_t whylen);
void store_close(struct store *s); /* NULL-safe */

/* One transaction around several calls, so that they see one snapshot
 * and, for writes, commit together: the calls' own transactions join it
 * (only the outermost commits).  write: take the write lock at once.
 * store_tx_commit() of a transaction an inner call rolled back rolls it
 * back and fails. */
int store_tx_begin(struct store *s, bool write);
int store_tx_commit(struct store *s);
void store_tx_rollback(struct store *s);

/* Durability by need.  Commits reach the write-ahead log at once (safe
 * from a crash of vigild) and the disk at the next sync.  What may be lost
 * in a power cut is history only: login records, what a login teaches
 * (devices, sources, grants, last success), session bookkeeping.  Any other
 * change (a TOTP watermark, a key counter, a recovery code spent, a
 * failure, a lock, a suspension, an enrollment) is owed a sync before its
 * answer leaves: the server compares store_durable_mark() before and after
 * a request, holds the reply of one that moved it, and calls store_sync()
 * once for every reply waiting (group commit).
 * store_durable_mark(): a number that grows with every durable change. */
int64_t store_durable_mark(const struct store *s);
/* Whether a durable change is not on the disk yet. */
bool store_durable_pending(const struct store *s);
/* Puts every change made so far on the disk (one fdatasync of the WAL);
 * then store_durable_mark() values up to now are synced.  0 or -EIO. */
int store_sync(struct store *s);

struct store_user {
	int64_t id;
	uint64_t first_seen;
	uint64_t locked_until;  /* 0 = not locked */
	uint64_t first_allowed; /* first login whose trust was committed; 0 = none */
	bool suspended;         /* by an admin: logins denied, sessions ended */
};

/* Finds the user by name, creating it (first_seen = now) if new. */
int store_user_get(struct store *s, const char *name, uint64_t now, struct store_user *ret);
/* Finds the user by name; -ENOENT if unknown.  Never creates. */
int store_user_find(struct store *s, const char *name, struct store_user *ret);
int store_user_lock(struct store *s, int64_t user_id, uint64_t until);
/* Suspends (on) or resumes the user: a suspended user's logins and session
 * opens are denied (the caller ends its open sessions).  The row is made if
 * the user has none yet, so a user can be suspended before a first login;
 * user must be the canonical NSS name. */
int store_user_suspend(struct store *s, const char *user, bool on);
/* Clears the lock and the user's failures.  -ENOENT if unknown. */
int store_user_unlock(struct store *s, const char *name);
/* Deletes the failures charged to source (a remote address, or a local
 * caller "uid=N"), whoever they were charged against.  0, or -ENOENT when
 * there were none to lift. */
int store_source_unlock(struct store *s, const char *source);

/* Everything risk scoring needs about one login, in one call. */
struct store_facts {
	uint64_t last_success; /* the account's last allowed login, 0 = never */
	bool device_known;
	uint64_t device_last_seen;
	bool source_known;
	bool prefix_known;
	uint32_t user_failures;   /* failures of this user since `since` */
	uint32_t source_failures; /* failures from this source since `since` */
	uint64_t grant_time;      /* newest unexpired grant for user+device+source, 0 none */
};
/* prefix is source's /24 or /64.  source and prefix may be "" (local login:
 * never known, never counted). */
int store_login_facts(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                      uint64_t since, uint64_t now, struct store_facts *ret);
/* The same but the grant (grant_time 0): what the risk score reads. */
int store_login_risk_facts(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                           uint64_t since, struct store_facts *ret);
/* The newest unexpired grant for user, device and source (0: none). */
int store_login_grant(struct store *s, int64_t user_id, const char *device, const char *source, uint64_t now,
                      uint64_t *ret);

/* Records a failed step-up of a remote login for user name and source (may
 * be ""): it counts against both. */
int store_failure_add(struct store *s, const char *user, const char *source, uint64_t now);
/* Records a failed step-up of a local privilege change (su, sudo) charged to
 * party, the local caller ("uid=N"), never to user, the account it tried. */
int store_failure_add_local(struct store *s, const char *user, const char *party, uint64_t now);
/* Failures that count against user: remote ones only. */
int store_failures_user(struct store *s, const char *user, uint64_t since, uint32_t *ret);
/* Failures party made trying user since `since`. */
int store_failures_party(struct store *s, const char *party, const char *user, uint64_t since, uint32_t *ret);
int store_failures_source(struct store *s, const char *source, uint64_t since, uint32_t *ret);

/* store_login_success(), store_login_put() and store_totp_accept() are the
 * parts store_login_finish() writes in one transaction; the login path calls
 * only store_login_finish() (one sync per decision), the parts stand alone
 * for the store's unit tests. */
/* A successful login, in one transaction: learns (or refreshes) the device,
 * the source and its prefix, sets last_success, and, if stepped_up, writes a grant for user+device+source that expires
 * at grant_expires.  Failures are left to age out of their windows. */
int store_login_success(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                        uint64_t now, bool stepped_up, uint64_t grant_expires);

/* Where a login stands between its auth phase and its account phase.  Trust
 * (what it teaches, its grant, an in-band enrollment) is written only once
 * the whole auth stack has passed: by store_login_commit(), once. */
enum store_login_state {
	STORE_LOGIN_PENDING = 0,         /* decided in auth; trust not yet written */
	STORE_LOGIN_DONE = 1,            /* committed (or nothing left to commit) */
	STORE_LOGIN_PENDING_OBSERVE = 2, /* decided in auth; claimable once, teaches nothing */
};

/* One login decision, kept as history and as the state the account and
 * session phases look up by login id. */
struct store_login {
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
	int64_t user_id;
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char device[VIGIL_FINGERPRINT_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];
	uint32_t score;
	uint32_t signals;
	uint8_t outcome; /* enum vigil_outcome */
	bool stepped_up;
	uint64_t time;
	uint8_t state;                  /* enum store_login_state */
	uint32_t caller_uid;            /* the uid of the process that asked (SO_PEERCRED) */
	char party[VIGIL_ADDR_MAX + 1]; /* a local caller ("uid=N"), or "" */
	int64_t activate_factor;        /* pending TOTP factor an in-band enrollment proved, 0 none */
	int64_t activate_step;          /* its first accepted step */
	uint16_t reason;                /* enum vigil_reason of the outcome */
	uint8_t verdict;                /* enum vigil_verdict before any step-up; 0 unknown */
	uint8_t why;                    /* enum vigil_prompt_why of a step-up */
	/* The roll-out mode it was decided under (enum vigil_mode; column
	 * logins.shadow): with a verdict other than allow, that mode let it
	 * in.  Rows before learn mode hold 1 only for such logins. */
	uint8_t mode;
	/* The factor that proved a step-up: its kind (enum vigil_factor_type;
	 * 0 in rows from before schema 4, which were TOTP) and its row. */
	uint8_t method;
	int64_t factor_id;
	/* Not stored: for a login written STORE_LOGIN_DONE by
	 * store_login_finish(), whether it teaches (false: observe only). */
	bool learn;
};
/* A new login id into out[cap] (its decimal text, NUL-terminated, at most
 * 19 digits): larger than every id handed out or stored before, also
 * across restarts (ids start at the wall clock in microseconds).  0, or
 * -E2BIG when cap is too small (out untouched).  Not thread-safe: the
 * store's one thread. */
int store_login_new_id(struct store *s, char *out, size_t cap);
/* Records l under l->login_id: an id from store_login_new_id(), or (rows
 * as before schema 6) any other text.  -EEXIST if taken. */
int store_login_put(struct store *s, const struct store_login *l);
int store_login_get(struct store *s, const char *login_id, struct store_login *ret);

/* TOTP factors.  The secret is sealed (see seal.h) before it gets here. */
struct store_totp {
	int64_t id;
	bool active;
	uint8_t *sealed; /* heap, owned: free with store_totp_clear() */
	size_t sealed_len;
	uint32_t digits;
	uint32_t period;
	int64_t last_step; /* replay watermark: -1 = none accepted yet */
	uint64_t created;
	uint64_t last_used;
};
/* The user's active (or pending, if active is false) TOTP factor. */
int store_totp_get(struct store *s, int64_t user_id, bool active, struct store_totp *ret);
void store_totp_clear(struct store_totp *t); /* wipes and frees sealed */
/* The id of the user's active TOTP factor, without reading the factor: 0,
 * or -ENOENT when there is none. */
int store_totp_active_id(struct store *s, int64_t user_id, int64_t *ret_id);
/* The length of the codes of a factor: 0, or -ENOENT when it is gone. */
int store_totp_digits(struct store *s, int64_t factor_id, uint32_t *ret);
/* Replaces any pending TOTP factor of the user. */
int store_totp_put_pending(struct store *s, int64_t user_id, const uint8_t *sealed, size_t sealed_len, uint32_t digits,
                           uint32_t period, uint64_t now);
/* Turns the pending factor factor_id into the active one, with step as its
 * first accepted step.  -EEXIST if the user already has an active TOTP. */
int store_totp_activate(struct store *s, int64_t user_id, int64_t factor_id, int64_t step, uint64_t now);
/* Atomically raises the watermark of an active factor to step.  Returns 0;
 * -EALREADY if step is at or below the watermark (a replay). */
int store_totp_accept(struct store *s, int64_t factor_id, int64_t step, uint64_t now);

/* A factor proved during a login: its watermark raised to step, or (in-band
 * enrollment) the pending factor activated with step as its first. */
struct store_factor_use {
	uint8_t kind; /* enum vigil_factor_type */
	int64_t factor_id;
	int64_t step; /* totp: the time step; fido2: the signature counter */
	bool activate;
};
/* How a login's auth (or account-only) phase ended, in one transaction and
 * so one sync to disk: the factor's watermark (a replay is refused the
 * moment a code is accepted), and the login record.  A use with activate
 * set is not activated here: l->activate_factor/step carry it to the
 * commit.  Only a login written with state STORE_LOGIN_DONE and allowed
 * also gets its trust now (l->learn: device, source, prefix, last_success,
 * a grant if l->stepped_up; and l->activate_factor).  Nothing is written
 * when the factor refuses: -EALREADY (step at or below the watermark: a
 * replay), -ENOENT (factor gone). */
int store_login_finish(struct store *s, const struct store_login *l, const char *prefix, uint64_t grant_expires,
                       const struct store_factor_use *use);
/* A factor's single-use part, inside the caller's transaction: the TOTP
 * watermark, the key's counter, the recovery code.  -EALREADY: already
 * used (a replay, or a race lost); -ENOENT: the factor is gone. */
int store_factor_spend(struct store *s, int64_t user_id, const struct store_factor_use *use, uint64_t now);
/* store_factor_spend() in a transaction of its own: a factor proved to
 * vigilctl (proof.h), spent as at a login. */
int store_factor_prove(struct store *s, int64_t user_id, const struct store_factor_use *use, uint64_t now);
/* Whether the factor that proved l's step-up is still there and usable:
 * 0, or -EKEYREVOKED when root removed it (or the key was retired) since;
 * 0 for a login that proved none or enrolled one in-band. */
int store_login_factor_held(struct store *s, const struct store_login *l);
/* The account phase of a login decided in auth: claims it (single use:
 * -EALREADY if claimed before) and writes its trust as store_login_finish()
 * would have, in one transaction.  -EEXIST when an in-band enrollment finds
 * the user already has an active factor; -EKEYREVOKED when the factor that
 * proved a step-up was removed since (nothing written); -ENOENT for an
 * unknown id.
 * *ret: the login as it was recorded, state DONE. */
int store_login_commit(struct store *s, const char *login_id, const char *prefix, uint64_t grant_expires,
                       struct store_login *ret);

struct store_session {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
	int64_t user_id;
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char tty[VIGIL_TTY_MAX + 1];
	char rhost[VIGIL_RHOST_MAX + 1];
	char device[VIGIL_FINGERPRINT_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];
	uint32_t pid;
	uint64_t opened;
	uint64_t pid_start;                      /* of pid, clock ticks after boot (origin_pid_start) */
	uint64_t last_activity;                  /* last activity the watcher saw; opened at first */
	uint64_t ends_at;                        /* end of its lifetime; 0 = none */
	uint64_t warned_at;                      /* when the idle warning was written; 0 = not yet */
	uint32_t band;                           /* enum store_session_band of its login */
	char end_cause[STORE_END_CAUSE_MAX + 1]; /* "" while open, or closed by its service */
	int64_t uid;                             /* of user at the open (owner of its terminal); -1 unknown */
};

/* What the login that opened a session was: its risk band picks the
 * [session.stepped_up] / [session.new_device] policy. */
enum store_session_band {
	STORE_BAND_PLAIN = 0,
	STORE_BAND_STEPPED_UP = 1,
	STORE_BAND_NEW_DEVICE = 2,
};

/* The concurrent-session limits one open is checked against. */
struct store_session_limit {
	uint32_t max_user;   /* open sessions per user; 0 = unlimited */
	uint32_t max_source; /* per user and source (sessions with a source only); 0 = unlimited */
	bool end_oldest;     /* at a limit: close the oldest instead of refusing */
};
/* Most sessions one open may close with end_oldest (a limit lowered by a
 * reload can leave more over it: the open is then refused). */
#define STORE_END_OLDEST_MAX 8

/* Registers an open session under lim, in one IMMEDIATE transaction, so
 * the count and the insert see the same sessions: -EUSERS if over a limit
 * and lim->end_oldest is false (or more than STORE_END_OLDEST_MAX would
 * have to go).  With end_oldest, the oldest open sessions of the user (of
 * the user and source, for the per-source limit) that keep it over are
 * closed with end_cause "ended_oldest" in the same transaction and copied
 * to ret_ended[0..*ret_n_ended) (cap STORE_END_OLDEST_MAX; the caller
 * signals their processes).  ret_ended and ret_n_ended may be NULL when
 * lim->end_oldest is false. */
int store_session_open(struct store *s, const struct store_session *sess, const struct store_session_limit *lim,
                       uint64_t now, struct store_session *ret_ended, size_t *ret_n_ended);
/* The open session with this id; -ENOENT if none. */
int store_session_get(struct store *s, const char *id, struct store_session *ret);
/* Closes the open session id now with cause (one of the end causes), and
 * hands the closed row back in ret_closed (may be NULL).  -ENOENT if no
 * open session has this id: a session is ended, and audited, once. */
int store_session_end(struct store *s, const char *id, const char *cause, uint64_t now,
                      struct store_session *ret_closed);
/* Records what the watcher saw of an open session. */
int store_session_touch(struct store *s, const char *id, uint64_t last_activity, uint64_t warned_at);
/* Up to cap open sessions (of user; NULL = every user) with ids after
 * after_id ("" or NULL: from the start), by id: call again with the last
 * id returned until *ret_n < cap. */
int store_session_list(struct store *s, const char *user, struct store_session *ret, size_t cap, size_t *ret_n,
                       const char *after_id);
/* Closes the open session with this id (the session id SESSION_OPEN
 * returned), and only if it belongs to user and was opened by the process
 * pid started at pid_start.  The closed row goes to ret_closed (may be
 * NULL).  -ENOENT if no open session has this id; -EPERM if it has another
 * user or process; -EALREADY if vigild ended it (end_cause set) and this is
 * its user and process closing it after the fact. */
int store_session_close(struct store *s, const char *id, const char *user, uint32_t pid, uint64_t pid_start,
                        uint64_t now, struct store_session *ret_closed);
/* The open session of the nearest process of pids[0..n) that has one, a
 * process being a pid with its start time starts[i] (pids[0] is the caller,
 * then its parents; see origin_pid_chain), lent only if its user is
 * lend_user: the user on whose behalf the caller runs (the invoking user of
 * sudo or su), so that nobody borrows the device and source of another
 * user's session.  A nearest session of another user ends the search.
 * -ENOENT if none; -EINVAL if lend_user is NULL. */
int store_session_find(struct store *s, const uint32_t *pids, const uint64_t *starts, size_t n, const char *lend_user,
                       struct store_session *ret);
/* Closes every open session for which alive(pid, pid_start) is false
 * (daemon start, and periodically) with end_cause "lost"; the closed rows
 * go to lost(row, userdata) after the commit, for their audit (may be NULL). */
int store_session_reconcile(struct store *s, bool (*alive)(uint32_t pid, uint64_t pid_start), uint64_t now,
                            void (*lost)(const struct store_session *x, void *userdata), void *userdata,
                            unsigned *ret_closed);

/* The user's factors, devices, sources, last logins and unexpired grants
 * (at now), newest first.  -ENOENT if the user is unknown. */
int store_status(struct store *s, const char *user, uint64_t now, struct vigil_status_report *ret);

/* Deletes the grants expired by before. */
int store_prune(struct store *s, uint64_t before);
/* Deletes up to `rows` (at least 1) of the login records, failures and
 * closed sessions older than before, the oldest of each first, in one
 * transaction: at a million users an hour's worth of them is seconds of
 * work, and a daemon serves between steps.  1 when it deleted `rows` (more
 * may be left), 0 when it deleted fewer (nothing is left), or a negative
 * errno. */
int store_prune_step(struct store *s, uint64_t before, size_t rows);
/* A pass that keeps at most about `keep` login records per user (those of
 * the same second as the keep-th newest are kept too), for the users with a
 * login since `since`: su and sudo attempts naming a user add records for
 * that user whoever makes them, so history must be bounded per user, not
 * only by age.  It walks those logins in (time, id) order a slice at a
 * time, each slice in a transaction of its own, so that a daemon can serve
 * between slices: at a million users one pass is seconds of work. */
struct store_history_pass {
	uint32_t keep;
	uint64_t until; /* logins after it are left to the next pass */
	/* The last login looked at: the pass goes on after it. */
	uint64_t time;
	int64_t id;
};
/* Starts *p at since, up to now.  -EINVAL if keep is 0 or since is after
 * now. */
int store_history_pass_start(struct store_history_pass *p, uint64_t since, uint64_t now, uint32_t keep);
/* Bounds the history of the users of the next `rows` logins of the pass (at
 * least 1).  1 while logins remain, 0 once the pass is over, or a negative
 * errno (nothing of the slice written; it may be tried again). */
int store_history_pass_step(struct store *s, struct store_history_pass *p, size_t rows);

/* The admin's changes (store_admin.c).  user is a name the store knows;
 * -ENOENT if it does not, or if there was nothing to remove. */
/* Deletes the user's TOTP factors, active and pending, and its grants (a
 * step-up proved with a lost factor must not outlive it). */
int store_totp_remove(struct store *s, const char *user);
/* Forgets a known device of user, and the grants bound to it. */
int store_device_forget(struct store *s, const char *user, const char *fingerprint);
/* Forgets a known source address of user, and the grants bound to it.  The
 * prefix stays known: a login from the address again is a new source in a
 * known prefix. */
int store_source_forget(struct store *s, const char *user, const char *addr);

/* Security keys (store_key.c): FIDO2 credentials and OpenSSH security
 * keys, one table (schema 4, see store.c). */
enum store_key_kind {
	STORE_KEY_FIDO2 = 1,
	STORE_KEY_SSH_SK = 2,
};
/* keys.flags */
#define STORE_KEY_UV           (1U << 0) /* user verification was done at enrollment */
#define STORE_KEY_RESIDENT     (1U << 1) /* a discoverable (resident) credential */
#define STORE_KEY_ZERO_COUNTER (1U << 2) /* the key reports no signature counter (always 0) */
#define STORE_KEY_CLONED       (1U << 3) /* a counter went back: refused from then on */
#define STORE_KEY_NAME_MAX     63
#define STORE_KEY_CRED_MAX     1024 /* credential id / fingerprint bytes */
#define STORE_KEY_PUBKEY_MAX   1024 /* raw public key / ssh key blob bytes */
struct store_key {
	int64_t id;
	int64_t user_id;
	uint8_t kind; /* enum store_key_kind */
	char name[STORE_KEY_NAME_MAX + 1];
	uint8_t cred_id[STORE_KEY_CRED_MAX];
	size_t cred_id_len;
	int32_t cose_alg;
	uint8_t pubkey[STORE_KEY_PUBKEY_MAX];
	size_t pubkey_len;
	uint32_t sign_count;
	uint32_t flags;
	uint64_t created;
	uint64_t last_used;
};
/* The user's keys, oldest first, at most cap (VIGIL_KEYS_MAX are allowed);
 * *ret_n how many.  0 or a negative errno. */
int store_key_list(struct store *s, int64_t user_id, struct store_key *ret, size_t cap, size_t *ret_n);
/* The user's key named name: -ENOENT if none. */
int store_key_get(struct store *s, int64_t user_id, const char *name, struct store_key *ret);
/* Adds k (k->id and k->last_used ignored) unless the user has max keys
 * already (-EDQUOT) or one with its name or credential (-EEXIST).  The id
 * of the new row in *ret_id. */
int store_key_add(struct store *s, const struct store_key *k, size_t max, int64_t *ret_id);
/* -ENOENT: no such key; -EEXIST: new_name is taken. */
int store_key_rename(struct store *s, int64_t user_id, const char *name, const char *new_name);
/* Removes the key and every grant of the user (a step-up proved with it
 * must not outlive it).  -ENOENT: no such key. */
int store_key_remove(struct store *s, int64_t user_id, const char *name);
/* A proved touch, inside the caller's transaction (store_login_finish):
 * raises the key's counter to count and stamps it used.  -EALREADY when
 * count is no longer above the stored counter (a login racing with the same
 * key, or a clone) or the key is flagged cloned; -ENOENT if it is gone. */
int store_key_use(struct store *s, int64_t key_id, uint32_t count, uint64_t now);
/* Sets flags (STORE_KEY_*) on the key: STORE_KEY_CLONED retires it. */
int store_key_flag(struct store *s, int64_t key_id, uint32_t flags);
/* Whether the key still exists and is not flagged cloned: 0, -ENOENT. */
int store_key_usable(struct store *s, int64_t key_id);

/* Recovery codes (store_recovery.c): the user's one current set, hashed
 * before it gets here (recovery.h); salt shared by the set's rows. */
#define STORE_RECOVERY_ROWS_MAX 16  /* rows of a set read back; a set has 10 */
#define STORE_RECOVERY_SALT_MAX 64  /* bytes */
#define STORE_RECOVERY_HASH_MAX 128 /* bytes */
struct store_recovery_code {
	int64_t id;
	uint64_t created;
	uint8_t salt[STORE_RECOVERY_SALT_MAX];
	size_t salt_len;
	uint8_t hash[STORE_RECOVERY_HASH_MAX];
	size_t hash_len;
	uint64_t used; /* when it was used; 0 = not yet */
};
struct store_recovery_set {
	size_t n;
	struct store_recovery_code rows[STORE_RECOVERY_ROWS_MAX];
};
/* Replaces the user's set with n codes (hashes: n blobs of hash_len bytes
 * each, one after the other) sharing salt, in one transaction: every old
 * code is void once it commits.  The new rows get ids above every stored
 * one, so an id read from the old set never names a new code.  -EINVAL for
 * n 0 or an empty salt or hash, -E2BIG over the limits above, -ENOENT for
 * an unknown user_id. */
int store_recovery_replace(struct store *s, int64_t user_id, const uint8_t *salt, size_t salt_len,
                           const uint8_t *hashes, size_t hash_len, size_t n, uint64_t now);
/* The user's set, used codes included, in id order.  -ENOENT if the user
 * has none; -EBADMSG for a row that does not fit. */
int store_recovery_get(struct store *s, int64_t user_id, struct store_recovery_set *ret);
/* Marks the user's code id used at now (> 0), atomically: 0, or -EALREADY
 * if it was used meanwhile, -ENOENT if it is gone (a new set replaced it;
 * ids are never given twice, see the schema). */
int store_recovery_use(struct store *s, int64_t user_id, int64_t id, uint64_t now);
/* The number of the user's codes not used yet (0 for none at all). */
int store_recovery_count(struct store *s, int64_t user_id, uint32_t *ret);
/* The admin's removal (store_admin.c): deletes the user's set and its grants (a step-up
 * proved with a leaked code must not outlive it), in one transaction.
 * -ENOENT if the user is unknown or has no code. */
int store_recovery_remove(struct store *s, const char *user);
