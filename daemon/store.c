/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SQLite backend of the store (see store.h): opening and migrating the
 * database, every SQL text, and the helpers its table families share
 * (store_impl.h; store_user.c, store_login.c, store_factor.c,
 * store_session.c).  Only these files talk to SQLite.  They trust neither its callers' strings (lengths are checked
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
#include "store_impl.h"
#include "why.h"
#include "wipe.h"

/* How long a statement waits for a lock held by another connection (an
 * admin's sqlite3 shell, the checkpointer's TRUNCATE when idle). */
#define STORE_BUSY_TIMEOUT_MS 5000

/* The page cache (KiB): at 1M users and 10M history rows the database is
 * about 2 GiB, but a login reads only the interior pages of each index it
 * walks (a few MiB) and one leaf per lookup.  12 MiB keeps every interior
 * page and the leaves of recently active users resident, and keeps vigild
 * under 32 MiB of RSS (about 10 MiB without the cache).  SQLite's default
 * is 2 MiB: at 100k users the indexes no longer fit. */
#define STORE_CACHE_KIB 12288

/* What a WAL file is cut back to after a checkpoint reset it (bytes): a
 * little over the checkpointer's threshold, so it is not regrown. */
#define STORE_WAL_LIMIT (8 * 1024 * 1024)

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
    /* 2 -> 3: why each login was decided, for `vigilctl explain` (the
     * audit record says it too, but the journal may be gone or rotated).
     * logins.reason: enum vigil_reason of the outcome.
     * logins.verdict: enum vigil_verdict the policy gave before any step-up
     *   (0: recorded before this schema), logins.why: enum vigil_prompt_why
     *   of a step-up, logins.shadow: 1 if shadow mode allowed it.  Since
     *   learn mode (no migration: the values fit), logins.shadow is the
     *   enum vigil_mode a login was decided under, 0 enforce, 1 shadow,
     *   2 learn; with a verdict other than allow, that mode let it in. */
    "ALTER TABLE logins ADD COLUMN reason INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN verdict INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN why INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;",
    /* 3 -> 4: security keys and recovery codes.
     * keys: a user's FIDO2 credentials (kind 1) and OpenSSH security keys
     *   (kind 2, enum store_key_kind).  fido2: cred_id is the credential id,
     *   cose_alg the COSE algorithm (-7 ES256, -8 EdDSA), pubkey the raw
     *   public key (ES256: x || y, 64 bytes; EdDSA: 32 bytes), sign_count
     *   the highest signature counter seen.  ssh-sk: cred_id is the
     *   "SHA256:..." fingerprint of the key blob (as text bytes), pubkey the
     *   key blob, cose_alg and sign_count 0 (no counter reaches PAM).
     *   flags: STORE_KEY_* bits (uv at enrollment, resident, a counter that
     *   stays 0, cloned).  name: the user's label, unique per user.
     * recovery_codes: one row per code of the user's current set; salt is
     *   the set's (shared by its rows), hash the code's KDF output, used
     *   the time it was used (0: not yet).  Generating a set deletes the
     *   old one.  AUTOINCREMENT: an id is never given twice, so an id read
     *   from a set since replaced or removed never names a new code. */
    "CREATE TABLE keys ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
    "  name TEXT NOT NULL,"
    "  cred_id BLOB NOT NULL,"
    "  cose_alg INTEGER NOT NULL DEFAULT 0,"
    "  pubkey BLOB NOT NULL,"
    "  sign_count INTEGER NOT NULL DEFAULT 0,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (user_id, kind, cred_id),"
    "  UNIQUE (user_id, name));"
    "CREATE TABLE recovery_codes ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL,"
    "  salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  used INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX recovery_codes_user ON recovery_codes(user_id);"
    /* logins.method: the factor kind that proved a step-up (enum
     * vigil_factor_type; 0 in older rows: TOTP), logins.factor_id its row
     * (totp_factors, keys or recovery_codes), so the account phase can
     * refuse a login whose factor was removed in between. */
    "ALTER TABLE logins ADD COLUMN method INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE logins ADD COLUMN factor_id INTEGER NOT NULL DEFAULT 0;",
    /* 4 -> 5: sessions vigild ends (issue 10).
     * sessions.last_activity: the last activity seen (seconds; the open
     *   time until the watcher sees more), ends_at: the absolute end of
     *   its lifetime (0: none), warned_at: when the idle warning was
     *   written (0: not yet), so that a restarted vigild keeps the
     *   countdown; band: what the login was (0 plain, 1 stepped up, 2 new
     *   device); end_cause: why it was closed ("" for a close by its
     *   login service; idle_end, lifetime_end, revoked, ended_oldest,
     *   suspended, lost); uid: the user's uid at the open (-1: before
     *   this schema), the owner its terminal must have to be written to.
     * users.suspended: 1 while an admin has the account suspended. */
    "ALTER TABLE sessions ADD COLUMN last_activity INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN ends_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN warned_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN band INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sessions ADD COLUMN end_cause TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE sessions ADD COLUMN uid INTEGER NOT NULL DEFAULT -1;"
    "UPDATE sessions SET last_activity = opened;"
    "CREATE INDEX sessions_open_source ON sessions(user_id, source) WHERE closed IS NULL;"
    "ALTER TABLE users ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;",
    /* 5 -> 6: a login's id is an integer (issue 11).  A random text key
     *   put every insert on a random page of its index; logins.id is the
     *   rowid, handed out increasing (store_login_new_id()), so a new row
     *   lands on the rightmost page of the table and nothing else keys on
     *   it.  On the wire it is its decimal text.  Rows from before keep
     *   their text id in login_id (NULL in new rows, indexed only where
     *   set), so the ids already in the journal, in sessions.login_id and
     *   in an admin's notes still name them; their id is their old rowid,
     *   smaller than any new one (new ids start at the clock in
     *   microseconds).
     * logins_time stays: age pruning, the recent-users pass and the
     *   history listing select by time, and a time read from an id would be
     *   wrong for the rows written after the clock was set back (the id
     *   then runs ahead of the clock) and for every migrated row. */
    "CREATE TABLE logins_v6 ("
    "  id INTEGER PRIMARY KEY,"
    "  login_id TEXT,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  user TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  device TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  signals INTEGER NOT NULL,"
    "  outcome INTEGER NOT NULL,"
    "  stepped_up INTEGER NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  committed INTEGER NOT NULL DEFAULT 1,"
    "  caller_uid INTEGER NOT NULL DEFAULT 0,"
    "  party TEXT NOT NULL DEFAULT '',"
    "  activate_factor INTEGER NOT NULL DEFAULT 0,"
    "  activate_step INTEGER NOT NULL DEFAULT -1,"
    "  reason INTEGER NOT NULL DEFAULT 0,"
    "  verdict INTEGER NOT NULL DEFAULT 0,"
    "  why INTEGER NOT NULL DEFAULT 0,"
    "  shadow INTEGER NOT NULL DEFAULT 0,"
    "  method INTEGER NOT NULL DEFAULT 0,"
    "  factor_id INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO logins_v6 (id, login_id, user_id, user, service, device, source, score, signals, outcome,"
    "  stepped_up, time, committed, caller_uid, party, activate_factor, activate_step, reason, verdict, why,"
    "  shadow, method, factor_id) "
    "SELECT rowid, login_id, user_id, user, service, device, source, score, signals, outcome,"
    "  stepped_up, time, committed, caller_uid, party, activate_factor, activate_step, reason, verdict, why,"
    "  shadow, method, factor_id FROM logins ORDER BY rowid;"
    "DROP TABLE logins;"
    "ALTER TABLE logins_v6 RENAME TO logins;"
    "CREATE INDEX logins_user ON logins(user_id, time);"
    "CREATE INDEX logins_time ON logins(time);"
    "CREATE UNIQUE INDEX logins_legacy_id ON logins(login_id) WHERE login_id IS NOT NULL;",
    /* 6 -> 7: every login asks whether its user holds a TOTP factor.
     *   With active a column of the index (a constant in it: the same one
     *   factor per user), the index answers alone, and the factor's row,
     *   with its sealed secret, is read only by a login that prompts. */
    "DROP INDEX totp_one_active;"
    "CREATE UNIQUE INDEX totp_one_active ON totp_factors(user_id, active) WHERE active = 1;",
    /* 7 -> 8: what a user was last seen with, on one page.  A user's first
     *   login of a day rewrote users.last_success and the last_seen of its
     *   device and of its source: three random pages at a million users,
     *   three B-trees.  seen holds all of them, keyed by user first, so a
     *   user's rows share a leaf: kind 0 the account itself (value '',
     *   last_seen what users.last_success was, first_seen its first allowed
     *   login), 1 a device (value: its fingerprint), 2 a source address,
     *   3 a /24 or /64 prefix.  users.last_success stays as a column (SQLite
     *   before 3.35 cannot drop one), zeroed and never written again. */
    "CREATE TABLE seen ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  kind INTEGER NOT NULL CHECK (kind IN (0, 1, 2, 3)),"
    "  value TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, kind, value)) WITHOUT ROWID;"
    "INSERT INTO seen (user_id, kind, value, first_seen, last_seen) "
    "SELECT * FROM ("
    "SELECT id, 0, '', CASE WHEN first_allowed > 0 THEN first_allowed ELSE last_success END, last_success "
    "FROM users WHERE last_success > 0 "
    "UNION ALL SELECT user_id, 1, fingerprint, first_seen, last_seen FROM devices "
    "UNION ALL SELECT user_id, 2, addr, first_seen, last_seen FROM sources "
    "UNION ALL SELECT user_id, 3, prefix, first_seen, last_seen FROM prefixes) "
    "ORDER BY 1, 2, 3;"
    "DROP TABLE devices;"
    "DROP TABLE sources;"
    "DROP TABLE prefixes;"
    "UPDATE users SET last_success = 0 WHERE last_success != 0;",
};
#define STORE_SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define SESSION_COLS                                                                                                   \
	"id, login_id, user_id, user, service, tty, rhost, device, source, pid, opened, pid_start, last_activity, "    \
	"ends_at, warned_at, band, end_cause, uid"
