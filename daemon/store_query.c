/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's read-only admin queries (see store_query.h).  Their SQL lives
 * here rather than in store.c's cached table: they run when an admin asks,
 * never on the login path, so each is prepared for the call and finalized.
 * Every parameter is bound; every row read back is bounded before it
 * reaches a buffer (row_text truncates nothing silently: an over-long value
 * is an error).  Optional filters are "?N = '' OR col = ?N" so one
 * statement serves every combination.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store_impl.h"
#include "store_query.h"

/* Prepares sql on s's connection for one use; finalize with
 * sqlite3_finalize(). */
uint8_t store_shadow_marker(uint32_t mode, uint8_t verdict)
{
	bool deny = verdict == VIGIL_VERDICT_DENY;

	/* An allow verdict was enforced as such, whatever the mode. */
	if (verdict == VIGIL_VERDICT_ALLOW || verdict == VIGIL_VERDICT_UNKNOWN)
		return VIGIL_SHADOW_NONE;
	/* Anything else a mode waives is a step-up it did not ask. */
	switch (mode) {
	case VIGIL_MODE_SHADOW:
		return deny ? VIGIL_SHADOW_DENY : VIGIL_SHADOW_STEPUP;
	case VIGIL_MODE_LEARN:
		return deny ? VIGIL_SHADOW_LEARN_DENY : VIGIL_SHADOW_LEARN_STEPUP;
	default:
		return VIGIL_SHADOW_NONE;
	}
}

