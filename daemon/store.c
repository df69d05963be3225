/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SQLite backend of the store (see store.h); the only file that talks to
 * SQLite.  It trusts neither its callers' strings (lengths are checked
 * against the protocol limits before anything is written) nor the database
 * file (every row read back is bounded and range-checked before it reaches a
 * fixed-size buffer: a row that does not fit is -EBADMSG).  SQL is constant
 * text: data only ever travels as bound parameters.  Every statement is
 * prepared once in store_open(), so a typo fails the open and not a login,
 * and every lookup the login path makes goes through an index (the unit
 * test checks the query plan of every cached statement).  Nothing here logs:
 * the caller logs the returned code.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "safe_file.h"
#include "store.h"
#include "wipe.h"

/* A sealed TOTP seed is a few dozen bytes; anything far larger is not ours. */
#define STORE_SEALED_MAX 4096
/* How long a statement waits for a lock held by another connection (an
 * admin's sqlite3 shell); the daemon itself holds only one connection. */
#define STORE_BUSY_TIMEOUT_MS 5000

/*
 * Forward migrations: step i takes user_version i to i + 1, inside one
 * transaction.  Append new steps; never edit a released one.
 *
 * Users are never deleted, so the ON DELETE clauses are a statement of
 * ownership rather than a code path.  Sources given as "" (local logins)
 * are stored as NULL in failures and never counted.
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  first_seen INTEGER NOT NULL,"
    "  last_success INTEGER NOT NULL DEFAULT 0,"
    "  locked_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE totp_factors ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  active INTEGER NOT NULL CHECK (active IN (0, 1)),"
    "  sealed BLOB NOT NULL,"
    "  digits INTEGER NOT NULL,"
    "  period INTEGER NOT NULL,"
    "  last_step INTEGER NOT NULL DEFAULT -1,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL DEFAULT 0);"
    /* One active and one pending TOTP factor per user, at most. */
    "CREATE UNIQUE INDEX totp_one_active ON totp_factors(user_id) WHERE active = 1;"
    "CREATE UNIQUE INDEX totp_one_pending ON totp_factors(user_id) WHERE active = 0;"
    "CREATE TABLE devices ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  fingerprint TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, fingerprint)) WITHOUT ROWID;"
    "CREATE TABLE sources ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  addr TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, addr)) WITHOUT ROWID;"
    "CREATE TABLE prefixes ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  prefix TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, prefix)) WITHOUT ROWID;"
    "CREATE TABLE failures ("
    "  id INTEGER PRIMARY KEY,"
    "  user TEXT NOT NULL,"
    "  source TEXT,"
    "  time INTEGER NOT NULL);"
    "CREATE INDEX failures_user ON failures(user, time);"
    "CREATE INDEX failures_source ON failures(source, time) WHERE source IS NOT NULL;"
    "CREATE INDEX failures_time ON failures(time);"
    "CREATE TABLE logins ("
    "  login_id TEXT PRIMARY KEY NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  user TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  device TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  signals INTEGER NOT NULL,"
    "  outcome INTEGER NOT NULL,"
    "  stepped_up INTEGER NOT NULL,"
    "  time INTEGER NOT NULL);"
    "CREATE INDEX logins_user ON logins(user_id, time);"
    "CREATE INDEX logins_time ON logins(time);"
    "CREATE TABLE sessions ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  login_id TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  user TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  tty TEXT NOT NULL,"
    "  rhost TEXT NOT NULL,"
    "  device TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  pid INTEGER NOT NULL,"
    "  opened INTEGER NOT NULL,"
    "  closed INTEGER);"
    "CREATE INDEX sessions_open_pid ON sessions(pid, opened) WHERE closed IS NULL;"
    "CREATE INDEX sessions_open_user ON sessions(user_id) WHERE closed IS NULL;"
    "CREATE INDEX sessions_closed ON sessions(closed) WHERE closed IS NOT NULL;"
    "CREATE TABLE grants ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  device TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  granted INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, device, source)) WITHOUT ROWID;"
    "CREATE INDEX grants_expires ON grants(expires);",
    /* 1 -> 2: trust at the edges.
     * users.first_allowed: the first login whose trust was committed (the
     *   in-band enrollment grace can start there, not at any attempt).
     * failures.local: 1 for a failure charged to a local caller (failures.source
     *   is then "uid=N", the invoking user): it never counts against the
     *   target user, only against that caller for that target.
     * logins: what the account phase needs to commit trust once the whole
     *   auth stack has passed (committed = 0 until then; single use), who
     *   asked (caller_uid) and the factor an in-band enrollment activates.
     * sessions.pid_start: the process start time (clock ticks since boot),
     *   so a reused pid is never taken for the session's process. */
    "ALTER TABLE users ADD COLUMN first_allowed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE failures ADD COLUMN local INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX failures_user_remote ON failures(user, time) WHERE local = 0;"
    "CREATE INDEX failures_party ON failures(source, user, time) WHERE local = 1;"
    "ALTER TABLE logins ADD COLUMN committed INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE logins ADD COLUMN caller_uid INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN party TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE logins ADD COLUMN activate_factor INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN activate_step INTEGER NOT NULL DEFAULT -1;"
    "ALTER TABLE sessions ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define SESSION_COLS "id, login_id, user_id, user, service, tty, rhost, device, source, pid, opened, pid_start"
#define TOTP_COLS    "id, sealed, digits, period, last_step, created, last_used"
#define LOGIN_COLS                                                                                                     \
	"login_id, user_id, user, service, device, source, score, signals, outcome, stepped_up, time, committed, "     \
	"caller_uid, party, activate_factor, activate_step"

enum st {
	ST_BEGIN,
	ST_BEGIN_IMMEDIATE,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_BY_NAME,
	ST_USER_INSERT,
	ST_USER_LOCK,
	ST_USER_UNLOCK,
	ST_USER_SUCCESS,
	ST_DEVICE_GET,
	ST_DEVICE_TOUCH,
	ST_DEVICE_ADD,
	ST_SOURCE_GET,
	ST_SOURCE_TOUCH,
	ST_SOURCE_ADD,
	ST_PREFIX_GET,
	ST_PREFIX_TOUCH,
	ST_PREFIX_ADD,
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
	ST_LOGIN_CLAIM,
	ST_TOTP_GET_ACTIVE,
	ST_TOTP_GET_PENDING,
	ST_TOTP_DELETE_PENDING,
	ST_TOTP_INSERT,
	ST_TOTP_ACTIVATE,
	ST_TOTP_ACCEPT,
	ST_TOTP_STATE,
	ST_SESSION_COUNT,
	ST_SESSION_INSERT,
	ST_SESSION_BY_PID,
	ST_SESSION_BY_ID,
	ST_SESSION_CLOSE,
	ST_SESSION_OPEN_ALL,
	ST_STATUS_FACTORS,
	ST_STATUS_DEVICES,
	ST_STATUS_SOURCES,
	ST_STATUS_LOGINS,
	ST_PRUNE_FAILURES,
	ST_PRUNE_LOGINS,
	ST_PRUNE_GRANTS,
	ST_PRUNE_SESSIONS,
	ST_PRUNE_RECENT_USERS,
	ST_PRUNE_USER_HISTORY,
	ST_MAX_
};

