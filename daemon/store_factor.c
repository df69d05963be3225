/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's TOTP factors (see store.h): sealed seeds (sealed before they
 * get here, wiped when read back), one active and one pending per user,
 * and the replay watermark, checked and raised by one statement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "wipe.h"

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

int store_totp_active_id(struct store *s, int64_t user_id, int64_t *ret_id)
{
	sqlite3_stmt *st = st_use(s, ST_TOTP_ACTIVE_ID);
	int rc = SQLITE_OK;

	bind_i64(st, 1, user_id, &rc);
	return int_query(s, st, rc, ret_id);
}

int store_totp_digits(struct store *s, int64_t factor_id, uint32_t *ret)
{
	sqlite3_stmt *st = st_use(s, ST_TOTP_DIGITS);
	int64_t digits;
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, factor_id, &rc);
	if ((r = int_query(s, st, rc, &digits)) < 0)
		return r;
	if (digits < 0 || digits > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)digits;
	return 0;
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
	store_tx_durable(s);
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

int store_factor_spend(struct store *s, int64_t user_id, const struct store_factor_use *use, uint64_t now)
{
	/* A spent code or counter forgotten in a power cut could be replayed:
	 * on the disk before the answer, whatever else the transaction holds. */
	store_tx_durable(s);
	switch (use->kind) {
	case VIGIL_FACTOR_TOTP:
		return store_totp_accept(s, use->factor_id, use->step, now);
	case VIGIL_FACTOR_FIDO2:
	case VIGIL_FACTOR_SSH_SK:
		/* An ssh-sk key has no counter: 0 stays 0, last_used moves. */
		if (use->step < 0 || use->step > UINT32_MAX)
			return -EINVAL;
		return store_key_use(s, use->factor_id, (uint32_t)use->step, now);
	case VIGIL_FACTOR_RECOVERY:
		return store_recovery_use(s, user_id, use->factor_id, now);
	default:
		return -EINVAL;
	}
}

int store_factor_prove(struct store *s, int64_t user_id, const struct store_factor_use *use, uint64_t now)
{
	int r;

	if ((r = tx_begin(s, true)) < 0)
		return r;
	if ((r = store_factor_spend(s, user_id, use, now)) < 0 || (r = tx_commit(s)) < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}
