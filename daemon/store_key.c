/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's security keys (see store.h): FIDO2 credentials and OpenSSH
 * security keys of a user, their names, and the signature counter that
 * tells a clone (raised only upwards, in the statement that writes it).
 */
#include <errno.h>
#include <string.h>

#include "store_impl.h"

static int blob_read(sqlite3_stmt *st, int col, uint8_t *out, size_t cap, size_t *ret_len)
{
	const void *blob = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB || n <= 0 || (size_t)n > cap)
		return -EBADMSG;
	if (!blob)
		return -ENOMEM;
	memcpy(out, blob, (size_t)n);
	*ret_len = (size_t)n;
	return 0;
}

/* One row of KEY_COLS. */
static int key_read(sqlite3_stmt *st, struct store_key *ret)
{
	struct store_key k = {0};
	struct row w = {st, 0, 0};
	uint32_t kind;
	int r;

	k.id = row_i64(&w);
	k.user_id = row_i64(&w);
	kind = row_u32(&w);
	row_text(&w, k.name, sizeof(k.name));
	w.col++; /* cred_id, below */
	k.cose_alg = (int32_t)row_i64(&w);
	w.col++; /* pubkey, below */
	k.sign_count = row_u32(&w);
	k.flags = row_u32(&w);
	k.created = row_u64(&w);
	k.last_used = row_u64(&w);
	if ((r = w.r) < 0)
		return r;
	if (kind != STORE_KEY_FIDO2 && kind != STORE_KEY_SSH_SK)
		return -EBADMSG;
	k.kind = (uint8_t)kind;
	if ((r = blob_read(st, 4, k.cred_id, sizeof(k.cred_id), &k.cred_id_len)) < 0 ||
	    (r = blob_read(st, 6, k.pubkey, sizeof(k.pubkey), &k.pubkey_len)) < 0)
		return r;
	*ret = k;
	return 0;
}

int store_key_list(struct store *s, int64_t user_id, struct store_key *ret, size_t cap, size_t *ret_n)
{
	sqlite3_stmt *st = st_use(s, ST_KEY_LIST);
	int rc = SQLITE_OK, r;
	size_t n = 0;

	bind_i64(st, 1, user_id, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while ((r = st_row(st)) == 1 && n < cap) {
		if ((r = key_read(st, &ret[n])) < 0)
			goto out;
		n++;
	}
	if (r < 0)
		goto out;
	*ret_n = n;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_key_get(struct store *s, int64_t user_id, const char *name, struct store_key *ret)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(name, STORE_KEY_NAME_MAX)) < 0)
		return r;
	st = st_use(s, ST_KEY_GET);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, name, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	r = key_read(st, ret);
out:
	sqlite3_reset(st);
	return r;
}

int store_key_add(struct store *s, const struct store_key *k, size_t max, int64_t *ret_id)
{
	sqlite3_stmt *st;
	uint32_t n = 0;
	int rc = SQLITE_OK, r;

	if ((r = str_check(k->name, STORE_KEY_NAME_MAX)) < 0)
		return r;
	if ((k->kind != STORE_KEY_FIDO2 && k->kind != STORE_KEY_SSH_SK) || k->cred_id_len == 0 ||
	    k->cred_id_len > sizeof(k->cred_id) || k->pubkey_len == 0 || k->pubkey_len > sizeof(k->pubkey))
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	st = st_use(s, ST_KEY_COUNT);
	bind_i64(st, 1, k->user_id, &rc);
	if ((r = count_query(s, st, rc, &n)) < 0)
		goto out;
	if (n >= max) {
		r = -EDQUOT;
		goto out;
	}
	st = st_use(s, ST_KEY_INSERT);
	bind_i64(st, 1, k->user_id, &rc);
	bind_i64(st, 2, k->kind, &rc);
	bind_text(st, 3, k->name, &rc);
	bind_blob(st, 4, k->cred_id, k->cred_id_len, &rc);
	bind_i64(st, 5, k->cose_alg, &rc);
	bind_blob(st, 6, k->pubkey, k->pubkey_len, &rc);
	bind_i64(st, 7, k->sign_count, &rc);
	bind_i64(st, 8, k->flags, &rc);
	bind_u64(st, 9, k->created, &rc);
	/* The unique indexes (name, credential) turn a duplicate into a
	 * constraint error: -EEXIST. */
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	*ret_id = sqlite3_last_insert_rowid(s->db);
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_key_rename(struct store *s, int64_t user_id, const char *name, const char *new_name)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(name, STORE_KEY_NAME_MAX)) < 0 || (r = str_check(new_name, STORE_KEY_NAME_MAX)) < 0)
		return r;
	st = st_use(s, ST_KEY_RENAME);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, name, &rc);
	bind_text(st, 3, new_name, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_key_remove(struct store *s, int64_t user_id, const char *name)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(name, STORE_KEY_NAME_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	st = st_use(s, ST_KEY_DELETE);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, name, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	st = st_use(s, ST_GRANTS_DELETE_USER);
	bind_i64(st, 1, user_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_key_use(struct store *s, int64_t key_id, uint32_t count, uint64_t now)
{
	sqlite3_stmt *st = st_use(s, ST_KEY_USE);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, key_id, &rc);
	bind_i64(st, 2, count, &rc);
	bind_u64(st, 3, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	if (r > 0)
		return 0;
	r = store_key_usable(s, key_id);
	return r == 0 ? -EALREADY : r;
}

int store_key_flag(struct store *s, int64_t key_id, uint32_t flags)
{
	sqlite3_stmt *st = st_use(s, ST_KEY_FLAG);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, key_id, &rc);
	bind_i64(st, 2, flags, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_key_usable(struct store *s, int64_t key_id)
{
	sqlite3_stmt *st = st_use(s, ST_KEY_EXISTS);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, key_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	r = (sqlite3_column_int64(st, 0) & STORE_KEY_CLONED) ? -EALREADY : 0;
out:
	sqlite3_reset(st);
	return r;
}