/* Partial indexes are used only when the WHERE clause repeats their
 * condition literally, hence the separate active / pending statements. */
static const char *const st_sql[ST_MAX_] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_USER_BY_NAME] = "SELECT id, first_seen, last_success, locked_until, first_allowed FROM users WHERE name = ?1",
    [ST_USER_INSERT] = "INSERT INTO users (name, first_seen) VALUES (?1, ?2)",
    [ST_USER_LOCK] = "UPDATE users SET locked_until = ?2 WHERE id = ?1",
    [ST_USER_UNLOCK] = "UPDATE users SET locked_until = 0 WHERE name = ?1",
    [ST_USER_SUCCESS] = "UPDATE users SET last_success = ?2, "
                        "first_allowed = CASE WHEN first_allowed = 0 THEN ?2 ELSE first_allowed END WHERE id = ?1",
    [ST_DEVICE_GET] = "SELECT last_seen FROM devices WHERE user_id = ?1 AND fingerprint = ?2",
    [ST_DEVICE_TOUCH] = "UPDATE devices SET last_seen = ?3 WHERE user_id = ?1 AND fingerprint = ?2",
    [ST_DEVICE_ADD] = "INSERT INTO devices (user_id, fingerprint, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)",
    [ST_SOURCE_GET] = "SELECT 1 FROM sources WHERE user_id = ?1 AND addr = ?2",
    [ST_SOURCE_TOUCH] = "UPDATE sources SET last_seen = ?3 WHERE user_id = ?1 AND addr = ?2",
    [ST_SOURCE_ADD] = "INSERT INTO sources (user_id, addr, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)",
    [ST_PREFIX_GET] = "SELECT 1 FROM prefixes WHERE user_id = ?1 AND prefix = ?2",
    [ST_PREFIX_TOUCH] = "UPDATE prefixes SET last_seen = ?3 WHERE user_id = ?1 AND prefix = ?2",
    [ST_PREFIX_ADD] = "INSERT INTO prefixes (user_id, prefix, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)",
    [ST_FAILURE_ADD] = "INSERT INTO failures (user, source, time, local) VALUES (?1, ?2, ?3, 0)",
    [ST_FAILURE_ADD_LOCAL] = "INSERT INTO failures (user, source, time, local) VALUES (?1, ?2, ?3, 1)",
    /* A local caller's failures are its own: they never count for the
     * user it tried to become. */
    [ST_FAILURES_USER] = "SELECT count(*) FROM failures WHERE user = ?1 AND time >= ?2 AND local = 0",
    [ST_FAILURES_USER_ID] = "SELECT count(*) FROM failures "
                            "WHERE user = (SELECT name FROM users WHERE id = ?1) AND time >= ?2 AND local = 0",
    [ST_FAILURES_PARTY] = "SELECT count(*) FROM failures WHERE source = ?1 AND user = ?2 AND time >= ?3 "
                          "AND local = 1",
    [ST_FAILURES_SOURCE] = "SELECT count(*) FROM failures WHERE source = ?1 AND time >= ?2",
    [ST_FAILURES_CLEAR_USER] = "DELETE FROM failures WHERE user = ?1",
    [ST_FAILURES_CLEAR_SOURCE] = "DELETE FROM failures WHERE source = ?1",
    [ST_GRANT_GET] = "SELECT granted FROM grants "
                     "WHERE user_id = ?1 AND device = ?2 AND source = ?3 AND expires > ?4",
    [ST_GRANT_PUT] = "INSERT OR REPLACE INTO grants (user_id, device, source, granted, expires) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_LOGIN_PUT] = "INSERT INTO logins (" LOGIN_COLS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [ST_LOGIN_GET] = "SELECT " LOGIN_COLS " FROM logins WHERE login_id = ?1",
    /* Single use: only one account phase ever claims a login. */
    [ST_LOGIN_CLAIM] = "UPDATE logins SET committed = 1 WHERE login_id = ?1 AND committed IN (0, 2)",
    [ST_TOTP_GET_ACTIVE] = "SELECT " TOTP_COLS " FROM totp_factors WHERE user_id = ?1 AND active = 1",
    [ST_TOTP_GET_PENDING] = "SELECT " TOTP_COLS " FROM totp_factors WHERE user_id = ?1 AND active = 0",
    [ST_TOTP_DELETE_PENDING] = "DELETE FROM totp_factors WHERE user_id = ?1 AND active = 0",
    [ST_TOTP_INSERT] = "INSERT INTO totp_factors (user_id, active, sealed, digits, period, last_step, created, "
                       "last_used) VALUES (?1, 0, ?2, ?3, ?4, -1, ?5, 0)",
    [ST_TOTP_ACTIVATE] = "UPDATE totp_factors SET active = 1, last_step = ?3, last_used = ?4 "
                         "WHERE id = ?2 AND user_id = ?1 AND active = 0",
    /* The replay check and the raise are one statement: no window. */
    [ST_TOTP_ACCEPT] = "UPDATE totp_factors SET last_step = ?2, last_used = ?3 "
                       "WHERE id = ?1 AND active = 1 AND last_step < ?2",
    [ST_TOTP_STATE] = "SELECT active FROM totp_factors WHERE id = ?1",
    [ST_SESSION_COUNT] = "SELECT count(*) FROM sessions WHERE user_id = ?1 AND closed IS NULL",
    [ST_SESSION_INSERT] = "INSERT INTO sessions (" SESSION_COLS ", closed) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)",
    /* A pid names the session's process only with its start time. */
    [ST_SESSION_BY_PID] = "SELECT " SESSION_COLS " FROM sessions WHERE pid = ?1 AND pid_start = ?2 "
                          "AND closed IS NULL ORDER BY opened DESC LIMIT 1",
    [ST_SESSION_BY_ID] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_CLOSE] = "UPDATE sessions SET closed = ?2 WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_OPEN_ALL] = "SELECT id, pid, pid_start FROM sessions WHERE closed IS NULL",
    [ST_STATUS_FACTORS] = "SELECT created, last_used FROM totp_factors WHERE user_id = ?1 AND active = 1 "
                          "ORDER BY created DESC LIMIT ?2",
    [ST_STATUS_DEVICES] = "SELECT fingerprint, first_seen, last_seen FROM devices WHERE user_id = ?1 "
                          "ORDER BY last_seen DESC LIMIT ?2",
    [ST_STATUS_SOURCES] = "SELECT addr, first_seen, last_seen FROM sources WHERE user_id = ?1 "
                          "ORDER BY last_seen DESC LIMIT ?2",
    [ST_STATUS_LOGINS] = "SELECT time, service, source, outcome, score, signals FROM logins WHERE user_id = ?1 "
                         "ORDER BY time DESC LIMIT ?2",
    [ST_PRUNE_FAILURES] = "DELETE FROM failures WHERE time < ?1",
    [ST_PRUNE_LOGINS] = "DELETE FROM logins WHERE time < ?1",
    [ST_PRUNE_GRANTS] = "DELETE FROM grants WHERE expires <= ?1",
    [ST_PRUNE_SESSIONS] = "DELETE FROM sessions WHERE closed IS NOT NULL AND closed < ?1",
    /* Only users with logins since the last pass can be over the cap. */
    [ST_PRUNE_RECENT_USERS] = "SELECT DISTINCT user_id FROM logins WHERE time >= ?1",
    [ST_PRUNE_USER_HISTORY] = "DELETE FROM logins WHERE user_id = ?1 AND time < "
                              "(SELECT time FROM logins WHERE user_id = ?1 ORDER BY time DESC LIMIT 1 OFFSET ?2 - 1)",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX_];
};