#define TOTP_COLS "id, sealed, digits, period, last_step, created, last_used"
#define KEY_COLS  "id, user_id, kind, name, cred_id, cose_alg, pubkey, sign_count, flags, created, last_used"
/* The columns of a login after its ids. */
#define LOGIN_DATA_COLS                                                                                                \
	"user_id, user, service, device, source, score, signals, outcome, stepped_up, time, committed, caller_uid, "   \
	"party, activate_factor, activate_step, reason, verdict, why, shadow, method, factor_id"
/* A login row as the store reads it: its wire id first (the text id of a
 * row from before schema 6, else the decimal rowid), then its data. */
#define LOGIN_COLS "id, coalesce(login_id, CAST(id AS TEXT)), " LOGIN_DATA_COLS

/* Partial indexes are used only when the WHERE clause repeats their
 * condition literally, hence the separate active / pending statements. */
static const char *const st_sql[ST_MAX_] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT inner",
    [ST_RELEASE] = "RELEASE inner",
    [ST_ROLLBACK_TO] = "ROLLBACK TO inner",
    [ST_USER_BY_NAME] = "SELECT id, first_seen, locked_until, first_allowed, suspended FROM users WHERE name = ?1",
    /* A user suspended before any login gets its row now. */
    [ST_USER_SUSPEND] = "INSERT INTO users (name, first_seen, suspended) "
                        "VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER), ?2) "
                        "ON CONFLICT (name) DO UPDATE SET suspended = ?2",
    [ST_USER_INSERT] = "INSERT INTO users (name, first_seen) VALUES (?1, ?2)",
    [ST_USER_LOCK] = "UPDATE users SET locked_until = ?2 WHERE id = ?1",
    [ST_USER_UNLOCK] = "UPDATE users SET locked_until = 0 WHERE name = ?1",
    /* The first allowed login's time, once: it writes the user's row. */
    [ST_USER_FIRST_ALLOWED] = "UPDATE users SET first_allowed = ?2 WHERE id = ?1 AND first_allowed = 0",
    [ST_USER_EXISTS] = "SELECT 1 FROM users WHERE id = ?1",
    /* What a login was seen with (schema 7 -> 8): the account (?1), its
     * device (?2), source (?3) and prefix (?4), those of them given, are
     * learned at ?5, or their last_seen moves there when it is more than
     * ?6 seconds (STORE_SEEN_REFRESH) older: a login that would only
     * rewrite them by minutes writes no page.  They are only ever older
     * than the truth, by less than a day, so a "stale" signal may fire up
     * to a day early, never late. */
    [ST_SEEN] = "INSERT INTO seen (user_id, kind, value, first_seen, last_seen) "
                "SELECT ?1, column1, column2, ?5, ?5 FROM (VALUES (" SEEN_ACCOUNT ", ''), (" SEEN_DEVICE ", ?2), "
                "(" SEEN_SOURCE ", ?3), (" SEEN_PREFIX ", ?4)) WHERE column1 = " SEEN_ACCOUNT " OR column2 != '' "
                "ON CONFLICT (user_id, kind, value) DO UPDATE SET last_seen = excluded.last_seen "
                "WHERE last_seen < excluded.last_seen - ?6",
    [ST_ACCOUNT_GET] = "SELECT last_seen FROM seen WHERE user_id = ?1 AND kind = " SEEN_ACCOUNT " AND value = ?2",
    [ST_DEVICE_GET] = "SELECT last_seen FROM seen WHERE user_id = ?1 AND kind = " SEEN_DEVICE " AND value = ?2",
    [ST_SOURCE_GET] = "SELECT 1 FROM seen WHERE user_id = ?1 AND kind = " SEEN_SOURCE " AND value = ?2",
    [ST_PREFIX_GET] = "SELECT 1 FROM seen WHERE user_id = ?1 AND kind = " SEEN_PREFIX " AND value = ?2",
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
    /* The failures that count against the user; a local caller's stay its own. */
    [ST_FAILURES_CLEAR_USER] = "DELETE FROM failures WHERE user = ?1 AND local = 0",
    [ST_FAILURES_CLEAR_SOURCE] = "DELETE FROM failures WHERE source = ?1",
    [ST_GRANT_GET] = "SELECT granted FROM grants "
                     "WHERE user_id = ?1 AND device = ?2 AND source = ?3 AND expires > ?4",
    [ST_GRANT_PUT] = "INSERT OR REPLACE INTO grants (user_id, device, source, granted, expires) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
    /* ?1 the id (NULL: a text id, ?2, given by a caller of before
     * schema 6; the row then takes the next rowid). */
    [ST_LOGIN_PUT] = "INSERT INTO logins (id, login_id, " LOGIN_DATA_COLS ") "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                     "?20, ?21, ?22, ?23)",
    /* A row with a text id is named by that id only. */
    [ST_LOGIN_GET] = "SELECT " LOGIN_COLS " FROM logins WHERE id = ?1 AND login_id IS NULL",
    [ST_LOGIN_GET_LEGACY] = "SELECT " LOGIN_COLS " FROM logins WHERE login_id = ?1",
    [ST_LOGIN_MAX_ID] = "SELECT max(id) FROM logins",
    /* Single use: only one account phase ever claims a login. */
    [ST_LOGIN_CLAIM] = "UPDATE logins SET committed = 1 WHERE id = ?1 AND committed IN (0, 2)",
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
    /* From the index totp_one_active alone (schema 7): the factor's row,
     * and the sealed secret in it, is not read. */
    [ST_TOTP_ACTIVE_ID] = "SELECT id FROM totp_factors WHERE user_id = ?1 AND active = 1",
    [ST_TOTP_DIGITS] = "SELECT digits FROM totp_factors WHERE id = ?1",
    [ST_SESSION_COUNT] = "SELECT count(*) FROM sessions WHERE user_id = ?1 AND closed IS NULL",
    [ST_SESSION_COUNT_SOURCE] = "SELECT count(*) FROM sessions WHERE user_id = ?1 AND source = ?2 "
                                "AND closed IS NULL",
    /* end_oldest's victims: the oldest first (rowid breaks a tie of the
     * same second: the one inserted first). */
    [ST_SESSION_OLDEST] = "SELECT " SESSION_COLS " FROM sessions WHERE user_id = ?1 AND closed IS NULL "
                          "ORDER BY opened, rowid LIMIT ?2",
    [ST_SESSION_OLDEST_SOURCE] = "SELECT " SESSION_COLS " FROM sessions WHERE user_id = ?1 AND source = ?2 "
                                 "AND closed IS NULL ORDER BY opened, rowid LIMIT ?3",
    [ST_SESSION_INSERT] =
        "INSERT INTO sessions (" SESSION_COLS ", closed) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, NULL)",
    [ST_SESSION_ENDED_BY_ID] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1 AND closed IS NOT NULL "
                               "AND end_cause <> ''",
    [ST_SESSION_END] = "UPDATE sessions SET closed = ?2, end_cause = ?3 WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_TOUCH] = "UPDATE sessions SET last_activity = ?2, warned_at = ?3 WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_LIST] = "SELECT " SESSION_COLS " FROM sessions WHERE closed IS NULL AND id > ?1 "
                        "ORDER BY id LIMIT ?2",
    [ST_SESSION_LIST_USER] = "SELECT " SESSION_COLS " FROM sessions WHERE closed IS NULL AND user = ?3 "
                             "AND id > ?1 ORDER BY id LIMIT ?2",
    /* A pid names the session's process only with its start time. */
    [ST_SESSION_BY_PID] = "SELECT " SESSION_COLS " FROM sessions WHERE pid = ?1 AND pid_start = ?2 "
                          "AND closed IS NULL ORDER BY opened DESC LIMIT 1",
    [ST_SESSION_BY_ID] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_CLOSE] = "UPDATE sessions SET closed = ?2 WHERE id = ?1 AND closed IS NULL",
    [ST_SESSION_OPEN_ALL] = "SELECT " SESSION_COLS " FROM sessions WHERE closed IS NULL",
    [ST_KEY_LIST] = "SELECT " KEY_COLS " FROM keys WHERE user_id = ?1 ORDER BY created, id",
    [ST_KEY_GET] = "SELECT " KEY_COLS " FROM keys WHERE user_id = ?1 AND name = ?2",
    [ST_KEY_INSERT] = "INSERT INTO keys (user_id, kind, name, cred_id, cose_alg, pubkey, sign_count, flags, created) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_KEY_COUNT] = "SELECT count(*) FROM keys WHERE user_id = ?1",
    [ST_KEY_RENAME] = "UPDATE keys SET name = ?3 WHERE user_id = ?1 AND name = ?2",
    [ST_KEY_DELETE] = "DELETE FROM keys WHERE user_id = ?1 AND name = ?2",
    /* The counter only goes up (a key that never counts stays at 0), and
     * a key flagged cloned is never used again: checked in the statement
     * that writes it, so two logins racing with one key cannot both win. */
    [ST_KEY_USE] = "UPDATE keys SET sign_count = ?2, last_used = ?3 WHERE id = ?1 AND (flags & 8) = 0 "
                   "AND (sign_count < ?2 OR (?2 = 0 AND sign_count = 0))",
    [ST_KEY_FLAG] = "UPDATE keys SET flags = flags | ?2 WHERE id = ?1",
    [ST_KEY_EXISTS] = "SELECT flags FROM keys WHERE id = ?1",
    [ST_RECOVERY_COUNT] = "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used = 0",
    [ST_GRANTS_DELETE_USER] = "DELETE FROM grants WHERE user_id = ?1",
    /* Every factor as the user sees it: the TOTP factor, each key (kind
     * 1 fido2 -> VIGIL_FACTOR_FIDO2 2, kind 2 ssh-sk -> 3), and the
     * recovery codes left as one line (VIGIL_FACTOR_RECOVERY 4). */
    [ST_STATUS_FACTORS] = "SELECT type, name, created, last_used, remaining FROM ("
                          "SELECT 1 AS type, '' AS name, created, last_used, 0 AS remaining FROM totp_factors "
                          "WHERE user_id = ?1 AND active = 1 "
                          "UNION ALL SELECT kind + 1, name, created, last_used, 0 FROM keys WHERE user_id = ?1 "
                          "UNION ALL SELECT 4, '', min(created), max(used), count(*) FROM recovery_codes "
                          "WHERE user_id = ?1 AND used = 0 HAVING count(*) > 0) "
                          "ORDER BY created DESC LIMIT ?2",
    [ST_STATUS_DEVICES] = "SELECT value, first_seen, last_seen FROM seen WHERE user_id = ?1 AND kind = " SEEN_DEVICE
                          " ORDER BY last_seen DESC LIMIT ?2",
    [ST_STATUS_SOURCES] = "SELECT value, first_seen, last_seen FROM seen WHERE user_id = ?1 AND kind = " SEEN_SOURCE
                          " ORDER BY last_seen DESC LIMIT ?2",
    [ST_STATUS_LOGINS] = "SELECT time, service, source, outcome, score, signals, reason, verdict, shadow FROM logins "
                         "WHERE user_id = ?1 ORDER BY time DESC LIMIT ?2",
    [ST_STATUS_GRANTS] = "SELECT device, source, granted, expires FROM grants WHERE user_id = ?1 AND expires > ?3 "
                         "ORDER BY granted DESC LIMIT ?2",
    /* The oldest first, a step at a time (store_prune_step()), each by its
     * index on time. */
    [ST_PRUNE_FAILURES] =
        "DELETE FROM failures WHERE id IN (SELECT id FROM failures WHERE time < ?1 ORDER BY time LIMIT ?2)",
    [ST_PRUNE_LOGINS] = "DELETE FROM logins WHERE id IN (SELECT id FROM logins WHERE time < ?1 ORDER BY time LIMIT ?2)",
    [ST_PRUNE_GRANTS] = "DELETE FROM grants WHERE expires <= ?1",
    [ST_PRUNE_SESSIONS] = "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE closed IS NOT NULL "
                          "AND closed < ?1 ORDER BY closed LIMIT ?2)",
    /* Only users with logins since the last pass can be over the cap: the
     * next slice of those logins, in the order of logins_time: the rest of
     * the second the last slice ended in, then the seconds after it.  (One
     * row-value condition, (time, id) > (?1, ?2), would scan that second
     * again from its start for every slice.) */
    [ST_PRUNE_PASS_SAME_SECOND] =
        "SELECT time, id, user_id FROM logins WHERE time = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    [ST_PRUNE_PASS_LATER] =
        "SELECT time, id, user_id FROM logins WHERE time > ?1 AND time <= ?2 ORDER BY time, id LIMIT ?3",
    [ST_PRUNE_USER_HISTORY] = "DELETE FROM logins WHERE user_id = ?1 AND time < "
                              "(SELECT time FROM logins WHERE user_id = ?1 ORDER BY time DESC LIMIT 1 OFFSET ?2 - 1)",
};

