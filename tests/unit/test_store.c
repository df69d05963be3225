/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the SQLite store, each on a fresh database in a temporary
 * directory: how the file is opened (mode, symlink, foreign owner or mode,
 * schema versions), every operation against its contract (users, login
 * facts, failures, TOTP watermarks, sessions, status, prune), rows that do
 * not fit their buffers, and the query plan of every cached statement.
 * The test reads and writes the database directly with SQLite only to set
 * up what the store itself must refuse and to inspect what it wrote.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_checkpoint.h"

#define T0 1700000000ULL

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/vigil.db", f->dir);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	DIR *d;

	store_close(f->s);
	d = opendir(f->dir);
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Setup with the store already open. */
static int open_setup(void **state)
{
	struct fixture *f;

	if (fixture_setup(state) < 0)
		return -1;
	f = *state;
	return store_open(f->path, &f->s) == 0 ? 0 : -1;
}

/* Runs SQL on the database file through a connection of the test's own. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Whether SQLite answers sql from an index alone, reading no table row. */
static bool raw_plan_covered(const char *path, const char *sql)
{
	char explain[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool covered = false;

	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		covered = covered || strstr((const char *)sqlite3_column_text(st, 3), "USING COVERING INDEX");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return covered;
}

/* The size of path's WAL file: it only grows between checkpoints. */
static off_t wal_size(const char *path)
{
	char wal[160];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	return st.st_size;
}

static int64_t user_id(struct store *s, const char *name)
{
	struct store_user u;

	assert_int_equal(store_user_get(s, name, T0, &u), 0);
	return u.id;
}

/* ---- opening the file ---- */

static void test_open_creates_0600(void **state)
{
	struct fixture *f = *state;
	char wal[160];
	struct stat st;
	mode_t old = umask(0);

	/* Even with an umask that lets everything through. */
	assert_int_equal(store_open(f->path, &f->s), 0);
	umask(old);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* WAL mode: the write-ahead log exists and is no more readable. */
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
}

static void test_open_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char target[160];
	struct stat st;
	int fd;

	snprintf(target, sizeof(target), "%s/target", f->dir);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(store_open(f->path, &f->s), -ELOOP);
	assert_null(f->s);
	/* The target was not touched. */
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_open_refuses_readable_file(void **state)
{
	struct fixture *f = *state;
	static const mode_t bad[] = {0644, 0640, 0604, 0660, 0602};
	size_t i;
	int fd;

	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fchmod(fd, bad[i]), 0);
		assert_int_equal(store_open(f->path, &f->s), -EPERM);
		assert_null(f->s);
	}
	assert_int_equal(fchmod(fd, 0600), 0);
	close(fd);
	assert_int_equal(store_open(f->path, &f->s), 0);
}

static void test_open_refuses_non_regular(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(store_open(f->path, &f->s), -EPERM);
	assert_null(f->s);
}

/* The refusal names the file and says why, and a FIFO never blocks. */
static void assert_open_why(struct fixture *f, int expect, const char *file_suffix, const char *reason)
{
	char why[512], name[200];

	alarm(5);
	assert_int_equal(store_open_why(f->path, &f->s, why, sizeof(why)), expect);
	alarm(0);
	assert_null(f->s);
	snprintf(name, sizeof(name), "%s%s: ", f->path, file_suffix);
	if (!strstr(why, name) || !strstr(why, reason))
		fail_msg("reason '%s' lacks '%s' or '%s'", why, name, reason);
}

static void test_open_explains(void **state)
{
	struct fixture *f = *state;
	int fd;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_open_why(f, -EPERM, "", "a FIFO, not a regular file");
	assert_int_equal(unlink(f->path), 0);
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_open_why(f, -EPERM, "", "mode 0644, must not be readable by others");
	assert_int_equal(fchmod(fd, 0666), 0);
	assert_open_why(f, -EPERM, "", "mode 0666, must not be writable by others");
	if (geteuid() == 0) {
		assert_int_equal(fchmod(fd, 0600), 0);
		assert_int_equal(fchown(fd, 65534, 65534), 0);
		assert_open_why(f, -EPERM, "", "owned by uid 65534");
	}
	close(fd);
}

/* SQLite opens <db>-wal and <db>-shm by name: an existing one gets the
 * database's checks, and the message names it. */
static void test_open_refuses_bad_wal_and_shm(void **state)
{
	struct fixture *f = *state;
	char wal[200], shm[200], target[200];
	int fd;

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	snprintf(shm, sizeof(shm), "%s-shm", f->path);
	snprintf(target, sizeof(target), "%s/target", f->dir);
	assert_int_equal(store_open(f->path, &f->s), 0);
	store_close(f->s);
	f->s = NULL;
	(void)unlink(wal);
	(void)unlink(shm);

	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, wal), 0);
	assert_open_why(f, -ELOOP, "-wal", "a symlink");
	assert_int_equal(unlink(wal), 0);

	fd = open(wal, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0666), 0);
	close(fd);
	assert_open_why(f, -EPERM, "-wal", "mode 0666, must not be writable by others");
	assert_int_equal(unlink(wal), 0);

	assert_int_equal(mkfifo(wal, 0600), 0);
	assert_open_why(f, -EPERM, "-wal", "a FIFO, not a regular file");
	assert_int_equal(unlink(wal), 0);

	fd = open(shm, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_open_why(f, -EPERM, "-shm", "mode 0644, must not be readable by others");
	assert_int_equal(unlink(shm), 0);

	/* Gone again: the database opens. */
	assert_int_equal(store_open(f->path, &f->s), 0);
}

static void test_open_refuses_foreign_owner(void **state)
{
	struct fixture *f = *state;
	int fd;

	if (geteuid() != 0)
		skip();
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, 65534, 65534), 0);
	close(fd);
	assert_int_equal(store_open(f->path, &f->s), -EPERM);
	assert_null(f->s);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	int64_t version, id;

	assert_int_equal(store_open(f->path, &f->s), 0);
	id = user_id(f->s, "alice");
	store_close(f->s);
	f->s = NULL;
	version = raw_int(f->path, "PRAGMA user_version");
	assert_true(version >= 1);

	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_int_equal(u.id, id);
	assert_int_equal(u.first_seen, T0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), version);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_open(f->path, &f->s), 0);
	store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "PRAGMA user_version = 999");
	assert_int_equal(store_open(f->path, &f->s), -EPROTO);
	assert_null(f->s);
	/* Refused, not rewritten. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 999);
}

static void test_open_settings(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_open(f->path, &f->s), 0);
	/* journal_mode is a property of the file: any connection sees it. */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- users ---- */

static void test_users(void **state)
{
	struct fixture *f = *state;
	struct store_user u, again;
	char long_name[VIGIL_USER_MAX + 2];
	uint32_t n = 99;

	assert_int_equal(store_user_find(f->s, "alice", &u), -ENOENT);
	assert_int_equal(store_user_get(f->s, "alice", T0, &u), 0);
	assert_true(u.id > 0);
	assert_int_equal(u.first_seen, T0);
	assert_int_equal(u.locked_until, 0);
	/* get is find for a known user: first_seen does not move. */
	assert_int_equal(store_user_get(f->s, "alice", T0 + 50, &again), 0);
	assert_int_equal(again.id, u.id);
	assert_int_equal(again.first_seen, T0);
	assert_int_not_equal(user_id(f->s, "bob"), u.id);

	assert_int_equal(store_user_lock(f->s, u.id, T0 + 600), 0);
	assert_int_equal(store_user_find(f->s, "alice", &again), 0);
	assert_int_equal(again.locked_until, T0 + 600);
	assert_int_equal(store_user_lock(f->s, 424242, T0), -ENOENT);

	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0), 0);
	assert_int_equal(store_user_unlock(f->s, "alice"), 0);
	assert_int_equal(store_user_find(f->s, "alice", &again), 0);
	assert_int_equal(again.locked_until, 0);
	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_user_unlock(f->s, "mallory"), -ENOENT);

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(store_user_get(f->s, long_name, T0, &u), -E2BIG);
	assert_int_equal(store_user_get(f->s, "", T0, &u), -EINVAL);
}

/* ---- login facts and success ---- */

/* The facts at `at` of a login of user's from key1 at 192.0.2.10, asserted
 * known: the device, the address and its /24, all last seen (and the
 * account last allowed) at `last`. */
static struct store_facts key1_known(struct store *s, int64_t user, uint64_t at, uint64_t last)
{
	struct store_facts x;

	assert_int_equal(store_login_facts(s, user, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, at, &x), 0);
	assert_int_equal(x.last_success, last);
	assert_true(x.device_known);
	assert_int_equal(x.device_last_seen, last);
	assert_true(x.source_known);
	assert_true(x.prefix_known);
	return x;
}