/* Maps an SQLite result code to a negative errno. */
static int sql_error(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* A string the caller hands in: present and within its protocol limit. */
static int str_check(const char *v, size_t max)
{
	if (!v)
		return -EINVAL;
	return strnlen(v, max + 1) > max ? -E2BIG : 0;
}

/* A fixed-size string field of a struct: NUL-terminated inside it. */
#define FIELD_CHECK(f) (strnlen((f), sizeof(f)) < sizeof(f) ? 0 : -E2BIG)

/* Resets a cached statement for a new use.  Binding is sticky: the first
 * failure is kept in *rc and later binds are skipped. */
static sqlite3_stmt *st_use(struct store *s, enum st id)
{
	sqlite3_stmt *st = s->st[id];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* "" is stored as NULL (a local login has no source). */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v[0] ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

/* Times and counters are unsigned here and signed in SQLite. */
static void bind_u64(sqlite3_stmt *st, int i, uint64_t v, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	*rc = v > (uint64_t)INT64_MAX ? SQLITE_RANGE : sqlite3_bind_int64(st, i, (int64_t)v);
}

static void bind_blob(sqlite3_stmt *st, int i, const uint8_t *v, size_t n, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob(st, i, v, (int)n, SQLITE_STATIC);
}

static int bind_result(int rc)
{
	return rc == SQLITE_OK ? 0 : rc == SQLITE_RANGE ? -ERANGE : -EINVAL;
}

/* Runs a statement that returns no row.  Returns the number of rows it
 * changed, or a negative errno. */
static int st_exec(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_error(rc);
	return sqlite3_changes(s->db);
}

/* Steps a query: 1 for a row (left pending: the caller reads it, then
 * resets), 0 for none, or a negative errno. */
static int st_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_error(rc);
}

/* Reads the columns of a row in order; the first bad value sticks in r. */
struct row {
	sqlite3_stmt *st;
	int col;
	int r;
};

static int64_t row_i64(struct row *w)
{
	int c = w->col++;

	if (w->r == 0 && sqlite3_column_type(w->st, c) != SQLITE_INTEGER)
		w->r = -EBADMSG;
	return w->r == 0 ? sqlite3_column_int64(w->st, c) : 0;
}

static uint64_t row_u64(struct row *w)
{
	int64_t v = row_i64(w);

	if (v < 0 && w->r == 0)
		w->r = -EBADMSG;
	return w->r == 0 ? (uint64_t)v : 0;
}

static uint32_t row_u32(struct row *w)
{
	uint64_t v = row_u64(w);

	if (v > UINT32_MAX && w->r == 0)
		w->r = -EBADMSG;
	return w->r == 0 ? (uint32_t)v : 0;
}

/* A text column into out[cap]: no NUL inside, shorter than cap. */
static void row_text(struct row *w, char *out, size_t cap)
{
	int c = w->col++;
	const unsigned char *v;
	int n;

	if (w->r != 0)
		return;
	if (sqlite3_column_type(w->st, c) != SQLITE_TEXT) {
		w->r = -EBADMSG;
		return;
	}
	v = sqlite3_column_text(w->st, c);
	n = sqlite3_column_bytes(w->st, c);
	if (!v || n < 0 || (size_t)n >= cap || memchr(v, '\0', (size_t)n)) {
		w->r = v ? -EBADMSG : -ENOMEM;
		return;
	}
	memcpy(out, v, (size_t)n);
	out[n] = '\0';
}

static int tx_begin(struct store *s, bool immediate)
{
	int r = st_exec(s, s->st[immediate ? ST_BEGIN_IMMEDIATE : ST_BEGIN]);

	return r < 0 ? r : 0;
}

static int tx_commit(struct store *s)
{
	int r = st_exec(s, s->st[ST_COMMIT]);

	return r < 0 ? r : 0;
}

/* NULL-safe in spirit: a no-op outside a transaction. */
static void tx_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)st_exec(s, s->st[ST_ROLLBACK]);
}

/* Runs a constant SQL text (pragmas, migrations): never data. */
static int exec_sql(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_error(rc);
}

/* Reads one integer a constant query returns (PRAGMA user_version). */
static int query_int(sqlite3 *db, const char *sql, int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -EIO : sql_error(rc);
		goto out;
	}
	*ret = sqlite3_column_int64(st, 0);
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* Sets a pragma that answers with its new value and checks the answer. */
static int pragma_expect(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc, r;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? -EIO : sql_error(rc);
		goto out;
	}
	v = sqlite3_column_text(st, 0);
	r = v && strcmp((const char *)v, want) == 0 ? 0 : -EIO;
out:
	sqlite3_finalize(st);
	return r;
}

/* Brings the schema up to STORE_SCHEMA_VERSION, one transaction per step.
 * A database from newer code is refused rather than misread. */
