/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the files of the SQLite store share, and nothing outside them sees:
 * the connection with its cached statements (every SQL text is in
 * store.c's table, prepared once at open), and the helpers that bind
 * parameters, step statements, read rows with bounds checks and run
 * transactions.  store.c holds these and the opening of the database; each
 * store_*.c holds one family of tables behind store.h.  Only these files
 * talk to SQLite.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "store.h"

/* A sealed TOTP seed is a few dozen bytes; anything far larger is not ours. */
#define STORE_SEALED_MAX 4096

/* A fixed-size string field of a struct: NUL-terminated inside it. */
#define FIELD_CHECK(f) (strnlen((f), sizeof(f)) < sizeof(f) ? 0 : -E2BIG)

/* The cached statements, by job; their SQL is st_sql[] in store.c. */
enum st {
	ST_BEGIN,
	ST_BEGIN_IMMEDIATE,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_USER_BY_NAME,
	ST_USER_INSERT,
	ST_USER_LOCK,
	ST_USER_UNLOCK,
	ST_USER_SUSPEND,
	ST_USER_FIRST_ALLOWED,
	ST_USER_EXISTS,
	ST_SEEN,
	ST_ACCOUNT_GET,
	ST_DEVICE_GET,
	ST_SOURCE_GET,
	ST_PREFIX_GET,
	ST_FAILURE_ADD,
	ST_FAILURE_ADD_LOCAL,
	ST_FAILURES_PARTY,
	ST_FAILURES_USER,
	ST_FAILURES_USER_ID,
	ST_FAILURES_SOURCE,
	ST_FAILURES_CLEAR_USER,
	ST_FAILURES_CLEAR_SOURCE,
	ST_GRANT_GET,
	ST_GRANT_PUT,
	ST_LOGIN_PUT,
	ST_LOGIN_GET,
	ST_LOGIN_GET_LEGACY,
	ST_LOGIN_MAX_ID,
	ST_LOGIN_CLAIM,
	ST_TOTP_GET_ACTIVE,
	ST_TOTP_GET_PENDING,
	ST_TOTP_DELETE_PENDING,
	ST_TOTP_INSERT,
	ST_TOTP_ACTIVATE,
	ST_TOTP_ACCEPT,
	ST_TOTP_STATE,
	ST_TOTP_ACTIVE_ID,
	ST_TOTP_DIGITS,
	ST_SESSION_COUNT,
	ST_SESSION_COUNT_SOURCE,
	ST_SESSION_OLDEST,
	ST_SESSION_OLDEST_SOURCE,
	ST_SESSION_INSERT,
	ST_SESSION_ENDED_BY_ID,
	ST_SESSION_END,
	ST_SESSION_TOUCH,
	ST_SESSION_LIST,
	ST_SESSION_LIST_USER,
	ST_SESSION_BY_PID,
	ST_SESSION_BY_ID,
	ST_SESSION_CLOSE,
	ST_SESSION_OPEN_ALL,
	ST_STATUS_FACTORS,
	ST_KEY_LIST,
	ST_KEY_GET,
	ST_KEY_INSERT,
	ST_KEY_COUNT,
	ST_KEY_RENAME,
	ST_KEY_DELETE,
	ST_KEY_USE,
	ST_KEY_FLAG,
	ST_KEY_EXISTS,
	ST_RECOVERY_COUNT,
	ST_GRANTS_DELETE_USER,
	ST_STATUS_DEVICES,
	ST_STATUS_SOURCES,
	ST_STATUS_LOGINS,
	ST_STATUS_GRANTS,
	ST_PRUNE_FAILURES,
	ST_PRUNE_LOGINS,
	ST_PRUNE_GRANTS,
	ST_PRUNE_SESSIONS,
	ST_PRUNE_PASS_SAME_SECOND,
	ST_PRUNE_PASS_LATER,
	ST_PRUNE_USER_HISTORY,
	ST_MAX_
};

/* Transactions inside transactions, at most (a bug beyond: -EINVAL). */
#define STORE_TX_DEPTH_MAX 8
/* How stale a seen row's last_seen may get before a login rewrites it
 * (seconds): see ST_SEEN. */
#define STORE_SEEN_REFRESH 86400

/* seen.kind, as SQL text (schema 8): the account itself (value ''), a
 * device (its fingerprint), a source address, a /24 or /64 prefix. */
#define SEEN_ACCOUNT "0"
#define SEEN_DEVICE  "1"
#define SEEN_SOURCE  "2"
#define SEEN_PREFIX  "3"

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX_];
	/* Transactions nest: the outermost is a transaction, the ones inside
	 * savepoints, so one login's reads share one snapshot whatever calls
	 * it makes, and an inner one that fails undoes only itself.  Each
	 * level knows whether its writes are history only. */
	unsigned tx_depth;
	struct tx_level {
		int64_t changes0; /* sqlite3_total_changes() at its start */
		int64_t credit;   /* history-only changes of its committed inner levels */
		bool history;     /* store_tx_history() */
		bool durable;     /* store_tx_durable(): wins over history */
		bool read_only;   /* tx_begin_read() inside another: no savepoint */
	} tx[STORE_TX_DEPTH_MAX];
	int64_t history_changes; /* rows changed by committed history-only transactions */
	int64_t synced;          /* store_durable_mark() at the last store_sync() */
	char *path;              /* as opened: the checkpointer opens it too */
	struct stat file;        /* the database file opened (st_dev, st_ino) */
	int64_t login_last_id;   /* the largest login id handed out or seen */
};