/* Maps an SQLite result code to a negative errno. */
int sql_error(int rc)
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
int str_check(const char *v, size_t max)
{
	if (!v)
		return -EINVAL;
	return strnlen(v, max + 1) > max ? -E2BIG : 0;
}

/* Resets a cached statement for a new use.  Binding is sticky: the first
 * failure is kept in *rc and later binds are skipped. */
sqlite3_stmt *st_use(struct store *s, enum st id)
{
	sqlite3_stmt *st = s->st[id];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int st_prepare(struct store *s, const char *sql, sqlite3_stmt **ret)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

	return rc == SQLITE_OK ? 0 : sql_error(rc);
}

void bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* "" is stored as NULL (a local login has no source); so is NULL, which
 * callers pass for "any" (the verbs' stand-in crashed vigild on it). */
void bind_text_or_null(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v && v[0] ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

void bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

/* Times and counters are unsigned here and signed in SQLite. */
void bind_u64(sqlite3_stmt *st, int i, uint64_t v, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	*rc = v > (uint64_t)INT64_MAX ? SQLITE_RANGE : sqlite3_bind_int64(st, i, (int64_t)v);
}

void bind_blob(sqlite3_stmt *st, int i, const uint8_t *v, size_t n, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_blob(st, i, v, (int)n, SQLITE_STATIC);
}

int bind_result(int rc)
{
	return rc == SQLITE_OK ? 0 : rc == SQLITE_RANGE ? -ERANGE : -EINVAL;
}

/* Runs a statement that returns no row.  Returns the number of rows it
 * changed, or a negative errno. */
int st_exec(struct store *s, sqlite3_stmt *st)
{
	int rc;

	/* SQLite may have rolled the whole transaction back on an error (a
	 * full disk): what follows must not run outside it, one statement at
	 * a time. */
	if (s->tx_depth > 0 && sqlite3_get_autocommit(s->db))
		return -EIO;
	rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sql_error(rc);
	return sqlite3_changes(s->db);
}

/* Steps a query: 1 for a row (left pending: the caller reads it, then
 * resets), 0 for none, or a negative errno. */
int st_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_error(rc);
}

int64_t row_i64(struct row *w)
{
	int c = w->col++;

	if (w->r == 0 && sqlite3_column_type(w->st, c) != SQLITE_INTEGER)
		w->r = -EBADMSG;
	return w->r == 0 ? sqlite3_column_int64(w->st, c) : 0;
}

uint64_t row_u64(struct row *w)
{
	int64_t v = row_i64(w);

	if (v < 0 && w->r == 0)
		w->r = -EBADMSG;
	return w->r == 0 ? (uint64_t)v : 0;
}

uint32_t row_u32(struct row *w)
{
	uint64_t v = row_u64(w);

	if (v > UINT32_MAX && w->r == 0)
		w->r = -EBADMSG;
	return w->r == 0 ? (uint32_t)v : 0;
}

/* A text column into out[cap]: no NUL inside, shorter than cap. */
void row_text(struct row *w, char *out, size_t cap)
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

int tx_begin(struct store *s, bool immediate)
{
	int r;

	if (s->tx_depth >= STORE_TX_DEPTH_MAX)
		return -EINVAL;
	/* Inside the caller's transaction, a savepoint.  A write inside a
	 * read transaction takes the write lock at its first write: vigild
	 * is the only writer, so its snapshot is never stale. */
	if ((r = st_exec(s, s->st[s->tx_depth > 0 ? ST_SAVEPOINT : immediate ? ST_BEGIN_IMMEDIATE : ST_BEGIN])) < 0)
		return r;
	s->tx[s->tx_depth] = (struct tx_level){.changes0 = sqlite3_total_changes64(s->db)};
	s->tx_depth++;
	return 0;
}

int tx_begin_read(struct store *s)
{
	if (s->tx_depth == 0)
		return tx_begin(s, false);
	if (s->tx_depth >= STORE_TX_DEPTH_MAX)
		return -EINVAL;
	s->tx[s->tx_depth] = (struct tx_level){.changes0 = sqlite3_total_changes64(s->db), .read_only = true};
	s->tx_depth++;
	return 0;
}

/* The history-only changes of the level that just committed: all of them
 * if it said so (and nothing durable), else what its inner levels said. */
static int64_t level_history(const struct store *s, const struct tx_level *t)
{
	return t->history && !t->durable ? sqlite3_total_changes64(s->db) - t->changes0 : t->credit;
}

int tx_commit(struct store *s)
{
	struct tx_level *t;
	int r;

	if (s->tx_depth == 0)
		return -EINVAL;
	t = &s->tx[s->tx_depth - 1];
	if (t->read_only) {
		s->tx_depth--;
		return 0;
	}
	if ((r = st_exec(s, s->st[s->tx_depth > 1 ? ST_RELEASE : ST_COMMIT])) < 0) {
		tx_rollback(s);
		return r;
	}
	s->tx_depth--;
	if (s->tx_depth > 0)
		s->tx[s->tx_depth - 1].credit += level_history(s, t);
	else
		s->history_changes += level_history(s, t);
	return 0;
}

/* NULL-safe in spirit: a no-op outside a transaction.  Inside a nested one
 * it undoes that one only. */
void tx_rollback(struct store *s)
{
	if (s->tx_depth > 1 && s->tx[s->tx_depth - 1].read_only) {
		s->tx_depth--;
		return;
	}
	if (s->tx_depth > 1) {
		(void)st_exec(s, s->st[ST_ROLLBACK_TO]);
		(void)st_exec(s, s->st[ST_RELEASE]);
		s->tx_depth--;
		return;
	}
	s->tx_depth = 0;
	if (!sqlite3_get_autocommit(s->db))
		(void)st_exec(s, s->st[ST_ROLLBACK]);
}

int store_tx_begin(struct store *s, bool write)
{
	return tx_begin(s, write);
}

int store_tx_commit(struct store *s)
{
	return tx_commit(s);
}

void store_tx_rollback(struct store *s)
{
	tx_rollback(s);
}

void store_tx_history(struct store *s)
{
	if (s->tx_depth > 0)
		s->tx[s->tx_depth - 1].history = true;
}

void store_tx_durable(struct store *s)
{
	if (s->tx_depth > 0)
		s->tx[s->tx_depth - 1].durable = true;
}

/* Rows changed so far that were not history only: grows with every durable
 * change, committed or not (a rolled-back one costs a needless sync, never
 * a missing one). */
int64_t store_durable_mark(const struct store *s)
{
	return sqlite3_total_changes64(s->db) - s->history_changes;
}

bool store_durable_pending(const struct store *s)
{
	return store_durable_mark(s) != s->synced;
}

int store_sync(struct store *s)
{
	int64_t mark = store_durable_mark(s);
	sqlite3_file *wal = NULL;
	int rc;

	if (mark == s->synced)
		return 0;
	if (s->tx_depth > 0)
		return -EBUSY;
	/* The write-ahead log, as SQLite itself syncs it at a commit under
	 * synchronous=FULL: every frame written so far, the durable ones
	 * and the history around them (and its directory, the first time). */
	rc = sqlite3_file_control(s->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
	if (rc != SQLITE_OK || !wal || !wal->pMethods)
		return -EIO;
	if ((rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL)) != SQLITE_OK)
		return -EIO;
	s->synced = mark;
	return 0;
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
	int64_t version = 0;
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
			why_set(why, whylen, "%s%s: path too long", path, companions[i]);
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
	why_set(why, whylen, "%s", "");
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

/* Opens path for the store's own connection, the file and its -wal and
 * -shm checked first; its identity in *ret_st. */
static int store_db_open(const char *path, sqlite3 **ret, struct stat *ret_st, char *why, size_t whylen)
{
	sqlite3 *db = NULL;
	struct stat st = {0}, now_st;
	int fd = -1, flags, rc, r;

	if ((r = open_checked(path, &fd, &st, why, whylen)) < 0)
		goto out;
	flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	/* The path must still name the file we checked.  Our descriptor is
	 * closed before SQLite takes any lock: closing another descriptor of
	 * the file later would drop SQLite's POSIX locks. */
	if (lstat(path, &now_st) < 0 || now_st.st_dev != st.st_dev || now_st.st_ino != st.st_ino) {
		r = -EPERM;
		why_set(why, whylen, "%s: replaced while being opened", path);
		goto out;
	}
	close(fd);
	fd = -1;

	sqlite3_extended_result_codes(db, 1);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	*ret = db;
	*ret_st = st;
	db = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	sqlite3_close(db);
	return r;
}

/* Checks the file at path by lstat only (-ENOENT if absent): as
 * safe_file_open() checks a descriptor, and when want is given, the very
 * file it names. */
static int lstat_checked(const char *path, const struct stat *want, char *why, size_t whylen)
{
	struct stat st;
	char reason[256];
	int r;

	if (lstat(path, &st) < 0)
		return -errno;
	if ((r = safe_file_check(&st, SAFE_FILE_OURS | SAFE_FILE_SECRET, reason, sizeof(reason))) < 0) {
		why_set(why, whylen, "%s: %s", path, reason);
		return r;
	}
	if (want && (st.st_dev != want->st_dev || st.st_ino != want->st_ino)) {
		why_set(why, whylen, "%s: replaced since vigild opened it", path);
		return -EPERM;
	}
	return 0;
}

int store_db_open_again(struct store *s, sqlite3 **ret, char *why, size_t whylen)
{
	static const char *const companions[] = {"-wal", "-shm"};
	char side[PATH_MAX];
	sqlite3 *db = NULL;
	int flags, rc, r;
	size_t i;

	/* Nothing here opens the files: SQLite holds POSIX locks on them in
	 * this process, and closing any other descriptor of theirs would
	 * drop those locks (another process would then take the WAL for
	 * abandoned).  SQLite shares its own descriptors between
	 * connections of one process and never opens through a symlink. */
	if ((r = lstat_checked(s->path, &s->file, why, whylen)) < 0)
		goto out;
	for (i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		if ((size_t)snprintf(side, sizeof(side), "%s%s", s->path, companions[i]) >= sizeof(side)) {
			r = -ENAMETOOLONG;
			goto out;
		}
		if ((r = lstat_checked(side, NULL, why, whylen)) < 0 && r != -ENOENT)
			goto out;
	}
	flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	rc = sqlite3_open_v2(s->path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	if ((r = lstat_checked(s->path, &s->file, why, whylen)) < 0)
		goto out;
	sqlite3_extended_result_codes(db, 1);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#endif
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	why_set(why, whylen, "%s", "");
	*ret = db;
	db = NULL;
	r = 0;
out:
	sqlite3_close(db);
	return r;
}

/* The largest login id in the table (0 if none) into *ret. */
static int login_max_id(struct store *s, int64_t *ret)
{
	sqlite3_stmt *st = st_use(s, ST_LOGIN_MAX_ID);
	int r;

	if ((r = st_row(st)) <= 0)
		return r == 0 ? -EIO : r;
	*ret = sqlite3_column_int64(st, 0); /* max() of no row is NULL: 0 */
	sqlite3_reset(st);
	return 0;
}

int store_open_why(const char *path, struct store **ret, char *why, size_t whylen)
{
	struct store *s = NULL;
	char sql[64];
	int rc, r, i;

	why_set(why, whylen, "%s", "");
	if (!path || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!(s->path = strdup(path))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = store_db_open(path, &s->db, &s->file, why, whylen)) < 0)
		goto out;
	if ((rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK) {
		r = sql_error(rc);
		goto out;
	}
	/* A commit reaches the WAL, safe from a crash of vigild; the disk
	 * only with store_sync(), which the server runs before it answers a
	 * request that changed anything but history (watermarks, factors,
	 * locks), once for all such requests waiting together (store.h).
	 * Freed pages held sealed secrets (secure_delete).  Temporary data
	 * in memory: the savepoint of each record in a history batch copies
	 * the pages earlier records changed, and past 64 KiB SQLite would
	 * spill those copies to a file in /var/tmp, a write and a read of
	 * every page again (a fifth of vigild's time per login at 100k users),
	 * and pages of this database on a disk it does not own.  The cache and
	 * the WAL limit: see their definitions.  PRAGMA takes no parameters:
	 * the numbers are ours. */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", STORE_CACHE_KIB);
	if ((r = pragma_expect(s->db, "PRAGMA journal_mode = WAL", "wal")) < 0 ||
	    (r = exec_sql(s->db, "PRAGMA synchronous = NORMAL")) < 0 ||
	    (r = exec_sql(s->db, "PRAGMA foreign_keys = ON")) < 0 ||
	    (r = exec_sql(s->db, "PRAGMA temp_store = MEMORY")) < 0 ||
	    (r = pragma_expect(s->db, "PRAGMA secure_delete = ON", "1")) < 0 || (r = exec_sql(s->db, sql)) < 0)
		goto out;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d", STORE_WAL_LIMIT);
	if ((r = exec_sql(s->db, sql)) < 0)
		goto out;
	if ((r = store_migrate(s->db)) < 0)
		goto out;
	/* A migration's rows on the disk before anything relies on them. */
	if ((r = store_sync(s)) < 0)
		goto out;
	for (i = 0; i < ST_MAX_; i++) {
		rc = sqlite3_prepare_v3(s->db, st_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = sql_error(rc);
			goto out;
		}
	}
	if ((r = login_max_id(s, &s->login_last_id)) < 0)
		goto out;
	*ret = s;
	s = NULL;
	r = 0;
out:
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
	free(s->path);
	free(s);
}

/* Runs a query whose answer, if any, is one integer (store_impl.h). */
int int_query(struct store *s, sqlite3_stmt *st, int rc, int64_t *ret)
{
	struct row w = {st, 0, 0};
	int64_t v;
	int r;

	(void)s;
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	v = row_i64(&w);
	if ((r = w.r) < 0)
		goto out;
	*ret = v;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int count_query(struct store *s, sqlite3_stmt *st, int rc, uint32_t *ret)
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
