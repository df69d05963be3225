/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's recovery codes (see store.h): one set per user, replaced
 * whole in one transaction, each row marked used by one statement that
 * checks and sets at once.  Only hashes and salts get here (recovery.c
 * makes them); rows read back are bounded before they reach the caller's
 * buffers.  The statements are prepared per call rather than cached in
 * store.c's table: each call costs far less than the one KDF derivation
 * that goes with it.  The admin's removal is in store_admin.c, with the
 * other removals that take grants with them.
 */
#include <errno.h>
#include <string.h>

#include "store_impl.h"
#include "wipe.h"

/* Prepares sql into *st (finalizing what *st held: a function's
 * statements follow one another in one variable), binding as many of
 * ?1 = user_id and ?2 = arg as sql has. */
static int prepare(struct store *s, sqlite3_stmt **st, const char *sql, int64_t user_id, int64_t arg)
{
	int rc = SQLITE_OK, r;

	sqlite3_finalize(*st);
	*st = NULL;
	if ((r = st_prepare(s, sql, st)) < 0)
		return r;
	if (sqlite3_bind_parameter_count(*st) >= 1)
		bind_i64(*st, 1, user_id, &rc);
	if (sqlite3_bind_parameter_count(*st) >= 2)
		bind_i64(*st, 2, arg, &rc);
	return bind_result(rc);
}

/* A blob column into out[cap]: present, not empty, at most cap bytes. */
static void row_blob(struct row *w, uint8_t *out, size_t cap, size_t *ret_len)
{
	int c = w->col++;
	const void *v;
	int n;

	if (w->r != 0)
		return;
	if (sqlite3_column_type(w->st, c) != SQLITE_BLOB) {
		w->r = -EBADMSG;
		return;
	}
	v = sqlite3_column_blob(w->st, c);
	n = sqlite3_column_bytes(w->st, c);
	if (!v || n <= 0 || (size_t)n > cap) {
		w->r = v ? -EBADMSG : -ENOMEM;
		return;
	}
	memcpy(out, v, (size_t)n);
	*ret_len = (size_t)n;
}

int store_recovery_replace(struct store *s, int64_t user_id, const uint8_t *salt, size_t salt_len,
                           const uint8_t *hashes, size_t hash_len, size_t n, uint64_t now)
{
	static const char top[] = "SELECT coalesce(max(id), 0) FROM recovery_codes";
	static const char ins[] = "INSERT INTO recovery_codes (user_id, created, salt, hash, used) "
	                          "VALUES (?1, ?2, ?3, ?4, 0)";
	static const char del[] = "DELETE FROM recovery_codes WHERE user_id = ?1 AND id <= ?2";
	sqlite3_stmt *st = NULL;
	int64_t old_max;
	size_t i;
	int rc = SQLITE_OK, r;

	if (!salt || !hashes || salt_len == 0 || hash_len == 0 || n == 0)
		return -EINVAL;
	if (salt_len > STORE_RECOVERY_SALT_MAX || hash_len > STORE_RECOVERY_HASH_MAX || n > STORE_RECOVERY_ROWS_MAX)
		return -E2BIG;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* New rows first, old ones after: the new ids are above every id
	 * ever handed out for a set still stored, so an id read from the old
	 * set never names a new code (store_recovery_use() finds it gone). */
	if ((r = prepare(s, &st, top, 0, 0)) < 0 || (r = st_row(st)) < 0)
		goto out;
	old_max = r == 1 ? sqlite3_column_int64(st, 0) : 0;
	if ((r = prepare(s, &st, ins, user_id, 0)) < 0)
		goto out;
	bind_u64(st, 2, now, &rc);
	bind_blob(st, 3, salt, salt_len, &rc);
	for (i = 0; i < n; i++) {
		/* Bindings stay between steps: only the hash changes. */
		bind_blob(st, 4, hashes + i * hash_len, hash_len, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
		/* SQLite picks max + 1 until the ids run out. */
		if (sqlite3_last_insert_rowid(s->db) <= old_max) {
			r = -EIO;
			goto out;
		}
	}
	if ((r = prepare(s, &st, del, user_id, old_max)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	r = tx_commit(s);
out:
	sqlite3_finalize(st);
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_recovery_get(struct store *s, int64_t user_id, struct store_recovery_set *ret)
{
	static const char sql[] = "SELECT id, created, salt, hash, used FROM recovery_codes WHERE user_id = ?1 "
	                          "ORDER BY id";
	struct store_recovery_set set = {0};
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(s, &st, sql, user_id, 0)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct store_recovery_code *c = &set.rows[set.n];
		struct row w = {st, 0, 0};

		/* More rows than a set has: not what we wrote. */
		if (set.n == STORE_RECOVERY_ROWS_MAX) {
			r = -EBADMSG;
			goto out;
		}
		c->id = row_i64(&w);
		c->created = row_u64(&w);
		row_blob(&w, c->salt, sizeof(c->salt), &c->salt_len);
		row_blob(&w, c->hash, sizeof(c->hash), &c->hash_len);
		c->used = row_u64(&w);
		if ((r = w.r) < 0)
			goto out;
		set.n++;
	}
	if (r < 0)
		goto out;
	if (set.n == 0) {
		r = -ENOENT;
		goto out;
	}
	*ret = set;
	r = 0;
out:
	sqlite3_finalize(st);
	wipe(&set, sizeof(set));
	return r;
}

int store_recovery_use(struct store *s, int64_t user_id, int64_t id, uint64_t now)
{
	/* The check and the mark are one statement: a code is used once. */
	static const char use[] = "UPDATE recovery_codes SET used = ?3 WHERE user_id = ?1 AND id = ?2 AND used = 0";
	static const char state[] = "SELECT used FROM recovery_codes WHERE user_id = ?1 AND id = ?2";
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK, r;

	if (now == 0)
		return -EINVAL;
	if ((r = prepare(s, &st, use, user_id, id)) < 0)
		goto out;
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r > 0) {
		r = 0;
		goto out;
	}
	/* Nothing changed: used meanwhile, or replaced by a new set. */
	if ((r = prepare(s, &st, state, user_id, id)) < 0 || (r = st_row(st)) < 0)
		goto out;
	r = r == 1 ? -EALREADY : -ENOENT;
out:
	sqlite3_finalize(st);
	return r;
}

int store_recovery_count(struct store *s, int64_t user_id, uint32_t *ret)
{
	/* Every login's inventory asks: a cached statement, not one parsed
	 * each time. */
	sqlite3_stmt *st = st_use(s, ST_RECOVERY_COUNT);
	int rc = SQLITE_OK;

	bind_i64(st, 1, user_id, &rc);
	return count_query(s, st, rc, ret);
}