static void test_facts_and_success(void **state)
{
	struct fixture *f = *state;
	struct store_facts x;
	struct store_user u;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	off_t wal;

	memset(&x, 0xff, sizeof(x));
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0, &x), 0);
	assert_false(x.device_known);
	assert_int_equal(x.device_last_seen, 0);
	assert_false(x.source_known);
	assert_false(x.prefix_known);
	assert_int_equal(x.user_failures, 0);
	assert_int_equal(x.source_failures, 0);
	assert_int_equal(x.grant_time, 0);
	assert_int_equal(x.last_success, 0);

	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0 + 10, false, 0), 0);

	x = key1_known(f->s, alice, T0 + 20, T0 + 10);
	assert_int_equal(x.grant_time, 0); /* no step-up, no grant */

	/* Another address of the same /24; another key. */
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key2", "192.0.2.77", "192.0.2.0/24", 0, T0 + 20, &x),
	                 0);
	assert_false(x.device_known);
	assert_false(x.source_known);
	assert_true(x.prefix_known);

	/* A known address is in a known prefix, whatever the store holds of
	 * prefixes (it is asked only for a new address). */
	raw_exec(f->path, "DELETE FROM seen WHERE kind = 3");
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 20, &x),
	                 0);
	assert_true(x.source_known);
	assert_true(x.prefix_known);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.77", "192.0.2.0/24", 0, T0 + 20, &x),
	                 0);
	assert_false(x.source_known);
	assert_false(x.prefix_known);
	/* Learned again, as the rest of this test expects it. */
	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0 + 10, false, 0), 0);

	/* What alice taught the store says nothing about bob. */
	assert_int_equal(store_login_facts(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 20, &x), 0);
	assert_false(x.device_known);
	assert_false(x.source_known);
	assert_false(x.prefix_known);

	/* A second success the same day writes no page: last_seen and
	 * last_success move once a day at most. */
	wal = wal_size(f->path);
	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0 + 30, false, 0), 0);
	assert_int_equal(wal_size(f->path), wal);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "", "", 0, T0 + 40, &x), 0);
	assert_true(x.device_known);
	assert_int_equal(x.device_last_seen, T0 + 10);
	/* A local login: no source, never known. */
	assert_false(x.source_known);
	assert_false(x.prefix_known);
	assert_int_equal(x.last_success, T0 + 10);
	/* A day later they move, each of them. */
	assert_int_equal(store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24",
	                                     T0 + 10 + 86400 + 1, false, 0),
	                 0);
	/* All on one page (schema 8): the account, its device and source
	 * share a leaf of seen, and nothing else is written. */
	assert_int_equal(wal_size(f->path) - wal, 24 + raw_int(f->path, "PRAGMA page_size"));
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "", "", 0, T0 + 86400 + 20, &x), 0);
	assert_int_equal(x.device_last_seen, T0 + 10 + 86400 + 1);
	assert_int_equal(x.last_success, T0 + 10 + 86400 + 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM seen WHERE kind = 2 AND last_seen = 1700086411"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM seen WHERE kind = 3 AND last_seen = 1700086411"), 1);
	/* The first allowed login of an account sets first_allowed, however
	 * fresh its last_success. */
	raw_exec(f->path, "UPDATE users SET first_allowed = 0 WHERE name = 'alice'");
	assert_int_equal(store_login_success(f->s, alice, "", "", "", T0 + 86400 + 30, false, 0), 0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_int_equal(u.first_allowed, T0 + 86400 + 30);

	/* An unknown user id cannot succeed. */
	assert_int_equal(store_login_success(f->s, 424242, "d", "s", "p", T0, false, 0), -ENOENT);
}

static void test_grants(void **state)
{
	struct fixture *f = *state;
	struct store_facts x;
	int64_t alice = user_id(f->s, "alice");

	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0, true, T0 + 300), 0);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 299, &x),
	                 0);
	assert_int_equal(x.grant_time, T0);
	/* Expired at T0 + 300 exactly. */
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 300, &x),
	                 0);
	assert_int_equal(x.grant_time, 0);
	/* Bound to device and source. */
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.11", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_int_equal(x.grant_time, 0);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key2", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_int_equal(x.grant_time, 0);
	/* A later step-up replaces the grant. */
	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0 + 400, true, T0 + 700), 0);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 500, &x),
	                 0);
	assert_int_equal(x.grant_time, T0 + 400);
	/* A local login (no source) can hold a grant too. */
	assert_int_equal(store_login_success(f->s, alice, "sudo:/dev/pts/1", "", "", T0, true, T0 + 60), 0);
	assert_int_equal(store_login_facts(f->s, alice, "sudo:/dev/pts/1", "", "", 0, T0 + 30, &x), 0);
	assert_int_equal(x.grant_time, T0);
}

/* ---- admin changes (store_admin.c) ---- */

/* Removing a user's TOTP factor takes the active and the pending one and
 * every grant of the user; another user's factor and grants stay. */
static void test_totp_remove(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	uint8_t blob[32] = {1, 2, 3};
	struct store_totp t = {0};
	struct store_facts x;

	assert_int_equal(store_totp_remove(f->s, "alice"), -ENOENT);
	assert_int_equal(store_totp_remove(f->s, "nosuch"), -ENOENT);
	assert_int_equal(store_totp_remove(f->s, ""), -EINVAL);
	for (int64_t u = alice; u; u = u == alice ? bob : 0) {
		assert_int_equal(store_totp_put_pending(f->s, u, blob, sizeof(blob), 6, 30, T0), 0);
		assert_int_equal(store_totp_get(f->s, u, false, &t), 0);
		assert_int_equal(store_totp_activate(f->s, u, t.id, 10, T0), 0);
		store_totp_clear(&t);
		assert_int_equal(
		    store_login_success(f->s, u, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0, true, T0 + 300), 0);
	}
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0 + 1), 0);

	assert_int_equal(store_totp_remove(f->s, "alice"), 0);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), -ENOENT);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), -ENOENT);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_int_equal(x.grant_time, 0);
	/* The device and source stay known: only the factor was lost. */
	assert_true(x.device_known);
	assert_true(x.source_known);
	/* Bob is untouched. */
	assert_int_equal(store_totp_get(f->s, bob, true, &t), 0);
	store_totp_clear(&t);
	assert_int_equal(store_login_facts(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_int_equal(x.grant_time, T0);
	/* Gone: a second removal has nothing to remove. */
	assert_int_equal(store_totp_remove(f->s, "alice"), -ENOENT);
	/* The user can enroll again. */
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0 + 2), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	assert_int_equal(store_totp_activate(f->s, alice, t.id, 20, T0 + 2), 0);
	store_totp_clear(&t);
}

static void test_device_source_forget(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	struct store_facts x;
	char big[VIGIL_FINGERPRINT_MAX + 2];

	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0, true, T0 + 300), 0);
	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key2", "192.0.2.11", "192.0.2.0/24", T0, true, T0 + 300), 0);
	assert_int_equal(
	    store_login_success(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0, true, T0 + 300), 0);

	assert_int_equal(store_device_forget(f->s, "alice", "SHA256:nosuch"), -ENOENT);
	assert_int_equal(store_device_forget(f->s, "nosuch", "SHA256:key1"), -ENOENT);
	assert_int_equal(store_device_forget(f->s, "alice", ""), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_device_forget(f->s, "alice", big), -E2BIG);
	assert_int_equal(store_device_forget(f->s, "alice", "SHA256:key1"), 0);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_false(x.device_known);
	assert_true(x.source_known);
	assert_int_equal(x.grant_time, 0);
	/* Alice's other device and Bob's same key stay. */
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key2", "192.0.2.11", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_true(x.device_known);
	assert_int_equal(x.grant_time, T0);
	assert_int_equal(store_login_facts(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_true(x.device_known);
	assert_int_equal(x.grant_time, T0);
	assert_int_equal(store_device_forget(f->s, "alice", "SHA256:key1"), -ENOENT);

	assert_int_equal(store_source_forget(f->s, "alice", "198.51.100.1"), -ENOENT);
	assert_int_equal(store_source_forget(f->s, "alice", ""), -EINVAL);
	assert_int_equal(store_source_forget(f->s, "alice", "192.0.2.11"), 0);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key2", "192.0.2.11", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_true(x.device_known);
	assert_false(x.source_known);
	/* The prefix stays known (documented in store.h). */
	assert_true(x.prefix_known);
	assert_int_equal(x.grant_time, 0);
	assert_int_equal(store_login_facts(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 1, &x), 0);
	assert_true(x.source_known);
}

/* ---- failures ---- */

static void test_failures(void **state)
{
	struct fixture *f = *state;
	struct store_facts x;
	uint32_t n;
	int64_t alice = user_id(f->s, "alice");

	user_id(f->s, "bob");
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0 + 100), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0 + 200), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0 + 300), 0);
	assert_int_equal(store_failure_add(f->s, "bob", "192.0.2.1", T0 + 250), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "", T0 + 260), 0);

	/* since is inclusive. */
	assert_int_equal(store_failures_user(f->s, "alice", T0 + 200, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_failures_user(f->s, "alice", T0 + 301, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_source(f->s, "192.0.2.1", T0 + 200, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_failures_source(f->s, "192.0.2.1", 0, &n), 0);
	assert_int_equal(n, 4);
	/* Local failures belong to no source. */
	n = 99;
	assert_int_equal(store_failures_source(f->s, "", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_source(f->s, "198.51.100.1", 0, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(store_login_facts(f->s, alice, "d", "192.0.2.1", "192.0.2.0/24", T0 + 200, T0 + 400, &x), 0);
	assert_int_equal(x.user_failures, 3);
	assert_int_equal(x.source_failures, 3);

	/* Success does not clear failures: they age out (a login allowed
	 * without a factor must not reset the guessing limit). */
	assert_int_equal(store_login_success(f->s, alice, "d", "192.0.2.1", "192.0.2.0/24", T0 + 400, false, 0), 0);
	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_failures_source(f->s, "192.0.2.1", 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_failures_user(f->s, "bob", 0, &n), 0);
	assert_int_equal(n, 1);
}

static void test_source_unlock(void **state)
{
	struct fixture *f = *state;
	uint32_t n;

	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.7", T0 + 100), 0);
	assert_int_equal(store_failure_add(f->s, "bob", "192.0.2.7", T0 + 110), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.8", T0 + 120), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "uid=1001", T0 + 130), 0);

	/* Every failure of that source goes, whoever it was charged against;
	 * other sources keep theirs. */
	assert_int_equal(store_source_unlock(f->s, "192.0.2.7"), 0);
	assert_int_equal(store_failures_source(f->s, "192.0.2.7", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_source(f->s, "192.0.2.8", 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_failures_user(f->s, "bob", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 2);
	/* Nothing left to lift. */
	assert_int_equal(store_source_unlock(f->s, "192.0.2.7"), -ENOENT);
	assert_int_equal(store_source_unlock(f->s, "198.51.100.1"), -ENOENT);
	/* A local caller is a source too. */
	assert_int_equal(store_source_unlock(f->s, "uid=1001"), 0);
	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_source_unlock(f->s, ""), -EINVAL);
}

/* ---- TOTP ---- */

static void test_totp(void **state)
{
	struct fixture *f = *state;
	struct store_totp t = {0}, t2 = {0};
	uint8_t blob[61];
	int64_t alice = user_id(f->s, "alice"), pending_id, id = 0;
	uint32_t digits = 0;
	size_t i;

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 1);
	blob[5] = 0; /* a NUL inside: a blob, not a string */

	assert_int_equal(store_totp_get(f->s, alice, true, &t), -ENOENT);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), -ENOENT);
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0), 0);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), -ENOENT);
	assert_int_equal(store_totp_active_id(f->s, alice, &id), -ENOENT);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	assert_false(t.active);
	assert_int_equal(t.sealed_len, sizeof(blob));
	assert_memory_equal(t.sealed, blob, sizeof(blob));
	assert_int_equal(t.digits, 6);
	assert_int_equal(t.period, 30);
	assert_int_equal(t.last_step, -1);
	assert_int_equal(t.created, T0);
	assert_int_equal(t.last_used, 0);
	pending_id = t.id;
	store_totp_clear(&t);
	assert_null(t.sealed);

	/* A pending factor accepts nothing. */
	assert_int_equal(store_totp_accept(f->s, pending_id, 5, T0), -ENOENT);
	/* Not alice's factor to activate for another user. */
	assert_int_equal(store_totp_activate(f->s, user_id(f->s, "bob"), pending_id, 100, T0), -ENOENT);

	assert_int_equal(store_totp_activate(f->s, alice, pending_id, 100, T0 + 5), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), -ENOENT);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), 0);
	assert_true(t.active);
	assert_int_equal(t.id, pending_id);
	assert_int_equal(t.last_step, 100);
	assert_int_equal(t.last_used, T0 + 5);
	store_totp_clear(&t);
	/* Which factor a user holds, without its secret: from the index. */
	assert_int_equal(store_totp_active_id(f->s, alice, &id), 0);
	assert_int_equal(id, pending_id);
	assert_int_equal(store_totp_active_id(f->s, user_id(f->s, "bob"), &id), -ENOENT);
	assert_true(raw_plan_covered(f->path, "SELECT id FROM totp_factors WHERE user_id = 1 AND active = 1"));
	assert_int_equal(store_totp_digits(f->s, pending_id, &digits), 0);
	assert_int_equal(digits, 6);
	assert_int_equal(store_totp_digits(f->s, 424242, &digits), -ENOENT);

	/* The watermark only rises. */
	assert_int_equal(store_totp_accept(f->s, pending_id, 100, T0 + 6), -EALREADY);
	assert_int_equal(store_totp_accept(f->s, pending_id, 101, T0 + 30), 0);
	assert_int_equal(store_totp_accept(f->s, pending_id, 101, T0 + 31), -EALREADY);
	assert_int_equal(store_totp_accept(f->s, pending_id, 50, T0 + 32), -EALREADY);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), 0);
	assert_int_equal(t.last_step, 101);
	assert_int_equal(t.last_used, T0 + 30);
	store_totp_clear(&t);
	assert_int_equal(store_totp_accept(f->s, 424242, 1000, T0), -ENOENT);

	/* A new pending factor replaces the old pending one... */
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, 20, 8, 60, T0 + 40), 0);
	assert_int_equal(store_totp_put_pending(f->s, alice, blob + 1, 21, 8, 60, T0 + 41), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t2), 0);
	assert_int_equal(t2.sealed_len, 21);
	assert_memory_equal(t2.sealed, blob + 1, 21);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM totp_factors WHERE active = 0"), 1);
	/* ...but cannot become a second active one. */
	assert_int_equal(store_totp_activate(f->s, alice, t2.id, 200, T0 + 42), -EEXIST);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), 0);
	assert_int_equal(t.id, pending_id);
	assert_int_equal(store_totp_active_id(f->s, alice, &id), 0);
	assert_int_equal(id, pending_id);
	assert_int_equal(store_totp_digits(f->s, t2.id, &digits), 0);
	assert_int_equal(digits, 8);
	store_totp_clear(&t);
	store_totp_clear(&t2);

	assert_int_equal(store_totp_put_pending(f->s, alice, blob, 0, 6, 30, T0), -EINVAL);
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, 100000, 6, 30, T0), -E2BIG);
}

