/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's users, their failures and the status report (see store.h):
 * who exists, who is locked, which failures count against whom.  A user is
 * keyed by the canonical name the caller found through NSS; failures of a
 * remote login count against the user and its address, those of a local
 * privilege change against the local caller only.  Rows read back are
 * bounded before they reach a buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_query.h"

static int user_read(sqlite3_stmt *st, struct store_user *u)
{
	struct row w = {st, 0, 0};

	u->id = row_i64(&w);
	u->first_seen = row_u64(&w);
	u->locked_until = row_u64(&w);
	u->first_allowed = row_u64(&w);
	u->suspended = row_i64(&w) != 0;
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

int store_user_suspend(struct store *s, const char *user, bool on)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(user, VIGIL_USER_MAX)) < 0)
		return r;
	if (!user[0])
		return -EINVAL;
	st = st_use(s, ST_USER_SUSPEND);
	bind_text(st, 1, user, &rc);
	bind_i64(st, 2, on ? 1 : 0, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
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

/* Runs one of the status list queries for user_id, capped at VIGIL_LIST_MAX;
 * each row goes to fill(), which reads its columns. */
static int status_list(struct store *s, enum st id, int64_t user_id, uint64_t now, struct vigil_status_report *rep,
                       int (*fill)(struct row *w, struct vigil_status_report *rep))
{
	sqlite3_stmt *st = st_use(s, id);
	struct row w;
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_i64(st, 2, VIGIL_LIST_MAX, &rc);
	/* Only the grants query asks for the time (?3). */
	if (id == ST_STATUS_GRANTS)
		bind_u64(st, 3, now, &rc);
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
	uint32_t type, remaining;

	if (rep->n_factors >= VIGIL_LIST_MAX)
		return 0;
	f = &rep->factors[rep->n_factors];
	type = row_u32(w);
	row_text(w, f->name, sizeof(f->name));
	f->created = row_u64(w);
	f->last_used = row_u64(w);
	remaining = row_u32(w);
	if (w->r == 0 && (type == 0 || type >= VIGIL_FACTOR_MAX_ || remaining > UINT16_MAX))
		w->r = -EBADMSG;
	f->type = (uint8_t)type;
	f->remaining = (uint16_t)remaining;
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
	uint32_t outcome, reason, verdict, shadow;

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
	reason = row_u32(w);
	verdict = row_u32(w);
	shadow = row_u32(w);
	if (w->r == 0 && (outcome > UINT8_MAX || reason >= VIGIL_REASON_MAX_ || verdict >= VIGIL_VERDICT_MAX_))
		w->r = -EBADMSG;
	l->outcome = (uint8_t)outcome;
	l->reason = (uint16_t)reason;
	l->shadow = store_shadow_marker(shadow, (uint8_t)verdict);
	if (w->r == 0)
		rep->n_logins++;
	return w->r;
}

static int fill_grant(struct row *w, struct vigil_status_report *rep)
{
	struct vigil_grant_info *g;

	if (rep->n_grants >= VIGIL_LIST_MAX)
		return 0;
	g = &rep->grants[rep->n_grants];
	row_text(w, g->device, sizeof(g->device));
	row_text(w, g->source, sizeof(g->source));
	g->granted = row_u64(w);
	g->expires = row_u64(w);
	if (w->r == 0)
		rep->n_grants++;
	return w->r;
}

int store_status(struct store *s, const char *user, uint64_t now, struct vigil_status_report *ret)
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
	rep->suspended = u.suspended;
	if ((r = status_list(s, ST_STATUS_FACTORS, u.id, now, rep, fill_factor)) < 0 ||
	    (r = status_list(s, ST_STATUS_DEVICES, u.id, now, rep, fill_device)) < 0 ||
	    (r = status_list(s, ST_STATUS_SOURCES, u.id, now, rep, fill_source)) < 0 ||
	    (r = status_list(s, ST_STATUS_LOGINS, u.id, now, rep, fill_login)) < 0 ||
	    (r = status_list(s, ST_STATUS_GRANTS, u.id, now, rep, fill_grant)) < 0)
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
