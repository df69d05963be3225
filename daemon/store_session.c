/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's sessions (see store.h): registered with the pid and start
 * time of the process that opened them, so a reused pid is never taken for
 * one; closed by id only by that process, for that user; reconciled when
 * their process is gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

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