/* ---- logins ---- */

static struct store_login login_make(int64_t uid, const char *id, uint64_t time)
{
	struct store_login l = {0};

	snprintf(l.login_id, sizeof(l.login_id), "%s", id);
	l.user_id = uid;
	snprintf(l.user, sizeof(l.user), "alice");
	snprintf(l.service, sizeof(l.service), "sshd");
	snprintf(l.device, sizeof(l.device), "SHA256:key1");
	snprintf(l.source, sizeof(l.source), "192.0.2.10");
	l.score = 42;
	l.signals = 0x81;
	l.outcome = VIGIL_OUTCOME_ALLOW;
	l.stepped_up = true;
	l.time = time;
	l.reason = VIGIL_REASON_NONE;
	l.verdict = VIGIL_VERDICT_STEPUP;
	l.why = VIGIL_WHY_FRESH;
	l.mode = VIGIL_MODE_ENFORCE;
	return l;
}

static void test_logins(void **state)
{
	struct fixture *f = *state;
	struct store_login l = login_make(user_id(f->s, "alice"), "0123456789abcdef0123456789abcdef", T0), got;

	assert_int_equal(store_login_get(f->s, l.login_id, &got), -ENOENT);
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_login_get(f->s, l.login_id, &got), 0);
	assert_memory_equal(&got, &l, sizeof(l));
	assert_int_equal(store_login_put(f->s, &l), -EEXIST);
	/* Why it was decided comes back as it was recorded (schema 3). */
	l = login_make(user_id(f->s, "alice"), "denied-shadow", T0 + 1);
	l.outcome = VIGIL_OUTCOME_DENY;
	l.reason = VIGIL_REASON_NETWORK;
	l.verdict = VIGIL_VERDICT_DENY;
	l.why = VIGIL_WHY_RISK;
	l.mode = VIGIL_MODE_SHADOW;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_login_get(f->s, l.login_id, &got), 0);
	assert_memory_equal(&got, &l, sizeof(l));
	/* The mode a login was decided under comes back; learn is 2. */
	l = login_make(user_id(f->s, "alice"), "learned", T0 + 2);
	l.verdict = VIGIL_VERDICT_STEPUP;
	l.mode = VIGIL_MODE_LEARN;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_login_get(f->s, l.login_id, &got), 0);
	assert_int_equal(got.mode, VIGIL_MODE_LEARN);
	/* A mode no vigild writes is refused, not taken for one. */
	raw_exec(f->path, "UPDATE logins SET shadow = 3 WHERE login_id = 'learned'");
	assert_int_equal(store_login_get(f->s, "learned", &got), -EBADMSG);
	/* A row that names no known reason or verdict is refused, not shown. */
	raw_exec(f->path, "UPDATE logins SET verdict = 99 WHERE login_id = 'denied-shadow'");
	assert_int_equal(store_login_get(f->s, "denied-shadow", &got), -EBADMSG);
	raw_exec(f->path, "UPDATE logins SET verdict = 3, reason = 999 WHERE login_id = 'denied-shadow'");
	assert_int_equal(store_login_get(f->s, "denied-shadow", &got), -EBADMSG);
	/* A login of an unknown user is refused by the foreign key. */
	l = login_make(424242, "other", T0);
	assert_int_equal(store_login_put(f->s, &l), -ENOENT);
}

/* Auth records its decision and the factor's watermark in one transaction;
 * what the login teaches waits for store_login_commit(), which claims the
 * login once.  A step the watermark refuses leaves nothing behind. */
static void test_login_finish(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_login l = login_make(alice, "finish-1", T0), got;
	struct store_factor_use use = {0};
	struct store_facts facts;
	struct store_totp t = {0};
	struct store_user u;
	uint8_t blob[32] = {1};

	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	use = (struct store_factor_use){.kind = VIGIL_FACTOR_TOTP, .factor_id = t.id, .step = 100, .activate = true};
	store_totp_clear(&t);

	/* In-band enrollment in auth: recorded, nothing activated or
	 * learned until the account phase commits it. */
	l.activate_factor = use.factor_id;
	l.activate_step = use.step;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, &use), 0);
	assert_int_equal(store_login_get(f->s, "finish-1", &got), 0);
	assert_int_equal(got.state, STORE_LOGIN_PENDING);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), -ENOENT);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0, &facts), 0);
	assert_false(facts.device_known);
	assert_int_equal(facts.grant_time, 0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_int_equal(u.first_allowed, 0);

	/* The account phase: activation, learning, grant, first_allowed. */
	assert_int_equal(store_login_commit(f->s, "finish-1", "192.0.2.0/24", T0 + 600, &got), 0);
	assert_int_equal(got.state, STORE_LOGIN_DONE);
	assert_int_equal(store_totp_get(f->s, alice, true, &t), 0);
	assert_int_equal(t.last_step, 100);
	store_totp_clear(&t);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0, &facts), 0);
	assert_true(facts.device_known);
	assert_true(facts.source_known);
	assert_true(facts.prefix_known);
	assert_int_equal(facts.grant_time, T0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_int_equal(u.first_allowed, T0);
	/* Single use. */
	assert_int_equal(store_login_commit(f->s, "finish-1", "192.0.2.0/24", T0 + 600, &got), -EALREADY);
	assert_int_equal(store_login_commit(f->s, "nosuch", "192.0.2.0/24", T0 + 600, &got), -ENOENT);

	/* The same step again: a replay, and this login leaves no row. */
	use.activate = false;
	l = login_make(alice, "finish-2", T0 + 1);
	l.device[0] = 'X';
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, &use), -EALREADY);
	assert_int_equal(store_login_get(f->s, "finish-2", &got), -ENOENT);

	/* Observe only (shadow mode): claimable once, teaches nothing. */
	l = login_make(alice, "finish-0", T0 + 1);
	snprintf(l.device, sizeof(l.device), "SHA256:observed");
	l.state = STORE_LOGIN_PENDING_OBSERVE;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, NULL), 0);
	assert_int_equal(store_login_commit(f->s, "finish-0", "192.0.2.0/24", T0 + 600, &got), 0);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0 + 1, &facts), 0);
	assert_false(facts.device_known);
	assert_int_equal(store_login_commit(f->s, "finish-0", "192.0.2.0/24", T0 + 600, &got), -EALREADY);

	/* Decided and committed at once (an account-only login), learning. */
	l = login_make(alice, "finish-4", T0 + 2);
	snprintf(l.device, sizeof(l.device), "SHA256:account");
	l.state = STORE_LOGIN_DONE;
	l.learn = true;
	l.stepped_up = false;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, NULL), 0);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0 + 2, &facts), 0);
	assert_true(facts.device_known);
	assert_int_equal(store_login_commit(f->s, "finish-4", "192.0.2.0/24", T0 + 600, &got), -EALREADY);

	/* A later step goes through; a denied login learns nothing. */
	l = login_make(alice, "finish-2", T0 + 1);
	l.device[0] = 'X';
	use.step = 101;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, &use), 0);
	l = login_make(alice, "finish-3", T0 + 2);
	snprintf(l.device, sizeof(l.device), "SHA256:denied");
	l.outcome = VIGIL_OUTCOME_DENY;
	l.state = STORE_LOGIN_DONE;
	l.learn = true;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, NULL), 0);
	assert_int_equal(store_login_get(f->s, "finish-3", &got), 0);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0 + 2, &facts), 0);
	assert_false(facts.device_known);

	/* A step-up whose factor root removed before the account phase (a
	 * lost phone): the commit refuses it, and nothing is learned or
	 * granted. */
	l = login_make(alice, "finish-5", T0 + 3);
	snprintf(l.device, sizeof(l.device), "SHA256:lostphone");
	l.state = STORE_LOGIN_PENDING;
	use.step = 102;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, &use), 0);
	assert_int_equal(store_totp_remove(f->s, "alice"), 0);
	assert_int_equal(store_login_commit(f->s, "finish-5", "192.0.2.0/24", T0 + 600, &got), -EKEYREVOKED);
	assert_int_equal(store_login_facts(f->s, alice, l.device, l.source, "192.0.2.0/24", 0, T0 + 3, &facts), 0);
	assert_false(facts.device_known);
	assert_int_equal(facts.grant_time, 0);
}