static int store_migrate(sqlite3 *db)
{
	char sql[64];
	int64_t version;
	bool in_tx = false;
	int r;

	for (;;) {
		if ((r = exec_sql(db, "BEGIN IMMEDIATE")) < 0)
			goto out;
		in_tx = true;
		if ((r = query_int(db, "PRAGMA user_version", &version)) < 0)
			goto out;
		if (version < 0 || version > STORE_SCHEMA_VERSION) {
			r = -EPROTO;
			goto out;
		}
		if (version == STORE_SCHEMA_VERSION)
			break;
		if ((r = exec_sql(db, migrations[version])) < 0)
			goto out;
		/* PRAGMA takes no parameters; the number is ours, not data. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", (int)version + 1);
		if ((r = exec_sql(db, sql)) < 0 || (r = exec_sql(db, "COMMIT")) < 0)
			goto out;
		in_tx = false;
	}
	if ((r = exec_sql(db, "COMMIT")) < 0)
		goto out;
	in_tx = false;
	r = 0;
out:
	if (in_tx)
		(void)exec_sql(db, "ROLLBACK");
	return r;
}

/* Creates or opens path ourselves first, so that the file's type, owner and
 * mode are checked on the very file, then compared with what SQLite opened.
 * The -wal and -shm files SQLite will open by name get the same checks when
 * they already exist: a symlinked or world-readable -wal holds the same
 * sealed rows as the database. */
static int open_checked(const char *path, int *ret_fd, struct stat *ret_st, char *why, size_t whylen)
{
	static const char *const companions[] = {"-wal", "-shm"};
	char side[PATH_MAX];
	struct stat st;
	int fd = -1, side_fd = -1, r;
	size_t i;

	r = safe_file_open(AT_FDCWD, path, O_RDWR | O_CREAT, 0600, SAFE_FILE_OURS | SAFE_FILE_SECRET, path, &fd, &st,
	                   why, whylen);
	if (r < 0)
		goto out;
	for (i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		if ((size_t)snprintf(side, sizeof(side), "%s%s", path, companions[i]) >= sizeof(side)) {
			r = -ENAMETOOLONG;
			safe_file_why(why, whylen, "%s%s: path too long", path, companions[i]);
			goto out;
		}
		r = safe_file_open(AT_FDCWD, side, O_RDONLY, 0, SAFE_FILE_OURS | SAFE_FILE_SECRET, side, &side_fd, NULL,
		                   why, whylen);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			goto out;
		/* Closed before SQLite opens it: no lock of ours to drop. */
		close(side_fd);
		side_fd = -1;
	}
	safe_file_why(why, whylen, "%s", "");
	*ret_fd = fd;
	*ret_st = st;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int store_open(const char *path, struct store **ret)
{
	return store_open_why(path, ret, NULL, 0);
}

int store_open_why(const char *path, struct store **ret, char *why, size_t whylen)
{
	struct store *s = NULL;
	struct stat st = {0}, now_st;
	int fd = -1, flags, rc, r, i;

	safe_file_why(why, whylen, "%s", "");
	if (!path || !ret)
		return -EINVAL;
	if ((r = open_checked(path, &fd, &st, why, whylen)) < 0)
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	/* The path must still name the file we checked.  Our descriptor is
	 * closed before SQLite takes any lock: closing another descriptor of
	 * the file later would drop SQLite's POSIX locks. */
	if (lstat(path, &now_st) < 0 || now_st.st_dev != st.st_dev || now_st.st_ino != st.st_ino) {
		r = -EPERM;
		safe_file_why(why, whylen, "%s: replaced while being opened", path);
		goto out;
	}
	close(fd);
	fd = -1;

	sqlite3_extended_result_codes(s->db, 1);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	if ((rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	/* Acknowledged writes and the TOTP replay watermark must survive a
	 * crash (synchronous=FULL); freed pages held sealed secrets
	 * (secure_delete). */
	if ((r = pragma_expect(s->db, "PRAGMA journal_mode = WAL", "wal")) < 0 ||
	    (r = exec_sql(s->db, "PRAGMA synchronous = FULL")) < 0 ||
	    (r = exec_sql(s->db, "PRAGMA foreign_keys = ON")) < 0 ||
	    (r = pragma_expect(s->db, "PRAGMA secure_delete = ON", "1")) < 0)
		goto out;
	if ((r = store_migrate(s->db)) < 0)
		goto out;
	for (i = 0; i < ST_MAX_; i++) {
		rc = sqlite3_prepare_v3(s->db, st_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = sql_error(rc);
			goto out;
		}
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	store_close(s);
	return r;
}

void store_close(struct store *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < ST_MAX_; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

static int user_read(sqlite3_stmt *st, struct store_user *u)
{
	struct row w = {st, 0, 0};

	u->id = row_i64(&w);
	u->first_seen = row_u64(&w);
	u->last_success = row_u64(&w);
	u->locked_until = row_u64(&w);
	u->first_allowed = row_u64(&w);
	return w.r;
}

int store_user_find(struct store *s, const char *name, struct store_user *ret)
{
	struct store_user u;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(name, VIGIL_USER_MAX)) < 0)
		return r;
	st = st_use(s, ST_USER_BY_NAME);
	bind_text(st, 1, name, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	if ((r = user_read(st, &u)) < 0)
		goto out;
	*ret = u;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_user_get(struct store *s, const char *name, uint64_t now, struct store_user *ret)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	r = store_user_find(s, name, ret);
	if (r != -ENOENT)
		return r;
	if (!name[0])
		return -EINVAL;
	st = st_use(s, ST_USER_INSERT);
	bind_text(st, 1, name, &rc);
	bind_u64(st, 2, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	*ret = (struct store_user){.id = sqlite3_last_insert_rowid(s->db), .first_seen = now};
	return 0;
}

int store_user_lock(struct store *s, int64_t user_id, uint64_t until)
{
	sqlite3_stmt *st = st_use(s, ST_USER_LOCK);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_u64(st, 2, until, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_user_unlock(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(name, VIGIL_USER_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	st = st_use(s, ST_USER_UNLOCK);
	bind_text(st, 1, name, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	st = st_use(s, ST_FAILURES_CLEAR_USER);
	bind_text(st, 1, name, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_source_unlock(struct store *s, const char *source)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(source, VIGIL_ADDR_MAX)) < 0)
		return r;
	/* Local logins without a caller are stored as NULL: nothing to match. */
	if (!source[0])
		return -EINVAL;
	st = st_use(s, ST_FAILURES_CLEAR_SOURCE);
	bind_text(st, 1, source, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

/* Runs a query whose answer is one count. */
static int count_query(struct store *s, sqlite3_stmt *st, int rc, uint32_t *ret)
{
	int64_t n;
	int r;

	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -EIO : r;
		goto out;
	}
	n = sqlite3_column_int64(st, 0);
	*ret = n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

/* Whether a (user, key) row of a known-things table exists; its last_seen
 * in *ret_last_seen when asked for. */
static int known_query(struct store *s, enum st id, int64_t user_id, const char *key, bool *ret_known,
                       uint64_t *ret_last_seen)
{
	sqlite3_stmt *st = st_use(s, id);
	struct row w = {st, 0, 0};
	uint64_t last_seen = 0;
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, key, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 1 && ret_last_seen) {
		last_seen = row_u64(&w);
		if ((r = w.r) < 0)
			goto out;
		r = 1;
	}
	*ret_known = r == 1;
	if (ret_last_seen)
		*ret_last_seen = last_seen;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_login_facts(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                      uint64_t since, uint64_t now, struct store_facts *ret)
{
	struct store_facts f = {0};
	sqlite3_stmt *st;
	struct row w;
	int rc = SQLITE_OK, r;

	if ((r = str_check(device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	/* One read transaction: all facts describe the same instant. */
	if ((r = tx_begin(s, false)) < 0)
		return r;
	if (device[0] && (r = known_query(s, ST_DEVICE_GET, user_id, device, &f.device_known, &f.device_last_seen)) < 0)
		goto out;
	if (source[0] && (r = known_query(s, ST_SOURCE_GET, user_id, source, &f.source_known, NULL)) < 0)
		goto out;
	if (prefix[0] && (r = known_query(s, ST_PREFIX_GET, user_id, prefix, &f.prefix_known, NULL)) < 0)
		goto out;

	st = st_use(s, ST_FAILURES_USER_ID);
	bind_i64(st, 1, user_id, &rc);
	bind_u64(st, 2, since, &rc);
	if ((r = count_query(s, st, rc, &f.user_failures)) < 0)
		goto out;
	if (source[0]) {
		st = st_use(s, ST_FAILURES_SOURCE);
		bind_text(st, 1, source, &rc);
		bind_u64(st, 2, since, &rc);
		if ((r = count_query(s, st, rc, &f.source_failures)) < 0)
			goto out;
	}

	/* No device, no grant: a grant is bound to one. */
	st = st_use(s, ST_GRANT_GET);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, device, &rc);
	bind_text(st, 3, source, &rc);
	bind_u64(st, 4, now, &rc);
	if (!device[0])
		r = 0;
	else if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 1) {
		w = (struct row){st, 0, 0};
		f.grant_time = row_u64(&w);
		sqlite3_reset(st);
		if ((r = w.r) < 0)
			goto out;
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	*ret = f;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_failure_add(struct store *s, const char *user, const char *source, uint64_t now)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0)
		return r;
	st = st_use(s, ST_FAILURE_ADD);
	bind_text(st, 1, user, &rc);
	bind_text_or_null(st, 2, source, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
}

int store_failure_add_local(struct store *s, const char *user, const char *party, uint64_t now)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0 || (r = str_check(party, VIGIL_ADDR_MAX)) < 0)
		return r;
	if (!party[0])
		return -EINVAL;
	st = st_use(s, ST_FAILURE_ADD_LOCAL);
	bind_text(st, 1, user, &rc);
	bind_text(st, 2, party, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
}

int store_failures_party(struct store *s, const char *party, const char *user, uint64_t since, uint32_t *ret)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0 || (r = str_check(party, VIGIL_ADDR_MAX)) < 0)
		return r;
	st = st_use(s, ST_FAILURES_PARTY);
	bind_text(st, 1, party, &rc);
	bind_text(st, 2, user, &rc);
	bind_u64(st, 3, since, &rc);
	return count_query(s, st, rc, ret);
}

int store_failures_user(struct store *s, const char *user, uint64_t since, uint32_t *ret)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0)
		return r;
	st = st_use(s, ST_FAILURES_USER);
	bind_text(st, 1, user, &rc);
	bind_u64(st, 2, since, &rc);
	return count_query(s, st, rc, ret);
}

int store_failures_source(struct store *s, const char *source, uint64_t since, uint32_t *ret)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(source, VIGIL_ADDR_MAX)) < 0)
		return r;
	if (!source[0]) {
		*ret = 0;
		return 0;
	}
	st = st_use(s, ST_FAILURES_SOURCE);
	bind_text(st, 1, source, &rc);
	bind_u64(st, 2, since, &rc);
	return count_query(s, st, rc, ret);
}

/* Refreshes last_seen of a known (user, key) or learns it. */
static int known_touch(struct store *s, enum st touch, enum st add, int64_t user_id, const char *key, uint64_t now)
{
	sqlite3_stmt *st = st_use(s, touch);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, key, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) != 0)
		return r < 0 ? r : 0;
	st = st_use(s, add);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, key, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
}

/* The writes of a successful login, inside the caller's transaction. */
static int login_success_in_tx(struct store *s, int64_t user_id, const char *device, const char *source,
                               const char *prefix, uint64_t now, bool stepped_up, uint64_t grant_expires)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	st = st_use(s, ST_USER_SUCCESS);
	bind_i64(st, 1, user_id, &rc);
	bind_u64(st, 2, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	if (device[0] && (r = known_touch(s, ST_DEVICE_TOUCH, ST_DEVICE_ADD, user_id, device, now)) < 0)
		goto out;
	if (source[0] && (r = known_touch(s, ST_SOURCE_TOUCH, ST_SOURCE_ADD, user_id, source, now)) < 0)
		goto out;
	if (prefix[0] && (r = known_touch(s, ST_PREFIX_TOUCH, ST_PREFIX_ADD, user_id, prefix, now)) < 0)
		goto out;
	/* Failures are not cleared: they age out of their windows.  A login
	 * that is allowed without a factor must not reset the count that
	 * limits guessing, nor the count of the source it came from. */
	/* A grant needs a device: one for "no device" would cover any key. */
	if (stepped_up && device[0]) {
		st = st_use(s, ST_GRANT_PUT);
		bind_i64(st, 1, user_id, &rc);
		bind_text(st, 2, device, &rc);
		bind_text(st, 3, source, &rc);
		bind_u64(st, 4, now, &rc);
		bind_u64(st, 5, grant_expires, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
	}
	r = 0;
out:
	return r;
}

int store_login_success(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                        uint64_t now, bool stepped_up, uint64_t grant_expires)
{
	int r;

	if ((r = str_check(device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	if ((r = login_success_in_tx(s, user_id, device, source, prefix, now, stepped_up, grant_expires)) < 0 ||
	    (r = tx_commit(s)) < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_login_put(struct store *s, const struct store_login *l)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = FIELD_CHECK(l->login_id)) < 0 || (r = FIELD_CHECK(l->user)) < 0 || (r = FIELD_CHECK(l->service)) < 0 ||
	    (r = FIELD_CHECK(l->device)) < 0 || (r = FIELD_CHECK(l->source)) < 0 || (r = FIELD_CHECK(l->party)) < 0)
		return r;
	if (l->state > STORE_LOGIN_PENDING_OBSERVE)
		return -EINVAL;
	if (!l->login_id[0])
		return -EINVAL;
	st = st_use(s, ST_LOGIN_PUT);
	bind_text(st, 1, l->login_id, &rc);
	bind_i64(st, 2, l->user_id, &rc);
	bind_text(st, 3, l->user, &rc);
	bind_text(st, 4, l->service, &rc);
	bind_text(st, 5, l->device, &rc);
	bind_text(st, 6, l->source, &rc);
	bind_i64(st, 7, l->score, &rc);
	bind_i64(st, 8, l->signals, &rc);
	bind_i64(st, 9, l->outcome, &rc);
	bind_i64(st, 10, l->stepped_up ? 1 : 0, &rc);
	bind_u64(st, 11, l->time, &rc);
	bind_i64(st, 12, l->state, &rc);
	bind_u64(st, 13, l->caller_uid, &rc);
	bind_text(st, 14, l->party, &rc);
	bind_i64(st, 15, l->activate_factor, &rc);
	bind_i64(st, 16, l->activate_step, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
}

int store_login_get(struct store *s, const char *login_id, struct store_login *ret)
{
	struct store_login l = {0};
	sqlite3_stmt *st;
	struct row w;
	uint32_t v;
	int rc = SQLITE_OK, r;

	if ((r = str_check(login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	st = st_use(s, ST_LOGIN_GET);
	bind_text(st, 1, login_id, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	w = (struct row){st, 0, 0};
	row_text(&w, l.login_id, sizeof(l.login_id));
	l.user_id = row_i64(&w);
	row_text(&w, l.user, sizeof(l.user));
	row_text(&w, l.service, sizeof(l.service));
	row_text(&w, l.device, sizeof(l.device));
	row_text(&w, l.source, sizeof(l.source));
	l.score = row_u32(&w);
	l.signals = row_u32(&w);
	v = row_u32(&w);
	if (v > UINT8_MAX && w.r == 0)
		w.r = -EBADMSG;
	l.outcome = (uint8_t)v;
	l.stepped_up = row_u32(&w) != 0;
	l.time = row_u64(&w);
	v = row_u32(&w);
	if (v > STORE_LOGIN_PENDING_OBSERVE && w.r == 0)
		w.r = -EBADMSG;
	l.state = (uint8_t)v;
	l.caller_uid = row_u32(&w);
	row_text(&w, l.party, sizeof(l.party));
	l.activate_factor = row_i64(&w);
	l.activate_step = row_i64(&w);
	if ((r = w.r) < 0)
		goto out;
	*ret = l;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

void store_totp_clear(struct store_totp *t)
{
	if (!t)
		return;
	wipe_free(t->sealed, t->sealed_len);
	wipe(t, sizeof(*t));
}

int store_totp_get(struct store *s, int64_t user_id, bool active, struct store_totp *ret)
{
	struct store_totp t = {0};
	sqlite3_stmt *st = st_use(s, active ? ST_TOTP_GET_ACTIVE : ST_TOTP_GET_PENDING);
	struct row w = {st, 0, 0};
	const void *blob;
	int rc = SQLITE_OK, n, r;

	bind_i64(st, 1, user_id, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	t.id = row_i64(&w);
	w.col++; /* sealed, below */
	t.digits = row_u32(&w);
	t.period = row_u32(&w);
	t.last_step = row_i64(&w);
	t.created = row_u64(&w);
	t.last_used = row_u64(&w);
	if ((r = w.r) < 0)
		goto out;
	if (sqlite3_column_type(st, 1) != SQLITE_BLOB) {
		r = -EBADMSG;
		goto out;
	}
	blob = sqlite3_column_blob(st, 1);
	n = sqlite3_column_bytes(st, 1);
	if (!blob || n <= 0 || n > STORE_SEALED_MAX) {
		r = blob ? -EBADMSG : -ENOMEM;
		goto out;
	}
	t.sealed = malloc((size_t)n);
	if (!t.sealed) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(t.sealed, blob, (size_t)n);
	t.sealed_len = (size_t)n;
	t.active = active;
	*ret = t;
	t.sealed = NULL;
	r = 0;
out:
	sqlite3_reset(st);
	store_totp_clear(&t);
	return r;
}

int store_totp_put_pending(struct store *s, int64_t user_id, const uint8_t *sealed, size_t sealed_len, uint32_t digits,
                           uint32_t period, uint64_t now)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if (!sealed || sealed_len == 0)
		return -EINVAL;
	if (sealed_len > STORE_SEALED_MAX)
		return -E2BIG;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	st = st_use(s, ST_TOTP_DELETE_PENDING);
	bind_i64(st, 1, user_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	st = st_use(s, ST_TOTP_INSERT);
	bind_i64(st, 1, user_id, &rc);
	bind_blob(st, 2, sealed, sealed_len, &rc);
	bind_i64(st, 3, digits, &rc);
	bind_i64(st, 4, period, &rc);
	bind_u64(st, 5, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_totp_activate(struct store *s, int64_t user_id, int64_t factor_id, int64_t step, uint64_t now)
{
	sqlite3_stmt *st = st_use(s, ST_TOTP_ACTIVATE);
	int rc = SQLITE_OK, r;

	/* The unique index on active factors turns a second activation into
	 * a constraint error: -EEXIST. */
	bind_i64(st, 1, user_id, &rc);
	bind_i64(st, 2, factor_id, &rc);
	bind_i64(st, 3, step, &rc);
	bind_u64(st, 4, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_totp_accept(struct store *s, int64_t factor_id, int64_t step, uint64_t now)
{
	sqlite3_stmt *st = st_use(s, ST_TOTP_ACCEPT);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, factor_id, &rc);
	bind_i64(st, 2, step, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	if (r > 0)
		return 0;
	/* Nothing changed: a replay, unless the factor is gone or pending. */
	st = st_use(s, ST_TOTP_STATE);
	bind_i64(st, 1, factor_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		return r;
	r = r == 1 && sqlite3_column_int64(st, 0) == 1 ? -EALREADY : -ENOENT;
	sqlite3_reset(st);
	return r;
}

/* What an allowed login teaches, inside the caller's transaction: the
 * device, source and prefix, last_success and first_allowed, the grant of a
 * step-up, and the activation of a factor enrolled in-band. */
static int login_trust_in_tx(struct store *s, const struct store_login *l, const char *prefix, uint64_t grant_expires)
{
	int r;

	if (l->learn && (r = login_success_in_tx(s, l->user_id, l->device, l->source, prefix, l->time, l->stepped_up,
	                                         grant_expires)) < 0)
		return r;
	if (l->activate_factor > 0 &&
	    (r = store_totp_activate(s, l->user_id, l->activate_factor, l->activate_step, l->time)) < 0)
		return r;
	return 0;
}

int store_login_commit(struct store *s, const char *login_id, const char *prefix, uint64_t grant_expires,
                       struct store_login *ret)
{
	struct store_login l;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	if ((r = store_login_get(s, login_id, &l)) < 0)
		goto out;
	st = st_use(s, ST_LOGIN_CLAIM);
	bind_text(st, 1, login_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r == 0) {
		r = -EALREADY; /* claimed before: an id is good for one account phase */
		goto out;
	}
	l.learn = l.state == STORE_LOGIN_PENDING;
	if (l.outcome == VIGIL_OUTCOME_ALLOW && (r = login_trust_in_tx(s, &l, prefix, grant_expires)) < 0)
		goto out;
	if ((r = tx_commit(s)) < 0)
		goto out;
	l.state = STORE_LOGIN_DONE;
	*ret = l;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_login_finish(struct store *s, const struct store_login *l, const char *prefix, uint64_t grant_expires,
                       const struct store_factor_use *use)
{
	int r;

	if ((r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* The factor first: a refused step leaves no trace of this login.  An
	 * in-band enrollment is not activated here: the login carries it to
	 * store_login_commit(). */
	if (use && !use->activate)
		r = store_totp_accept(s, use->factor_id, use->step, l->time);
	if (r < 0 || (r = store_login_put(s, l)) < 0)
		goto out;
	if (l->state == STORE_LOGIN_DONE && l->outcome == VIGIL_OUTCOME_ALLOW &&
	    (r = login_trust_in_tx(s, l, prefix, grant_expires)) < 0)
		goto out;
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

static void session_bind(sqlite3_stmt *st, const struct store_session *x, int *rc)
{
	bind_text(st, 1, x->id, rc);
	bind_text(st, 2, x->login_id, rc);
	bind_i64(st, 3, x->user_id, rc);
	bind_text(st, 4, x->user, rc);
	bind_text(st, 5, x->service, rc);
	bind_text(st, 6, x->tty, rc);
	bind_text(st, 7, x->rhost, rc);
	bind_text(st, 8, x->device, rc);
	bind_text(st, 9, x->source, rc);
	bind_i64(st, 10, x->pid, rc);
	bind_u64(st, 11, x->opened, rc);
	bind_u64(st, 12, x->pid_start, rc);
}

static int session_read(sqlite3_stmt *st, struct store_session *x)
{
	struct row w = {st, 0, 0};

	memset(x, 0, sizeof(*x));
	row_text(&w, x->id, sizeof(x->id));
	row_text(&w, x->login_id, sizeof(x->login_id));
	x->user_id = row_i64(&w);
	row_text(&w, x->user, sizeof(x->user));
	row_text(&w, x->service, sizeof(x->service));
	row_text(&w, x->tty, sizeof(x->tty));
	row_text(&w, x->rhost, sizeof(x->rhost));
	row_text(&w, x->device, sizeof(x->device));
	row_text(&w, x->source, sizeof(x->source));
	x->pid = row_u32(&w);
	x->opened = row_u64(&w);
	x->pid_start = row_u64(&w);
	return w.r;
}

int store_session_open(struct store *s, const struct store_session *sess, uint32_t max_sessions)
{
	sqlite3_stmt *st;
	uint32_t n = 0;
	int rc = SQLITE_OK, r;

	if ((r = FIELD_CHECK(sess->id)) < 0 || (r = FIELD_CHECK(sess->login_id)) < 0 ||
	    (r = FIELD_CHECK(sess->user)) < 0 || (r = FIELD_CHECK(sess->service)) < 0 ||
	    (r = FIELD_CHECK(sess->tty)) < 0 || (r = FIELD_CHECK(sess->rhost)) < 0 ||
	    (r = FIELD_CHECK(sess->device)) < 0 || (r = FIELD_CHECK(sess->source)) < 0)
		return r;
	if (!sess->id[0])
		return -EINVAL;
	/* IMMEDIATE: the count and the insert see the same set of sessions. */
	if ((r = tx_begin(s, true)) < 0)
		return r;
	if (max_sessions > 0) {
		st = st_use(s, ST_SESSION_COUNT);
		bind_i64(st, 1, sess->user_id, &rc);
		if ((r = count_query(s, st, rc, &n)) < 0)
			goto out;
		if (n >= max_sessions) {
			r = -EUSERS;
			goto out;
		}
	}
	st = st_use(s, ST_SESSION_INSERT);
	session_bind(st, sess, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_session_close(struct store *s, const char *id, const char *user, uint32_t pid, uint64_t pid_start,
                        uint64_t now, struct store_session *ret_closed)
{
	struct store_session x;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = str_check(user, VIGIL_USER_MAX)) < 0)
		return r;
	if (!id[0])
		return -ENOENT;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	st = st_use(s, ST_SESSION_BY_ID);
	bind_text(st, 1, id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	r = session_read(st, &x);
	sqlite3_reset(st);
	if (r < 0)
		goto out;
	/* The id alone is not enough: it may have been seen by the user (it
	 * is no secret); only the process that opened it, for its user, may
	 * close it. */
	if (strcmp(x.user, user) != 0 || x.pid != pid || x.pid_start != pid_start) {
		r = -EPERM;
		goto out;
	}
	st = st_use(s, ST_SESSION_CLOSE);
	bind_text(st, 1, x.id, &rc);
	bind_u64(st, 2, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	if (ret_closed)
		*ret_closed = x;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_session_find(struct store *s, const uint32_t *pids, const uint64_t *starts, size_t n, const char *lend_user,
                       struct store_session *ret)
{
	struct store_session x;
	sqlite3_stmt *st = s->st[ST_SESSION_BY_PID];
	size_t i;
	int rc = SQLITE_OK, r = -ENOENT;

	if ((!pids || !starts) && n > 0)
		return -EINVAL;
	if (!lend_user)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		st = st_use(s, ST_SESSION_BY_PID);
		bind_i64(st, 1, pids[i], &rc);
		bind_u64(st, 2, starts[i], &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
			goto out;
		if (r == 1)
			break;
	}
	if (i == n) {
		r = -ENOENT;
		goto out;
	}
	if ((r = session_read(st, &x)) < 0)
		goto out;
	/* The nearest session decides: one of another user is not lent, and
	 * an older one further up is not looked for behind it. */
	if (strcmp(x.user, lend_user) != 0) {
		r = -ENOENT;
		goto out;
	}
	*ret = x;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

struct open_session {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	uint32_t pid;
	uint64_t pid_start;
};

int store_session_reconcile(struct store *s, bool (*alive)(uint32_t pid, uint64_t pid_start), uint64_t now,
                            unsigned *ret_closed)
{
	struct open_session *open = NULL, *grown;
	size_t n = 0, cap = 0, i;
	unsigned closed = 0;
	sqlite3_stmt *st;
	struct row w;
	int rc = SQLITE_OK, r;

	if (!alive)
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Collect first: the rows are updated after the scan is over. */
	st = st_use(s, ST_SESSION_OPEN_ALL);
	while ((r = st_row(st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(open, cap, sizeof(*open));
			if (!grown) {
				sqlite3_reset(st);
				r = -ENOMEM;
				goto out;
			}
			open = grown;
		}
		w = (struct row){st, 0, 0};
		row_text(&w, open[n].id, sizeof(open[n].id));
		open[n].pid = row_u32(&w);
		open[n].pid_start = row_u64(&w);
		if ((r = w.r) < 0) {
			sqlite3_reset(st);
			goto out;
		}
		n++;
	}
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (alive(open[i].pid, open[i].pid_start))
			continue;
		st = st_use(s, ST_SESSION_CLOSE);
		bind_text(st, 1, open[i].id, &rc);
		bind_u64(st, 2, now, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
		closed += (unsigned)r;
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	if (ret_closed)
		*ret_closed = closed;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	free(open);
	return r;
}

/* Runs one of the status list queries for user_id, capped at VIGIL_LIST_MAX;
 * each row goes to fill(), which reads its columns. */
static int status_list(struct store *s, enum st id, int64_t user_id, struct vigil_status_report *rep,
                       int (*fill)(struct row *w, struct vigil_status_report *rep))
{
	sqlite3_stmt *st = st_use(s, id);
	struct row w;
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_i64(st, 2, VIGIL_LIST_MAX, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		w = (struct row){st, 0, 0};
		if ((r = fill(&w, rep)) < 0)
			goto out;
	}
out:
	sqlite3_reset(st);
	return r;
}

static int fill_factor(struct row *w, struct vigil_status_report *rep)
{
	struct vigil_factor_info *f;

	if (rep->n_factors >= VIGIL_LIST_MAX)
		return 0;
	f = &rep->factors[rep->n_factors];
	f->type = VIGIL_FACTOR_TOTP;
	f->created = row_u64(w);
	f->last_used = row_u64(w);
	if (w->r == 0)
		rep->n_factors++;
	return w->r;
}

static int fill_device(struct row *w, struct vigil_status_report *rep)
{
	struct vigil_device_info *d;

	if (rep->n_devices >= VIGIL_LIST_MAX)
		return 0;
	d = &rep->devices[rep->n_devices];
	row_text(w, d->fingerprint, sizeof(d->fingerprint));
	d->first_seen = row_u64(w);
	d->last_seen = row_u64(w);
	if (w->r == 0)
		rep->n_devices++;
	return w->r;
}

static int fill_source(struct row *w, struct vigil_status_report *rep)
{
	struct vigil_source_info *x;

	if (rep->n_sources >= VIGIL_LIST_MAX)
		return 0;
	x = &rep->sources[rep->n_sources];
	row_text(w, x->addr, sizeof(x->addr));
	x->first_seen = row_u64(w);
	x->last_seen = row_u64(w);
	if (w->r == 0)
		rep->n_sources++;
	return w->r;
}

static int fill_login(struct row *w, struct vigil_status_report *rep)
{
	struct vigil_login_info *l;
	uint32_t outcome;

	if (rep->n_logins >= VIGIL_LIST_MAX)
		return 0;
	l = &rep->logins[rep->n_logins];
	l->time = row_u64(w);
	row_text(w, l->service, sizeof(l->service));
	/* A login keeps its source address; that is the host it came from. */
	row_text(w, l->rhost, sizeof(l->rhost));
	outcome = row_u32(w);
	l->score = row_u32(w);
	l->signals = row_u32(w);
	if (w->r == 0 && outcome > UINT8_MAX)
		w->r = -EBADMSG;
	l->outcome = (uint8_t)outcome;
	if (w->r == 0)
		rep->n_logins++;
	return w->r;
}

int store_status(struct store *s, const char *user, struct vigil_status_report *ret)
{
	struct vigil_status_report *rep = NULL;
	struct store_user u;
	int r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0)
		return r;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	if ((r = tx_begin(s, false)) < 0)
		goto out;
	if ((r = store_user_find(s, user, &u)) < 0)
		goto out;
	strcpy(rep->user, user);
	rep->locked_until = u.locked_until;
	if ((r = status_list(s, ST_STATUS_FACTORS, u.id, rep, fill_factor)) < 0 ||
	    (r = status_list(s, ST_STATUS_DEVICES, u.id, rep, fill_device)) < 0 ||
	    (r = status_list(s, ST_STATUS_SOURCES, u.id, rep, fill_source)) < 0 ||
	    (r = status_list(s, ST_STATUS_LOGINS, u.id, rep, fill_login)) < 0)
		goto out;
	if ((r = tx_commit(s)) < 0)
		goto out;
	memcpy(ret, rep, sizeof(*ret));
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	free(rep);
	return r;
}

int store_prune(struct store *s, uint64_t before)
{
	static const enum st prune[] = {ST_PRUNE_FAILURES, ST_PRUNE_LOGINS, ST_PRUNE_GRANTS, ST_PRUNE_SESSIONS};
	sqlite3_stmt *st;
	size_t i;
	int rc = SQLITE_OK, r;

	if ((r = tx_begin(s, true)) < 0)
		return r;
	for (i = 0; i < sizeof(prune) / sizeof(prune[0]); i++) {
		st = st_use(s, prune[i]);
		bind_u64(st, 1, before, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_prune_user_history(struct store *s, uint64_t since, uint32_t keep)
{
	int64_t *ids = NULL, *grown;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if (keep == 0)
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Collect first: the rows are deleted after the scan is over. */
	st = st_use(s, ST_PRUNE_RECENT_USERS);
	bind_u64(st, 1, since, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(ids, cap, sizeof(*ids));
			if (!grown) {
				sqlite3_reset(st);
				r = -ENOMEM;
				goto out;
			}
			ids = grown;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (r < 0)
		goto out;
	for (i = 0; i < n; i++) {
		st = st_use(s, ST_PRUNE_USER_HISTORY);
		bind_i64(st, 1, ids[i], &rc);
		bind_i64(st, 2, keep, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
	}
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	free(ids);
	return r < 0 ? r : 0;
}