int store_users_page(struct store *s, const char *after, struct vigil_user_list *ret)
{
	/* One more row than a page: whether it exists is ret->more. */
	static const char sql[] = "SELECT u.name,"
	                          " (SELECT count(*) FROM totp_factors f WHERE f.user_id = u.id AND f.active = 1),"
	                          " u.first_seen, coalesce((SELECT a.last_seen FROM seen a WHERE a.user_id = u.id"
	                          " AND a.kind = " SEEN_ACCOUNT " AND a.value = ''), 0),"
	                          " coalesce((SELECT max(l.time) FROM logins l WHERE l.user_id = u.id), 0),"
	                          " u.locked_until, u.suspended "
	                          "FROM users u WHERE u.name > ?1 ORDER BY u.name LIMIT ?2";
	sqlite3_stmt *st = NULL;
	struct row w;
	int rc = SQLITE_OK, r;

	if ((r = str_check(after, VIGIL_USER_MAX)) < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	if ((r = st_prepare(s, sql, &st)) < 0)
		return r;
	bind_text(st, 1, after, &rc);
	bind_i64(st, 2, VIGIL_LIST_MAX + 1, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct vigil_user_summary *u;

		if (ret->n_users == VIGIL_LIST_MAX) {
			ret->more = 1;
			break;
		}
		u = &ret->users[ret->n_users];
		w = (struct row){st, 0, 0};
		row_text(&w, u->name, sizeof(u->name));
		u->factors = (uint16_t)row_u32(&w);
		u->first_seen = row_u64(&w);
		u->last_success = row_u64(&w);
		u->last_login = row_u64(&w);
		u->locked_until = row_u64(&w);
		u->suspended = row_i64(&w) != 0;
		if ((r = w.r) < 0)
			goto out;
		ret->n_users++;
	}
	if (r < 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r;
}

int store_history_page(struct store *s, const struct vigil_history_request *q, struct vigil_history_page *ret)
{
	/* Newest first; logins of the same second in the order they were
	 * written (their id), so the cursor (the last login of a page, by id)
	 * splits the order exactly.  Should that login be pruned between two
	 * pages, the rest of its second is skipped, never repeated.  Shadow
	 * (learn): allowed only because of shadow (learn) mode, i.e. decided
	 * under it with a verdict other than allow. */
	static const char sql[] =
	    "SELECT coalesce(login_id, CAST(id AS TEXT)), time, user, service, source, device, outcome, reason, "
	    "verdict,"
	    " shadow, stepped_up, score,"
	    " signals "
	    "FROM logins "
	    "WHERE (?1 = '' OR user = ?1) AND (?2 = '' OR service = ?2)"
	    " AND (?3 = 0 OR (?3 = 1 AND outcome = 1) OR (?3 = 2 AND outcome = 2)"
	    "      OR (?3 = 3 AND outcome = 1 AND shadow = 1 AND verdict > 1)"
	    "      OR (?3 = 4 AND outcome = 1 AND shadow = 2 AND verdict > 1))"
	    " AND time >= ?4"
	    " AND (?6 = '' OR time < ?5"
	    "      OR (time = ?5 AND id < (SELECT id FROM logins WHERE login_id = ?6 UNION ALL"
	    "                              SELECT id FROM logins WHERE id = CAST(?6 AS INTEGER)"
	    "                              AND login_id IS NULL AND CAST(id AS TEXT) = ?6 LIMIT 1))) "
	    "ORDER BY time DESC, id DESC LIMIT ?7";
	sqlite3_stmt *st = NULL;
	struct row w;
	int rc = SQLITE_OK, r;

	if ((r = FIELD_CHECK(q->user)) < 0 || (r = FIELD_CHECK(q->service)) < 0 || (r = FIELD_CHECK(q->before_id)) < 0)
		return r;
	if (q->decision >= VIGIL_HISTORY_FILTER_MAX_)
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if ((r = st_prepare(s, sql, &st)) < 0)
		return r;
	bind_text(st, 1, q->user, &rc);
	bind_text(st, 2, q->service, &rc);
	bind_i64(st, 3, q->decision, &rc);
	bind_u64(st, 4, q->since, &rc);
	bind_u64(st, 5, q->before_time, &rc);
	bind_text(st, 6, q->before_id, &rc);
	bind_i64(st, 7, VIGIL_LIST_MAX + 1, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct vigil_history_entry *e;
		uint32_t outcome, reason, verdict, shadow, stepped_up;

		if (ret->n_logins == VIGIL_LIST_MAX) {
			ret->more = 1;
			break;
		}
		e = &ret->logins[ret->n_logins];
		w = (struct row){st, 0, 0};
		row_text(&w, e->login_id, sizeof(e->login_id));
		e->time = row_u64(&w);
		row_text(&w, e->user, sizeof(e->user));
		row_text(&w, e->service, sizeof(e->service));
		row_text(&w, e->source, sizeof(e->source));
		row_text(&w, e->device, sizeof(e->device));
		outcome = row_u32(&w);
		reason = row_u32(&w);
		verdict = row_u32(&w);
		shadow = row_u32(&w);
		stepped_up = row_u32(&w);
		e->score = row_u32(&w);
		e->signals = row_u32(&w);
		if ((r = w.r) < 0)
			goto out;
		/* The codec would refuse to send these; say so here. */
		if ((outcome != VIGIL_OUTCOME_ALLOW && outcome != VIGIL_OUTCOME_DENY) || reason >= VIGIL_REASON_MAX_ ||
		    verdict >= VIGIL_VERDICT_MAX_ || stepped_up > 1 || (e->signals >> VIGIL_SIGNAL_COUNT) != 0) {
			r = -EBADMSG;
			goto out;
		}
		e->outcome = (uint8_t)outcome;
		e->reason = (uint16_t)reason;
		e->shadow = store_shadow_marker(shadow, (uint8_t)verdict);
		e->stepped_up = (uint8_t)stepped_up;
		ret->n_logins++;
	}
	if (r < 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r;
}

/* The size of path, 0 if it does not exist. */
static uint64_t file_size(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

int store_counts(struct store *s, struct store_counts *ret)
{
	static const char sql[] = "SELECT (SELECT count(*) FROM users),"
	                          " (SELECT count(*) FROM sessions WHERE closed IS NULL),"
	                          " (SELECT count(*) FROM logins)";
	struct store_counts c = {0};
	sqlite3_stmt *st = NULL;
	const char *path;
	char wal[4096];
	struct row w;
	int r;

	if ((r = st_prepare(s, sql, &st)) < 0)
		return r;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -EIO : r;
		goto out;
	}
	w = (struct row){st, 0, 0};
	c.users = row_u32(&w);
	c.sessions_open = row_u32(&w);
	c.logins = row_u64(&w);
	if ((r = w.r) < 0)
		goto out;
	/* The files, not SQLite's page count: what the disk holds. */
	path = sqlite3_db_filename(s->db, "main");
	c.db_bytes = file_size(path);
	if (path && (size_t)snprintf(wal, sizeof(wal), "%s-wal", path) < sizeof(wal))
		c.wal_bytes = file_size(wal);
	*ret = c;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}