/* ---- migrations ---- */

/* SQL that takes a store of schema 8 back to how schema 7 kept what logins
 * taught (devices, sources, prefixes, users.last_success), for the tests
 * that rewind a new store to an older schema and migrate it again. */
#define UNDO_SCHEMA8                                                                                                   \
	"CREATE TABLE devices (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                       \
	"  fingerprint TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"                        \
	"  PRIMARY KEY (user_id, fingerprint)) WITHOUT ROWID;"                                                         \
	"CREATE TABLE sources (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                       \
	"  addr TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"                               \
	"  PRIMARY KEY (user_id, addr)) WITHOUT ROWID;"                                                                \
	"CREATE TABLE prefixes (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                      \
	"  prefix TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"                             \
	"  PRIMARY KEY (user_id, prefix)) WITHOUT ROWID;"                                                              \
	"INSERT INTO devices SELECT user_id, value, first_seen, last_seen FROM seen WHERE kind = 1;"                   \
	"INSERT INTO sources SELECT user_id, value, first_seen, last_seen FROM seen WHERE kind = 2;"                   \
	"INSERT INTO prefixes SELECT user_id, value, first_seen, last_seen FROM seen WHERE kind = 3;"                  \
	"UPDATE users SET last_success = coalesce((SELECT last_seen FROM seen WHERE user_id = users.id AND kind = "    \
	"0), 0);"                                                                                                      \
	"DROP TABLE seen;"

/* What logins taught moves to seen (schema 8) whole: each user's last
 * success, devices, sources and prefixes, with their times. */
static void test_migrate_seen(void **state)
{
	struct fixture *f = *state;
	struct store_facts x;
	struct store_user u;
	struct vigil_status_report *rep;
	int64_t alice, bob;

	assert_int_equal(store_open(f->path, &f->s), 0);
	alice = user_id(f->s, "alice");
	bob = user_id(f->s, "bob");
	assert_int_equal(
	    store_login_success(f->s, alice, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", T0 + 10, false, 0), 0);
	assert_int_equal(store_login_success(f->s, alice, "SHA256:key2", "", "", T0 + 20, false, 0), 0);
	store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "BEGIN;" UNDO_SCHEMA8 "PRAGMA user_version = 7; COMMIT;");
	assert_int_equal(raw_int(f->path, "SELECT last_success FROM users WHERE name = 'alice'"), T0 + 10);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM devices"), 2);

	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 8);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	                                  "('devices', 'sources', 'prefixes')"),
	                 0);
	/* The old column is zeroed, not left to be read as current. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM users WHERE last_success != 0"), 0);
	assert_int_equal(raw_int(f->path, "SELECT first_seen FROM seen WHERE kind = 0"), T0 + 10);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_int_equal(u.first_allowed, T0 + 10);
	x = key1_known(f->s, alice, T0 + 30, T0 + 10);
	assert_int_equal(store_login_facts(f->s, alice, "SHA256:key2", "192.0.2.77", "192.0.2.0/24", 0, T0 + 30, &x),
	                 0);
	assert_true(x.device_known);
	assert_false(x.source_known);
	assert_true(x.prefix_known);
	assert_int_equal(store_login_facts(f->s, bob, "SHA256:key1", "192.0.2.10", "192.0.2.0/24", 0, T0 + 30, &x), 0);
	assert_false(x.device_known || x.source_known || x.prefix_known);
	assert_int_equal(x.last_success, 0);
	rep = calloc(1, sizeof(*rep));
	assert_non_null(rep);
	assert_int_equal(store_status(f->s, "alice", T0 + 30, rep), 0);
	assert_int_equal(rep->n_devices, 2);
	assert_int_equal(rep->n_sources, 1);
	assert_string_equal(rep->sources[0].addr, "192.0.2.10");
	free(rep);
}

/* ---- login ids (schema 6) ---- */

/* A database as schema 5 left it: logins keyed by a random text id. */
static void make_schema5(struct fixture *f, int64_t *ret_alice)
{
	assert_int_equal(store_open(f->path, &f->s), 0);
	*ret_alice = user_id(f->s, "alice");
	store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "BEGIN;" UNDO_SCHEMA8 "DROP TABLE logins;"
	                  "CREATE TABLE logins ("
	                  "  login_id TEXT PRIMARY KEY NOT NULL,"
	                  "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	                  "  user TEXT NOT NULL, service TEXT NOT NULL, device TEXT NOT NULL, source TEXT NOT NULL,"
	                  "  score INTEGER NOT NULL, signals INTEGER NOT NULL, outcome INTEGER NOT NULL,"
	                  "  stepped_up INTEGER NOT NULL, time INTEGER NOT NULL);"
	                  "CREATE INDEX logins_user ON logins(user_id, time);"
	                  "CREATE INDEX logins_time ON logins(time);"
	                  "ALTER TABLE logins ADD COLUMN committed INTEGER NOT NULL DEFAULT 1;"
	                  "ALTER TABLE logins ADD COLUMN caller_uid INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN party TEXT NOT NULL DEFAULT '';"
	                  "ALTER TABLE logins ADD COLUMN activate_factor INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN activate_step INTEGER NOT NULL DEFAULT -1;"
	                  "ALTER TABLE logins ADD COLUMN reason INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN verdict INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN why INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN method INTEGER NOT NULL DEFAULT 0;"
	                  "ALTER TABLE logins ADD COLUMN factor_id INTEGER NOT NULL DEFAULT 0;"
	                  "PRAGMA user_version = 5;"
	                  "COMMIT;");
}

/* Logins recorded before schema 6 keep their text ids: explain, sessions
 * and a pending account phase still find them; new ids are increasing
 * integers; a claim works once either way. */
static void test_migrate_login_ids(void **state)
{
	struct fixture *f = *state;
	struct store_login got, l;
	char sql[512], a[VIGIL_LOGIN_ID_MAX + 1], b[VIGIL_LOGIN_ID_MAX + 1];
	int64_t alice;

	make_schema5(f, &alice);
	/* Three old logins; the last one all digits (1 in 3e6 random ids
	 * are), still a text id: it is longer than any integer. */
	snprintf(sql, sizeof(sql),
	         "INSERT INTO logins (login_id, user_id, user, service, device, source, score, signals, outcome,"
	         " stepped_up, time, committed, reason) VALUES"
	         " ('0123456789abcdef0123456789abcdef', %lld, 'alice', 'sshd', 'SHA256:key1', '192.0.2.10', 7, 1, 1,"
	         "  0, %llu, 1, 0),"
	         " ('fedcba9876543210fedcba9876543210', %lld, 'alice', 'sudo', 'SHA256:key1', '', 3, 0, 1, 0, %llu,"
	         "  0, 0),"
	         " ('12345678901234567890123456789012', %lld, 'alice', 'sshd', '', '', 9, 0, 2, 0, %llu, 1, 5)",
	         (long long)alice, T0, (long long)alice, T0 + 1, (long long)alice, T0 + 2);
	raw_exec(f->path, sql);

	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 8);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM logins WHERE login_id IS NOT NULL"), 3);
	assert_int_equal(store_login_get(f->s, "0123456789abcdef0123456789abcdef", &got), 0);
	assert_string_equal(got.login_id, "0123456789abcdef0123456789abcdef");
	assert_string_equal(got.service, "sshd");
	assert_int_equal(got.score, 7);
	assert_int_equal(got.time, T0);
	assert_int_equal(store_login_get(f->s, "12345678901234567890123456789012", &got), 0);
	assert_int_equal(got.reason, 5);
	assert_int_equal(got.outcome, 2);
	/* An old row is named by its text only, not by its row number. */
	assert_int_equal(store_login_get(f->s, "1", &got), -ENOENT);
	assert_int_equal(store_login_get(f->s, "2", &got), -ENOENT);
	/* The old pending login is claimed once. */
	assert_int_equal(store_login_commit(f->s, "fedcba9876543210fedcba9876543210", "", 0, &got), 0);
	assert_string_equal(got.service, "sudo");
	assert_int_equal(store_login_commit(f->s, "fedcba9876543210fedcba9876543210", "", 0, &got), -EALREADY);

	/* New ids: decimal, increasing, above every old row. */
	assert_int_equal(store_login_new_id(f->s, a, sizeof(a)), 0);
	assert_int_equal(store_login_new_id(f->s, b, sizeof(b)), 0);
	assert_true(strlen(a) >= 16 && strspn(a, "0123456789") == strlen(a));
	assert_true(strtoll(a, NULL, 10) > 3 && strtoll(b, NULL, 10) > strtoll(a, NULL, 10));
	assert_int_equal(store_login_new_id(f->s, a, 4), -E2BIG);
	l = login_make(alice, b, T0 + 3);
	l.state = STORE_LOGIN_PENDING;
	l.stepped_up = false;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM logins WHERE login_id IS NULL"), 1);
	assert_int_equal(store_login_get(f->s, b, &got), 0);
	assert_string_equal(got.login_id, b);
	assert_int_equal(got.time, T0 + 3);
	assert_int_equal(store_login_put(f->s, &l), -EEXIST);
	/* Only the id's own text names it. */
	snprintf(sql, sizeof(sql), "0%s", b);
	assert_int_equal(store_login_get(f->s, sql, &got), -ENOENT);
	snprintf(sql, sizeof(sql), "%s ", b);
	assert_int_equal(store_login_get(f->s, sql, &got), -ENOENT);
	assert_int_equal(store_login_get(f->s, "99999999999999999999", &got), -ENOENT);
	assert_int_equal(store_login_commit(f->s, b, "", 0, &got), 0);
	assert_int_equal(store_login_commit(f->s, b, "", 0, &got), -EALREADY);
}