/* Reads the columns of a row in order; the first bad value sticks in r. */
struct row {
	sqlite3_stmt *st;
	int col;
	int r;
};

/* Maps an SQLite result code to a negative errno. */
int sql_error(int rc);
/* A string the caller hands in: present and within its protocol limit. */
int str_check(const char *v, size_t max);
/* Resets a cached statement for a new use.  Binding is sticky: the first
 * failure is kept in *rc and later binds are skipped. */
sqlite3_stmt *st_use(struct store *s, enum st id);
/* Prepares sql (constant text, not cached: the caller finalizes *ret).
 * 0 or a negative errno. */
int st_prepare(struct store *s, const char *sql, sqlite3_stmt **ret);
void bind_text(sqlite3_stmt *st, int i, const char *v, int *rc);
void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, int *rc);
void bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc);
void bind_u64(sqlite3_stmt *st, int i, uint64_t v, int *rc);
void bind_blob(sqlite3_stmt *st, int i, const uint8_t *v, size_t n, int *rc);
/* 0, or the errno for the first failed bind. */
int bind_result(int rc);
/* Runs a statement that returns no row: the number of rows it changed, or a
 * negative errno. */
int st_exec(struct store *s, sqlite3_stmt *st);
/* Steps a query: 1 for a row (left pending: the caller reads it, then
 * resets), 0 for none, or a negative errno. */
int st_row(sqlite3_stmt *st);
/* Column readers of a row, in order; the first bad value sticks in w->r. */
int64_t row_i64(struct row *w);
uint64_t row_u64(struct row *w);
uint32_t row_u32(struct row *w);
void row_text(struct row *w, char *out, size_t cap);
/* Transactions on the one connection; rollback is a no-op outside one. */
int tx_begin(struct store *s, bool immediate);
/* A transaction that only reads: inside another one, it needs no savepoint
 * (it has nothing to undo), and costs nothing. */
int tx_begin_read(struct store *s);
int tx_commit(struct store *s);
void tx_rollback(struct store *s);
/* Durability by need.  The connection commits with synchronous=NORMAL: a
 * commit is in the WAL, safe from a crash of vigild, but reaches the disk
 * only at the next sync.  Every change is durable unless the transaction it
 * is made in says it records history only; the caller then syncs (one
 * fdatasync for every durable commit since the last, store_sync()) before
 * it answers.  Inside a transaction: */
/* Its writes may be lost in a power cut (login records, what a login
 * teaches, session bookkeeping): no sync is owed for them. */
void store_tx_history(struct store *s);
/* One of its writes must not be (a watermark, a factor, a lock): the whole
 * transaction is durable, whatever store_tx_history() said. */
void store_tx_durable(struct store *s);

/* A second connection to s's database in this process (the checkpointer):
 * the file, its -wal and -shm checked as store_open() checks them (ours,
 * not readable by others, no symlink; the file still the one s opened),
 * without any pragma or statement.  *ret is the caller's to
 * sqlite3_close(). */
int store_db_open_again(struct store *s, sqlite3 **ret, char *why, size_t whylen);
/* Runs a query whose answer is one count. */
int count_query(struct store *s, sqlite3_stmt *st, int rc, uint32_t *ret);
/* Runs a query whose answer, if any, is one integer: 0, or -ENOENT when
 * it has no row (-EBADMSG when the value is not an integer). */
int int_query(struct store *s, sqlite3_stmt *st, int rc, int64_t *ret);
