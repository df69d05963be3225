/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's admin changes (see store.h): removing a user's TOTP factor
 * or recovery codes, forgetting a known device or source.  Each runs in one transaction with
 * the grants it invalidates, so no step-up outlives what it was proved
 * with.  The names come from the admin socket (root) and are only keys:
 * bound as parameters, checked against their protocol limits.
 *
 * These statements are prepared per call rather than cached in store.c's
 * table: they run once per admin command, never on the login path.
 */
#include <errno.h>
#include <string.h>

#include "store_impl.h"

/* Runs sql (constant text) with ?1 = user's id and ?2 = key (may be NULL):
 * the number of rows it changed, or a negative errno. */
static int admin_exec(struct store *s, const char *sql, int64_t user_id, const char *key)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if ((r = st_prepare(s, sql, &st)) < 0)
		goto out;
	rc = SQLITE_OK;
	bind_i64(st, 1, user_id, &rc);
	if (key)
		bind_text(st, 2, key, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	r = st_exec(s, st);
out:
	sqlite3_finalize(st);
	return r;
}

/* The id of a user the store knows, or -ENOENT. */
static int user_id(struct store *s, const char *user, int64_t *ret)
{
	struct store_user u;
	int r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0)
		return r;
	if (!user[0])
		return -EINVAL;
	if ((r = store_user_find(s, user, &u)) < 0)
		return r;
	*ret = u.id;
	return 0;
}

/* Deletes what `what` names (bound to ?1 = user id, ?2 = key), then the
 * grants `grants` names, in one transaction.  -ENOENT if `what` deleted
 * nothing: then nothing is changed. */
static int forget(struct store *s, const char *user, const char *key, size_t key_max, const char *what,
                  const char *grants)
{
	int64_t id;
	int r;

	if (key && (r = str_check(key, key_max)) < 0)
		return r;
	if (key && !key[0])
		return -EINVAL;
	if ((r = user_id(s, user, &id)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	if ((r = admin_exec(s, what, id, key)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	if ((r = admin_exec(s, grants, id, key)) < 0)
		goto out;
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_totp_remove(struct store *s, const char *user)
{
	/* Pending ones too: an enrollment begun with the lost phone at hand
	 * must not be completed later by whoever holds it. */
	return forget(s, user, NULL, 0, "DELETE FROM totp_factors WHERE user_id = ?1",
	              "DELETE FROM grants WHERE user_id = ?1");
}

int store_recovery_remove(struct store *s, const char *user)
{
	return forget(s, user, NULL, 0, "DELETE FROM recovery_codes WHERE user_id = ?1",
	              "DELETE FROM grants WHERE user_id = ?1");
}

int store_device_forget(struct store *s, const char *user, const char *fingerprint)
{
	return forget(s, user, fingerprint, VIGIL_FINGERPRINT_MAX,
	              "DELETE FROM seen WHERE user_id = ?1 AND kind = " SEEN_DEVICE " AND value = ?2",
	              "DELETE FROM grants WHERE user_id = ?1 AND device = ?2");
}

int store_source_forget(struct store *s, const char *user, const char *addr)
{
	return forget(s, user, addr, VIGIL_ADDR_MAX,
	              "DELETE FROM seen WHERE user_id = ?1 AND kind = " SEEN_SOURCE " AND value = ?2",
	              "DELETE FROM grants WHERE user_id = ?1 AND source = ?2");
}