/* Schema 7 makes active a column of totp_one_active: a store of schema 6
 * keeps its factors, still one active per user, and the index alone now
 * says which one a user holds. */
static void test_migrate_totp_index(void **state)
{
	static const char q[] = "SELECT id FROM totp_factors WHERE user_id = 1 AND active = 1";
	struct fixture *f = *state;
	struct store_totp t = {0};
	uint8_t blob[32] = {1};
	int64_t alice, active, id = 0;

	assert_int_equal(store_open(f->path, &f->s), 0);
	alice = user_id(f->s, "alice");
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	active = t.id;
	store_totp_clear(&t);
	assert_int_equal(store_totp_activate(f->s, alice, active, 10, T0), 0);
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 8, 30, T0 + 1), 0);
	store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "BEGIN;" UNDO_SCHEMA8 "DROP INDEX totp_one_active;"
	                  "CREATE UNIQUE INDEX totp_one_active ON totp_factors(user_id) WHERE active = 1;"
	                  "PRAGMA user_version = 6;"
	                  "COMMIT;");
	assert_false(raw_plan_covered(f->path, q));

	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 8);
	assert_true(raw_plan_covered(f->path, q));
	assert_int_equal(store_totp_active_id(f->s, alice, &id), 0);
	assert_int_equal(id, active);
	/* The pending factor still cannot become a second active one. */
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	assert_int_equal(store_totp_activate(f->s, alice, t.id, 20, T0 + 2), -EEXIST);
	store_totp_clear(&t);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM totp_factors WHERE active = 1"), 1);
}

/* Ids go on increasing across a restart, even when the clock went back
 * (a row ahead of the clock) or every row was pruned (the clock). */
static void test_login_ids_reopen(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	char a[VIGIL_LOGIN_ID_MAX + 1], b[VIGIL_LOGIN_ID_MAX + 1], ahead[32];
	struct store_login l;

	assert_int_equal(store_login_new_id(f->s, a, sizeof(a)), 0);
	l = login_make(alice, a, T0);
	assert_int_equal(store_login_put(f->s, &l), 0);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(store_login_new_id(f->s, b, sizeof(b)), 0);
	assert_true(strtoll(b, NULL, 10) > strtoll(a, NULL, 10));

	/* A row from a clock an hour ahead. */
	snprintf(ahead, sizeof(ahead), "%lld", strtoll(b, NULL, 10) + 3600000000LL);
	l = login_make(alice, ahead, T0);
	assert_int_equal(store_login_put(f->s, &l), 0);
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(store_login_new_id(f->s, b, sizeof(b)), 0);
	assert_int_equal(strtoll(b, NULL, 10), strtoll(ahead, NULL, 10) + 1);

	/* Everything pruned: the clock alone is above what was handed out. */
	assert_int_equal(store_login_new_id(f->s, a, sizeof(a)), 0);
	raw_exec(f->path, "DELETE FROM logins");
	store_close(f->s);
	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(store_login_new_id(f->s, b, sizeof(b)), 0);
	assert_true(strtoll(b, NULL, 10) > 0);
	/* A text id put by an old caller never takes an id the allocator
	 * hands out next. */
	l = login_make(alice, "legacy-text", T0);
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_login_new_id(f->s, a, sizeof(a)), 0);
	l = login_make(alice, a, T0);
	assert_int_equal(store_login_put(f->s, &l), 0);
}

/* The WAL a known-device login appends (auth finish, then the account
 * phase's commit), printed for the record: each row lands on the
 * rightmost pages, last_seen is not rewritten. */
static void test_login_wal_bytes(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_login l, got;
	char name[32];
	off_t before;
	int i;

	/* Some users and history, then a known device of alice. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "user%03d", i);
		(void)user_id(f->s, name);
	}
	l = login_make(alice, "", T0);
	assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
	l.state = STORE_LOGIN_PENDING;
	l.stepped_up = false;
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, NULL), 0);
	assert_int_equal(store_login_commit(f->s, l.login_id, "192.0.2.0/24", T0 + 600, &got), 0);

	before = wal_size(f->path);
	for (i = 1; i <= 50; i++) {
		l = login_make(alice, "", T0 + (uint64_t)i);
		assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
		l.state = STORE_LOGIN_PENDING;
		l.stepped_up = false;
		assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", T0 + 600, NULL), 0);
		assert_int_equal(store_login_commit(f->s, l.login_id, "192.0.2.0/24", T0 + 600, &got), 0);
	}
	print_message("WAL bytes per known login (finish + commit): %lld\n",
	              (long long)(wal_size(f->path) - before) / 50);
	/* Table leaf, two index leaves, the claim's rewrite: a handful of
	 * 4 KiB pages, not the 35 KB of schema 5. */
	assert_true((wal_size(f->path) - before) / 50 < 6 * 4120);
}

/* Runs a whole per-user history pass in slices of `rows` logins; the
 * number of slices it took. */
static int history_pass(struct store *s, uint64_t since, uint64_t now, uint32_t keep, size_t rows)
{
	struct store_history_pass p;
	int r, slices = 0;

	assert_int_equal(store_history_pass_start(&p, since, now, keep), 0);
	do {
		r = store_history_pass_step(s, &p, rows);
		assert_true(r >= 0);
		slices++;
	} while (r == 1);
	return slices;
}

/* History is bounded per user: only the newest `keep` records of a user
 * with recent logins stay; another user's are untouched. */
static void test_prune_user_history(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	struct store_history_pass p;
	struct store_login l, got;
	char id[32];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		l = login_make(alice, id, T0 + (uint64_t)i);
		l.state = STORE_LOGIN_DONE;
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		l = login_make(bob, id, T0 + (uint64_t)i);
		snprintf(l.user, sizeof(l.user), "bob");
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	assert_int_equal(store_history_pass_start(&p, T0, T0 + 100, 0), -EINVAL);
	assert_int_equal(store_history_pass_start(&p, T0, T0 + 100, 4), 0);
	assert_int_equal(store_history_pass_step(f->s, &p, 0), -EINVAL);
	/* In slices of 5: the first trims alice to her newest 4, the second
	 * takes the 5 logins left after it, the third finds none. */
	assert_int_equal(history_pass(f->s, T0, T0 + 100, 4, 5), 3);
	assert_int_equal(store_login_get(f->s, "a5", &got), -ENOENT);
	assert_int_equal(store_login_get(f->s, "a6", &got), 0);
	assert_int_equal(store_login_get(f->s, "a9", &got), 0);
	assert_int_equal(store_login_get(f->s, "b0", &got), 0);
	/* Users without a login since `since` are not looked at. */
	assert_int_equal(history_pass(f->s, T0 + 100, T0 + 200, 1, 5), 1);
	assert_int_equal(store_login_get(f->s, "a6", &got), 0);
}

/* A pass goes a slice at a time through logins that share a second and
 * users that come back in later slices, and stops at where it began: a
 * login after that is the next pass's. */
static void test_prune_user_history_slices(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob"), carol = user_id(f->s, "carol");
	struct store_login l, got;
	char id[32];
	int i;

	/* Alice's 20 logins and bob's 20 in the same 4 seconds. */
	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "%c%d", i % 2 ? 'b' : 'a', i / 2);
		l = login_make(i % 2 ? bob : alice, id, T0 + (uint64_t)(i / 10));
		snprintf(l.user, sizeof(l.user), "%s", i % 2 ? "bob" : "alice");
		l.state = STORE_LOGIN_DONE;
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	/* Logins after the pass began: one of alice's, and carol's only. */
	l = login_make(alice, "late", T0 + 50);
	l.state = STORE_LOGIN_DONE;
	assert_int_equal(store_login_put(f->s, &l), 0);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		l = login_make(carol, id, T0 + 50 + (uint64_t)i);
		snprintf(l.user, sizeof(l.user), "carol");
		l.state = STORE_LOGIN_DONE;
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	/* Slices of 3 logins.  The first (a0, b0, a1) trims both users to
	 * their newest second already; the pass goes on after a1 through the
	 * 10 logins left, the last slice short: 5 slices. */
	assert_int_equal(history_pass(f->s, T0, T0 + 10, 2, 3), 5);
	/* Of each, the logins of its newest second stay, and no more: keep
	 * is 2, and 5 logins of each share second T0 + 3. */
	for (i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		assert_int_equal(store_login_get(f->s, id, &got), i < 15 ? -ENOENT : 0);
		snprintf(id, sizeof(id), "b%d", i);
		assert_int_equal(store_login_get(f->s, id, &got), i < 15 ? -ENOENT : 0);
	}
	/* The late login counted for alice's cap all the same: her records
	 * are pruned by time, newest second first. */
	assert_int_equal(store_login_get(f->s, "late", &got), 0);
	/* Carol, over the cap by 3 but only after the pass began, is the next
	 * pass's: 10 logins of second T0 + 3, late and c0 in 4 slices, then
	 * (c0 to c2 gone) c3 and c4 in a short fifth. */
	assert_int_equal(store_login_get(f->s, "c0", &got), 0);
	assert_int_equal(history_pass(f->s, T0, T0 + 60, 2, 3), 5);
	assert_int_equal(store_login_get(f->s, "c2", &got), -ENOENT);
	assert_int_equal(store_login_get(f->s, "c3", &got), 0);
}

/* A local caller's failures are its own: they never count for the user it
 * tried, only for that caller against that user (and at the address rate
 * for the caller across users). */
static void test_failures_local(void **state)
{
	struct fixture *f = *state;
	uint32_t n = 99;

	user_id(f->s, "victor");
	assert_int_equal(store_failure_add_local(f->s, "victor", "uid=1001", T0), 0);
	assert_int_equal(store_failure_add_local(f->s, "victor", "uid=1001", T0 + 1), 0);
	assert_int_equal(store_failure_add_local(f->s, "root", "uid=1001", T0 + 2), 0);
	assert_int_equal(store_failure_add_local(f->s, "victor", "", T0), -EINVAL);
	assert_int_equal(store_failures_user(f->s, "victor", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_party(f->s, "uid=1001", "victor", 0, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_failures_party(f->s, "uid=1001", "victor", T0 + 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_failures_party(f->s, "uid=1002", "victor", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_source(f->s, "uid=1001", 0, &n), 0);
	assert_int_equal(n, 3);
	/* A remote failure still counts for the user. */
	assert_int_equal(store_failure_add(f->s, "victor", "192.0.2.1", T0), 0);
	assert_int_equal(store_failures_user(f->s, "victor", 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_failures_party(f->s, "uid=1001", "victor", 0, &n), 0);
	assert_int_equal(n, 2);
	/* Unlocking victor lifts what counts against victor, not the lockout
	 * of the one who tried to become victor. */
	assert_int_equal(store_user_unlock(f->s, "victor"), 0);
	assert_int_equal(store_failures_user(f->s, "victor", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_failures_party(f->s, "uid=1001", "victor", 0, &n), 0);
	assert_int_equal(n, 2);
}

/* A row written behind the store's back, too long for its buffer. */
static void test_oversized_row_refused(void **state)
{
	struct fixture *f = *state;
	struct store_login got;
	struct store_session sess;
	uint32_t pid = 777;
	uint64_t start = 0;

	user_id(f->s, "alice");
	raw_exec(f->path, "INSERT INTO logins (login_id, user_id, user, service, device, source, score, signals, "
	                  "outcome, stepped_up, time) VALUES ('big', 1, 'alice', hex(zeroblob(100)), 'd', 's', 1, "
	                  "1, 1, 0, 1)");
	assert_int_equal(store_login_get(f->s, "big", &got), -EBADMSG);
	raw_exec(f->path, "INSERT INTO logins (login_id, user_id, user, service, device, source, score, signals, "
	                  "outcome, stepped_up, time) VALUES ('neg', 1, 'alice', 'sshd', 'd', 's', -5, "
	                  "1, 1, 0, 1)");
	assert_int_equal(store_login_get(f->s, "neg", &got), -EBADMSG);
	raw_exec(f->path, "INSERT INTO sessions (id, login_id, user_id, user, service, tty, rhost, device, source, "
	                  "pid, opened) VALUES ('s1', 'l1', 1, 'alice', 'sshd', hex(zeroblob(50)), '', '', '', "
	                  "777, 1)");
	assert_int_equal(store_session_find(f->s, &pid, &start, 1, "alice", &sess), -EBADMSG);
}

/* ---- sessions ---- */

/* The start time a test gives the process pid (any value distinct per pid). */
#define START_OF(pid) ((uint64_t)(pid)*1000 + 7)

static struct store_session session_make(int64_t uid, const char *id, const char *login_id, uint32_t pid,
                                         uint64_t opened)
{
	struct store_session x = {0};

	snprintf(x.id, sizeof(x.id), "%s", id);
	snprintf(x.login_id, sizeof(x.login_id), "%s", login_id);
	x.user_id = uid;
	snprintf(x.user, sizeof(x.user), "alice");
	snprintf(x.service, sizeof(x.service), "sshd");
	snprintf(x.tty, sizeof(x.tty), "ssh");
	snprintf(x.rhost, sizeof(x.rhost), "192.0.2.10");
	snprintf(x.device, sizeof(x.device), "SHA256:key-%u", pid);
	snprintf(x.source, sizeof(x.source), "192.0.2.10");
	x.pid = pid;
	x.pid_start = START_OF(pid);
	x.opened = opened;
	x.last_activity = opened;
	return x;
}

static int session_open_max(struct store *s, const struct store_session *x, uint32_t max)
{
	struct store_session_limit lim = {.max_user = max};

	return store_session_open(s, x, &lim, x->opened, NULL, NULL);
}

/* end_oldest closes the oldest open session(s) of the user in the open's
 * transaction and hands them back; refuse leaves everything as it was. */
static void test_session_end_oldest(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_session a = session_make(alice, "s1", "l1", 101, T0), b = session_make(alice, "s2", "l2", 102, T0),
	                     c = session_make(alice, "s3", "l3", 103, T0 + 5),
	                     e = session_make(alice, "s4", "l4", 104, T0 + 9), ended[STORE_END_OLDEST_MAX], got;
	struct store_session_limit lim = {.max_user = 2, .end_oldest = true};
	size_t n = 99;

	/* b is as old as a but inserted after it: a is the oldest. */
	assert_int_equal(store_session_open(f->s, &a, &lim, T0, ended, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_session_open(f->s, &b, &lim, T0, ended, &n), 0);
	assert_int_equal(store_session_open(f->s, &c, &lim, T0 + 5, ended, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ended[0].id, "s1");
	assert_string_equal(ended[0].end_cause, "ended_oldest");
	assert_int_equal(store_session_get(f->s, "s1", &got), -ENOENT);
	assert_int_equal(raw_int(f->path, "SELECT closed FROM sessions WHERE id = 's1' AND end_cause = 'ended_oldest'"),
	                 T0 + 5);
	/* Lowered by a reload: the open closes as many as it takes. */
	lim.max_user = 1;
	assert_int_equal(store_session_open(f->s, &e, &lim, T0 + 9, ended, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ended[0].id, "s2");
	assert_string_equal(ended[1].id, "s3");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE closed IS NULL"), 1);
	/* refuse: nothing closed, nothing inserted. */
	lim.end_oldest = false;
	a = session_make(alice, "s5", "l5", 105, T0 + 10);
	assert_int_equal(store_session_open(f->s, &a, &lim, T0 + 10, ended, &n), -EUSERS);
	assert_int_equal(store_session_get(f->s, "s4", &got), 0);
	assert_int_equal(store_session_get(f->s, "s5", &got), -ENOENT);
}

/* The per-source limit counts the user's sessions from that source only. */
static void test_session_per_source(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_session a = session_make(alice, "s1", "l1", 101, T0), b = session_make(alice, "s2", "l2", 102, T0),
	                     c = session_make(alice, "s3", "l3", 103, T0), d = session_make(alice, "s4", "l4", 104, T0),
	                     ended[STORE_END_OLDEST_MAX];
	struct store_session_limit lim = {.max_user = 10, .max_source = 1};
	size_t n = 0;

	snprintf(c.source, sizeof(c.source), "198.51.100.7");
	d.source[0] = '\0'; /* a local session: no per-source limit */
	assert_int_equal(store_session_open(f->s, &a, &lim, T0, ended, &n), 0);
	assert_int_equal(store_session_open(f->s, &b, &lim, T0, ended, &n), -EUSERS);
	assert_int_equal(store_session_open(f->s, &c, &lim, T0, ended, &n), 0);
	assert_int_equal(store_session_open(f->s, &d, &lim, T0, ended, &n), 0);
	lim.end_oldest = true;
	assert_int_equal(store_session_open(f->s, &b, &lim, T0, ended, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ended[0].id, "s1");
}

/* An end is recorded once with its cause; touch, list and paging. */
static void test_session_end_list(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	struct store_session page[2], got;
	struct store_session_limit lim = {0};
	char id[8];
	size_t n = 0;
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		got = session_make(i == 4 ? bob : alice, id, "", (uint32_t)(100 + i), T0);
		got.ends_at = T0 + 60;
		if (i == 4)
			snprintf(got.user, sizeof(got.user), "bob");
		assert_int_equal(store_session_open(f->s, &got, &lim, T0, NULL, NULL), 0);
	}
	assert_int_equal(store_session_list(f->s, NULL, page, 2, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].id, "s0");
	assert_string_equal(page[1].id, "s1");
	assert_int_equal(page[1].ends_at, T0 + 60);
	assert_int_equal(store_session_list(f->s, NULL, page, 2, &n, "s3"), 0);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "s4");
	assert_int_equal(store_session_list(f->s, "bob", page, 2, &n, ""), 0);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].user, "bob");

	assert_int_equal(store_session_touch(f->s, "s1", T0 + 30, T0 + 40), 0);
	assert_int_equal(store_session_get(f->s, "s1", &got), 0);
	assert_int_equal(got.last_activity, T0 + 30);
	assert_int_equal(got.warned_at, T0 + 40);
	assert_int_equal(store_session_end(f->s, "s1", "idle_end", T0 + 50, &got), 0);
	assert_string_equal(got.end_cause, "idle_end");
	assert_int_equal(store_session_end(f->s, "s1", "revoked", T0 + 51, &got), -ENOENT);
	assert_int_equal(store_session_touch(f->s, "s1", T0 + 52, 0), -ENOENT);
	/* Its service's close after the end: nothing to do, told apart. */
	assert_int_equal(store_session_close(f->s, "s1", "alice", 101, START_OF(101), T0 + 53, NULL), -EALREADY);
	assert_int_equal(store_session_close(f->s, "s1", "alice", 102, START_OF(102), T0 + 53, NULL), -ENOENT);
	assert_int_equal(raw_int(f->path, "SELECT closed FROM sessions WHERE id = 's1' AND end_cause = 'idle_end'"),
	                 T0 + 50);
	assert_int_equal(store_session_list(f->s, "alice", page, 2, &n, "s0"), 0);
	assert_string_equal(page[0].id, "s2");
	assert_int_equal(store_session_end(f->s, "s2", "", T0, NULL), -EINVAL);
}

static void test_user_suspend(void **state)
{
	struct fixture *f = *state;
	struct store_user u;

	assert_int_equal(store_user_get(f->s, "alice", T0, &u), 0);
	assert_false(u.suspended);
	assert_int_equal(store_user_suspend(f->s, "alice", true), 0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_true(u.suspended);
	assert_int_equal(store_user_suspend(f->s, "alice", false), 0);
	assert_int_equal(store_user_find(f->s, "alice", &u), 0);
	assert_false(u.suspended);
	/* Before any login: the row is made, suspended. */
	assert_int_equal(store_user_suspend(f->s, "carol", true), 0);
	assert_int_equal(store_user_find(f->s, "carol", &u), 0);
	assert_true(u.suspended);
	assert_int_equal(store_user_suspend(f->s, "", true), -EINVAL);
}

static void test_session_limit(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	struct store_session a = session_make(alice, "s1", "l1", 101, T0), b = session_make(alice, "s2", "l2", 102, T0),
	                     c = session_make(alice, "s3", "l3", 103, T0), d = session_make(bob, "s4", "l4", 104, T0);

	assert_int_equal(session_open_max(f->s, &a, 2), 0);
	assert_int_equal(session_open_max(f->s, &b, 2), 0);
	assert_int_equal(session_open_max(f->s, &c, 2), -EUSERS);
	/* Nothing was written by the refused open. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE id = 's3'"), 0);
	/* Another user's limit is its own. */
	assert_int_equal(session_open_max(f->s, &d, 1), 0);
	/* Closing one makes room. */
	assert_int_equal(store_session_close(f->s, "s1", "alice", 101, START_OF(101), T0 + 5, NULL), 0);
	assert_int_equal(session_open_max(f->s, &c, 2), 0);
	/* 0 = unlimited. */
	a = session_make(alice, "s5", "l5", 105, T0);
	assert_int_equal(session_open_max(f->s, &a, 0), 0);
	/* Ids are unique. */
	assert_int_equal(session_open_max(f->s, &a, 0), -EEXIST);
}

static void test_session_find_and_close(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_session a = session_make(alice, "s1", "l1", 100, T0), b = session_make(alice, "s2", "l2", 200, T0),
	                     got;
	uint32_t chain[] = {300, 200, 100, 1};
	uint64_t starts[] = {START_OF(300), START_OF(200), START_OF(100), START_OF(1)};
	uint64_t reused[] = {START_OF(300), START_OF(200) + 1, START_OF(100) + 1, START_OF(1)};
	uint32_t none[] = {5, 6};
	uint64_t none_starts[] = {START_OF(5), START_OF(6)};

	assert_int_equal(session_open_max(f->s, &a, 0), 0);
	assert_int_equal(session_open_max(f->s, &b, 0), 0);
	assert_int_equal(raw_int(f->path, "SELECT pid_start FROM sessions WHERE id = 's2'"), (int64_t)START_OF(200));

	/* The nearest ancestor with a session wins. */
	assert_int_equal(store_session_find(f->s, chain, starts, 4, "alice", &got), 0);
	assert_memory_equal(&got, &b, sizeof(b));
	assert_int_equal(store_session_find(f->s, chain + 2, starts + 2, 2, "alice", &got), 0);
	assert_string_equal(got.id, "s1");
	assert_int_equal(store_session_find(f->s, none, none_starts, 2, "alice", &got), -ENOENT);
	assert_int_equal(store_session_find(f->s, chain, starts, 0, "alice", &got), -ENOENT);
	/* The same pids, reused by processes started at other times, are not
	 * the sessions' processes. */
	assert_int_equal(store_session_find(f->s, chain, reused, 4, "alice", &got), -ENOENT);
	/* Only the user on whose behalf the caller runs borrows a session;
	 * the nearest one decides (s1 further up is not lent either). */
	assert_int_equal(store_session_find(f->s, chain, starts, 4, "bob", &got), -ENOENT);
	assert_int_equal(store_session_find(f->s, chain, starts, 4, NULL, &got), -EINVAL);

	/* Close needs the session id (not the login id), its user, its pid and
	 * that pid's start time; a refused close changes nothing. */
	assert_int_equal(store_session_close(f->s, "l2", "alice", 200, START_OF(200), T0 + 1, &got), -ENOENT);
	assert_int_equal(store_session_close(f->s, "", "alice", 200, START_OF(200), T0 + 1, &got), -ENOENT);
	assert_int_equal(store_session_close(f->s, "s2", "bob", 200, START_OF(200), T0 + 1, &got), -EPERM);
	assert_int_equal(store_session_close(f->s, "s2", "alice", 100, START_OF(100), T0 + 1, &got), -EPERM);
	assert_int_equal(store_session_close(f->s, "s2", "alice", 200, START_OF(200) + 1, T0 + 1, &got), -EPERM);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE closed IS NULL"), 2);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_session_close(f->s, "s2", "alice", 200, START_OF(200), T0 + 9, &got), 0);
	assert_memory_equal(&got, &b, sizeof(b));
	assert_int_equal(raw_int(f->path, "SELECT closed FROM sessions WHERE id = 's2'"), (int64_t)(T0 + 9));
	assert_int_equal(store_session_close(f->s, "s2", "alice", 200, START_OF(200), T0 + 10, &got), -ENOENT);

	/* A closed session lends nothing: the chain falls through to s1. */
	assert_int_equal(store_session_find(f->s, chain, starts, 4, "alice", &got), 0);
	assert_string_equal(got.id, "s1");
}

/* pid/start pairs the fake /proc shows alive. */
static uint32_t alive_pids[4];
static uint64_t alive_starts[4];

static bool fake_alive(uint32_t pid, uint64_t start)
{
	size_t i;

	for (i = 0; i < sizeof(alive_pids) / sizeof(alive_pids[0]); i++)
		if (alive_pids[i] == pid && alive_starts[i] == start)
			return true;
	return false;
}

static void test_session_reconcile(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_session a = session_make(alice, "s1", "l1", 10, T0), b = session_make(alice, "s2", "l2", 11, T0),
	                     c = session_make(alice, "s3", "l3", 12, T0), got;
	unsigned closed = 99;
	uint32_t pid;
	uint64_t start;

	assert_int_equal(session_open_max(f->s, &a, 0), 0);
	assert_int_equal(session_open_max(f->s, &b, 0), 0);
	assert_int_equal(session_open_max(f->s, &c, 0), 0);
	memset(alive_pids, 0, sizeof(alive_pids));
	memset(alive_starts, 0, sizeof(alive_starts));
	/* 11 is still its process; 12 was reused by a later one; 10 is gone. */
	alive_pids[0] = 11;
	alive_starts[0] = START_OF(11);
	alive_pids[1] = 12;
	alive_starts[1] = START_OF(12) + 1;
	assert_int_equal(store_session_reconcile(f->s, fake_alive, T0 + 100, NULL, NULL, &closed), 0);
	assert_int_equal(closed, 2);
	pid = 10;
	start = START_OF(10);
	assert_int_equal(store_session_find(f->s, &pid, &start, 1, "alice", &got), -ENOENT);
	pid = 12;
	start = START_OF(12);
	assert_int_equal(store_session_find(f->s, &pid, &start, 1, "alice", &got), -ENOENT);
	pid = 11;
	start = START_OF(11);
	assert_int_equal(store_session_find(f->s, &pid, &start, 1, "alice", &got), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE closed = 1700000100"), 2);
	/* Nothing left to close. */
	assert_int_equal(store_session_reconcile(f->s, fake_alive, T0 + 200, NULL, NULL, &closed), 0);
	assert_int_equal(closed, 0);
}

/* ---- status and prune ---- */

static void test_status(void **state)
{
	struct fixture *f = *state;
	struct vigil_status_report *rep = calloc(1, sizeof(*rep));
	int64_t alice = user_id(f->s, "alice");
	struct store_login l;
	char dev[32], src[32], id[32];
	uint8_t blob[40] = {1};
	struct store_totp t;
	int i;

	assert_non_null(rep);
	assert_int_equal(store_status(f->s, "nobody", 1000, rep), -ENOENT);
	assert_int_equal(store_totp_put_pending(f->s, alice, blob, sizeof(blob), 6, 30, T0), 0);
	assert_int_equal(store_totp_get(f->s, alice, false, &t), 0);
	/* A pending factor is not a factor yet. */
	assert_int_equal(store_status(f->s, "alice", 1000, rep), 0);
	assert_int_equal(rep->n_factors, 0);
	assert_int_equal(store_totp_activate(f->s, alice, t.id, 1, T0 + 1), 0);
	store_totp_clear(&t);

	/* More of everything than a report holds. */
	for (i = 0; i < VIGIL_LIST_MAX + 8; i++) {
		snprintf(dev, sizeof(dev), "dev-%d", i);
		snprintf(src, sizeof(src), "192.0.2.%d", i);
		assert_int_equal(
		    store_login_success(f->s, alice, dev, src, "192.0.2.0/24", T0 + 10 + (uint64_t)i, false, 0), 0);
		snprintf(id, sizeof(id), "login-%d", i);
		l = login_make(alice, id, T0 + 10 + (uint64_t)i);
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	assert_int_equal(store_user_lock(f->s, alice, T0 + 999), 0);

	assert_int_equal(store_status(f->s, "alice", 1000, rep), 0);
	assert_string_equal(rep->user, "alice");
	assert_int_equal(rep->locked_until, T0 + 999);
	assert_int_equal(rep->n_factors, 1);
	assert_int_equal(rep->factors[0].type, VIGIL_FACTOR_TOTP);
	assert_int_equal(rep->factors[0].created, T0);
	assert_int_equal(rep->factors[0].last_used, T0 + 1);
	assert_int_equal(rep->n_devices, VIGIL_LIST_MAX);
	assert_int_equal(rep->n_sources, VIGIL_LIST_MAX);
	assert_int_equal(rep->n_logins, VIGIL_LIST_MAX);
	/* Newest first. */
	snprintf(dev, sizeof(dev), "dev-%d", VIGIL_LIST_MAX + 7);
	assert_string_equal(rep->devices[0].fingerprint, dev);
	assert_int_equal(rep->devices[0].last_seen, T0 + 10 + VIGIL_LIST_MAX + 7);
	snprintf(src, sizeof(src), "192.0.2.%d", VIGIL_LIST_MAX + 7);
	assert_string_equal(rep->sources[0].addr, src);
	for (i = 1; i < VIGIL_LIST_MAX; i++) {
		assert_true(rep->devices[i].last_seen < rep->devices[i - 1].last_seen);
		assert_true(rep->sources[i].last_seen < rep->sources[i - 1].last_seen);
		assert_true(rep->logins[i].time < rep->logins[i - 1].time);
	}
	assert_int_equal(rep->logins[0].time, T0 + 10 + VIGIL_LIST_MAX + 7);
	assert_string_equal(rep->logins[0].service, "sshd");
	assert_string_equal(rep->logins[0].rhost, "192.0.2.10");
	assert_int_equal(rep->logins[0].outcome, VIGIL_OUTCOME_ALLOW);
	assert_int_equal(rep->logins[0].score, 42);
	assert_int_equal(rep->logins[0].signals, 0x81);
	free(rep);
}

static void test_prune(void **state)
{
	struct fixture *f = *state;
	int64_t alice = user_id(f->s, "alice");
	struct store_login old = login_make(alice, "old", T0 + 100), young = login_make(alice, "young", T0 + 300), got;
	struct store_session a = session_make(alice, "s1", "l1", 10, T0), b = session_make(alice, "s2", "l2", 11, T0),
	                     c = session_make(alice, "s3", "l3", 12, T0);
	struct store_facts x;
	uint32_t n;

	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0 + 100), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.1", T0 + 300), 0);
	assert_int_equal(store_login_put(f->s, &old), 0);
	assert_int_equal(store_login_put(f->s, &young), 0);
	assert_int_equal(store_login_success(f->s, alice, "dev-a", "192.0.2.1", "192.0.2.0/24", T0, true, T0 + 200), 0);
	assert_int_equal(store_login_success(f->s, alice, "dev-b", "192.0.2.1", "192.0.2.0/24", T0, true, T0 + 201), 0);
	assert_int_equal(session_open_max(f->s, &a, 0), 0);
	assert_int_equal(session_open_max(f->s, &b, 0), 0);
	assert_int_equal(session_open_max(f->s, &c, 0), 0);
	assert_int_equal(store_session_close(f->s, "s1", "alice", 10, START_OF(10), T0 + 100, NULL), 0);
	assert_int_equal(store_session_close(f->s, "s2", "alice", 11, START_OF(11), T0 + 300, NULL), 0);

	assert_int_equal(store_prune(f->s, T0 + 200), 0);
	/* Login records, failures and sessions go in steps of their own: the
	 * old login, the old failure and session s1, then nothing. */
	assert_int_equal(store_login_get(f->s, "old", &got), 0);
	assert_int_equal(store_prune_step(f->s, T0 + 200, 0), -EINVAL);
	assert_int_equal(store_prune_step(f->s, T0 + 200, 1), 1);
	assert_int_equal(store_login_get(f->s, "old", &got), -ENOENT);
	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_prune_step(f->s, T0 + 200, 2), 1);
	assert_int_equal(store_prune_step(f->s, T0 + 200, 2), 0);

	assert_int_equal(store_failures_user(f->s, "alice", 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_login_get(f->s, "old", &got), -ENOENT);
	assert_int_equal(store_login_get(f->s, "young", &got), 0);
	/* Expired at or before T0 + 200: gone; the other is kept. */
	assert_int_equal(store_login_facts(f->s, alice, "dev-a", "192.0.2.1", "192.0.2.0/24", 0, T0 + 50, &x), 0);
	assert_int_equal(x.grant_time, 0);
	assert_int_equal(store_login_facts(f->s, alice, "dev-b", "192.0.2.1", "192.0.2.0/24", 0, T0 + 50, &x), 0);
	assert_int_equal(x.grant_time, T0);
	/* Closed before T0 + 200: gone; closed later or open: kept. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE id = 's1'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sessions WHERE id IN ('s2', 's3')"), 2);
	/* What the store learned is not history: it stays. */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM seen WHERE kind = 1"), 2);
}

/* ---- checkpoints ---- */

/* A count read by another process (the sqlite3 shell, as an admin would);
 * the test is skipped without it. */
static long other_process_count(const char *path, const char *sql)
{
	char cmd[512], out[64] = "";
	FILE *p;

	if (system("command -v sqlite3 >/dev/null 2>&1") != 0)
		skip();
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' '%s' 2>&1", path, sql);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return strtol(out, NULL, 10);
}

/* Commits never checkpoint once the checkpointer runs: it copies the WAL
 * back past 1000 pages from its own thread, and truncates it when idle. */
static void test_checkpointer(void **state)
{
	struct fixture *f = *state;
	struct store_checkpoint *c = NULL;
	struct store_checkpoint_stats stats;
	int64_t alice = user_id(f->s, "alice");
	struct store_login l;
	char name[32];
	int i;

	assert_int_equal(store_checkpoint_start(f->s, &c, NULL, 0), 0);
	/* About 5 pages each: past the threshold of 1000 pages. */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "user%04d", i);
		(void)user_id(f->s, name);
		l = login_make(alice, "", T0 + (uint64_t)i);
		assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
		assert_int_equal(store_login_put(f->s, &l), 0);
	}
	/* Another process sees every row: opening its connection took none
	 * of the store's locks away (POSIX locks are the process's: a
	 * descriptor of the file closed anywhere in vigild drops them all). */
	assert_int_equal(other_process_count(f->path, "SELECT count(*) FROM logins"), 300);
	for (i = 0; i < 40; i++) {
		store_checkpoint_stats(c, &stats);
		if (stats.passive > 0)
			break;
		usleep(100000);
	}
	assert_true(stats.passive > 0);
	/* Idle: the WAL goes back to nothing within a few seconds (the
	 * thread counts the truncation just after the file shrinks: both are
	 * waited for). */
	for (i = 0; i < 100; i++) {
		store_checkpoint_stats(c, &stats);
		if (wal_size(f->path) == 0 && stats.truncate > 0)
			break;
		usleep(100000);
	}
	assert_int_equal(wal_size(f->path), 0);
	assert_true(stats.truncate > 0);
	assert_int_equal(stats.failures, 0);
	assert_int_equal(store_checkpoint_stop(c), 0);
	assert_int_equal(store_checkpoint_stop(NULL), 0);
	/* Still usable, on SQLite's own checkpoints again. */
	l = login_make(alice, "", T0);
	assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
	assert_int_equal(store_login_put(f->s, &l), 0);
}

/* The checkpointer's connection is checked as the store's: a -wal that
 * others may read is refused. */
static void test_checkpointer_checks_files(void **state)
{
	struct fixture *f = *state;
	struct store_checkpoint *c = NULL;
	char wal[160], why[256] = "";

	(void)user_id(f->s, "alice");
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(chmod(wal, 0644), 0);
	assert_true(store_checkpoint_start(f->s, &c, why, sizeof(why)) < 0);
	assert_null(c);
	assert_non_null(strstr(why, "-wal"));
	assert_int_equal(chmod(wal, 0600), 0);
	assert_int_equal(store_checkpoint_start(f->s, &c, why, sizeof(why)), 0);
	assert_int_equal(store_checkpoint_stop(c), 0);
}

/* ---- query plans ---- */

/* The connection store_open() makes, caught as SQLite opens it. */
static sqlite3 *caught_db;
static int catching;

static int catch_db(sqlite3 *db, char **err, const struct sqlite3_api_routines *api)
{
	(void)err;
	(void)api;
	if (catching)
		caught_db = db;
	return SQLITE_OK;
}

/* Counts the steps of sql's plan that read a whole table without an
 * index ("SCAN t", not "SCAN t USING ... INDEX"; "SCAN (subquery-N)" reads
 * an intermediate result, whose own steps are judged on their lines). */
static int full_scans(sqlite3 *db, const char *sql, char *why, size_t cap)
{
	sqlite3_stmt *st = NULL;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	const char *detail;
	int n = 0;

	assert_non_null(q);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		detail = (const char *)sqlite3_column_text(st, 3);
		/* Not a table: one constant row, the rows of a VALUES list, a
		 * subquery. */
		if (detail && strncmp(detail, "SCAN ", 5) == 0 && !strstr(detail, " USING ") &&
		    strcmp(detail, "SCAN CONSTANT ROW") != 0 && !strstr(detail, " CONSTANT ROWS") &&
		    strncmp(detail, "SCAN (subquery", 14) != 0) {
			snprintf(why, cap, "%s: %s", detail, sql);
			n++;
		}
	}
	sqlite3_finalize(st);
	sqlite3_free(q);
	return n;
}

static void test_query_plans(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;
	char why[512] = "";
	int n = 0, scans = 0;

	catching = 1;
	assert_int_equal(sqlite3_auto_extension((void (*)(void))catch_db), SQLITE_OK);
	assert_int_equal(store_open(f->path, &f->s), 0);
	catching = 0;
	sqlite3_cancel_auto_extension((void (*)(void))catch_db);
	assert_non_null(caught_db);

	/* The checker sees a full scan when there is one. */
	assert_int_equal(full_scans(caught_db, "SELECT count(*) FROM logins WHERE service = 'sshd'", why, sizeof(why)),
	                 1);
	why[0] = '\0';

	/* Every statement the store cached, the login path among them. */
	while ((st = sqlite3_next_stmt(caught_db, st))) {
		const char *sql = sqlite3_sql(st);

		if (!sql || strncmp(sql, "EXPLAIN", 7) == 0)
			continue;
		n++;
		scans += full_scans(caught_db, sql, why, sizeof(why));
	}
	if (scans)
		print_error("full table scan: %s\n", why);
	assert_int_equal(scans, 0);
	assert_true(n >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_creates_0600, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_symlink, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_readable_file, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_non_regular, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_foreign_owner, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_explains, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_bad_wal_and_shm, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_reopen_keeps_data, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema_refused, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_open_settings, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_users, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_facts_and_success, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_grants, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_failures, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_source_unlock, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_totp, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_logins, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_totp_remove, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_device_source_forget, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_login_finish, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_failures_local, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_prune_user_history, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_prune_user_history_slices, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_row_refused, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_limit, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_end_oldest, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_per_source, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_end_list, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_user_suspend, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_find_and_close, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_session_reconcile, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_status, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_prune, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_query_plans, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_login_ids, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_totp_index, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_seen, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_login_ids_reopen, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_login_wal_bytes, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_checkpointer, open_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_checkpointer_checks_files, open_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
