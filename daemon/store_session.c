/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's sessions (see store.h): registered with the pid and start
 * time of the process that opened them, so a reused pid is never taken for
 * one; closed by id only by that process, for that user; reconciled when
 * their process is gone.
 */
#include <errno.h>
#include <stdio.h>
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
	bind_u64(st, 13, x->last_activity ? x->last_activity : x->opened, rc);
	bind_u64(st, 14, x->ends_at, rc);
	bind_u64(st, 15, x->warned_at, rc);
	bind_i64(st, 16, x->band, rc);
	bind_text(st, 17, x->end_cause, rc);
	bind_i64(st, 18, x->uid, rc);
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
	x->last_activity = row_u64(&w);
	x->ends_at = row_u64(&w);
	x->warned_at = row_u64(&w);
	x->band = row_u32(&w);
	row_text(&w, x->end_cause, sizeof(x->end_cause));
	x->uid = row_i64(&w);
	return w.r;
}

/* Reads every row st returns into out[*n..cap); -E2BIG past cap. */
static int rows_collect(sqlite3_stmt *st, struct store_session *out, size_t cap, size_t *n)
{
	int r;

	while ((r = st_row(st)) == 1) {
		if (*n >= cap) {
			r = -E2BIG;
			break;
		}
		if ((r = session_read(st, &out[*n])) < 0)
			break;
		(*n)++;
	}
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

static int end_row(struct store *s, struct store_session *x, const char *cause, uint64_t now)
{
	sqlite3_stmt *st = st_use(s, ST_SESSION_END);
	int rc = SQLITE_OK, r;

	bind_text(st, 1, x->id, &rc);
	bind_u64(st, 2, now, &rc);
	bind_text(st, 3, cause, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	snprintf(x->end_cause, sizeof(x->end_cause), "%s", cause);
	return 0;
}

/* One limit: how many open sessions count against it (st_count bound),
 * and, over it with end_oldest, the oldest of them closed into ended[]. */
static int limit_apply(struct store *s, const struct store_session *sess, uint32_t max, bool by_source, bool end_oldest,
                       uint64_t now, struct store_session *ended, size_t *n_ended)
{
	sqlite3_stmt *st;
	size_t first = *n_ended, i;
	uint32_t n = 0, over;
	int rc = SQLITE_OK, r;

	if (max == 0 || (by_source && !sess->source[0]))
		return 0;
	st = st_use(s, by_source ? ST_SESSION_COUNT_SOURCE : ST_SESSION_COUNT);
	bind_i64(st, 1, sess->user_id, &rc);
	if (by_source)
		bind_text(st, 2, sess->source, &rc);
	if ((r = count_query(s, st, rc, &n)) < 0)
		return r;
	if (n < max)
		return 0;
	over = n - max + 1; /* to close so that this one fits */
	if (!end_oldest || !ended || over > STORE_END_OLDEST_MAX - first)
		return -EUSERS;
	st = st_use(s, by_source ? ST_SESSION_OLDEST_SOURCE : ST_SESSION_OLDEST);
	bind_i64(st, 1, sess->user_id, &rc);
	if (by_source)
		bind_text(st, 2, sess->source, &rc);
	bind_i64(st, by_source ? 3 : 2, over, &rc);
	if ((r = bind_result(rc)) < 0 || (r = rows_collect(st, ended, STORE_END_OLDEST_MAX, n_ended)) < 0)
		return r;
	for (i = first; i < *n_ended; i++)
		if ((r = end_row(s, &ended[i], "ended_oldest", now)) < 0)
			return r;
	return 0;
}

int store_session_open(struct store *s, const struct store_session *sess, const struct store_session_limit *lim,
                       uint64_t now, struct store_session *ret_ended, size_t *ret_n_ended)
{
	struct store_session ended[STORE_END_OLDEST_MAX];
	size_t n_ended = 0;
	sqlite3_stmt *st;
	bool end_oldest;
	int rc = SQLITE_OK, r;

	if ((r = FIELD_CHECK(sess->id)) < 0 || (r = FIELD_CHECK(sess->login_id)) < 0 ||
	    (r = FIELD_CHECK(sess->user)) < 0 || (r = FIELD_CHECK(sess->service)) < 0 ||
	    (r = FIELD_CHECK(sess->tty)) < 0 || (r = FIELD_CHECK(sess->rhost)) < 0 ||
	    (r = FIELD_CHECK(sess->device)) < 0 || (r = FIELD_CHECK(sess->source)) < 0 ||
	    (r = FIELD_CHECK(sess->end_cause)) < 0)
		return r;
	if (!sess->id[0] || !lim)
		return -EINVAL;
	end_oldest = lim->end_oldest && ret_ended && ret_n_ended;
	/* IMMEDIATE: the counts, the closes and the insert see the same set
	 * of sessions.  vigild is single-threaded and runs this in one turn
	 * of its loop, so 50 opens at once are 50 transactions in a row. */
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Session bookkeeping: gone with the sessions in a power cut. */
	store_tx_history(s);
	/* The per-source limit first: what it closes counts for the user's. */
	if ((r = limit_apply(s, sess, lim->max_source, true, end_oldest, now, ended, &n_ended)) < 0 ||
	    (r = limit_apply(s, sess, lim->max_user, false, end_oldest, now, ended, &n_ended)) < 0)
		goto out;
	st = st_use(s, ST_SESSION_INSERT);
	session_bind(st, sess, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	if (end_oldest) {
		memcpy(ret_ended, ended, n_ended * sizeof(ended[0]));
		*ret_n_ended = n_ended;
	}
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_session_get(struct store *s, const char *id, struct store_session *ret)
{
	struct store_session x;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	st = st_use(s, ST_SESSION_BY_ID);
	bind_text(st, 1, id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	if ((r = session_read(st, &x)) < 0)
		goto out;
	*ret = x;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_session_end(struct store *s, const char *id, const char *cause, uint64_t now,
                      struct store_session *ret_closed)
{
	struct store_session x;
	int r;

	if (!cause || !cause[0] || strlen(cause) > STORE_END_CAUSE_MAX)
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Session bookkeeping: gone with the sessions in a power cut. */
	store_tx_history(s);
	if ((r = store_session_get(s, id, &x)) < 0 || (r = end_row(s, &x, cause, now)) < 0 || (r = tx_commit(s)) < 0)
		goto out;
	if (ret_closed)
		*ret_closed = x;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_session_touch(struct store *s, const char *id, uint64_t last_activity, uint64_t warned_at)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if ((r = str_check(id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	st = st_use(s, ST_SESSION_TOUCH);
	bind_text(st, 1, id, &rc);
	bind_u64(st, 2, last_activity, &rc);
	bind_u64(st, 3, warned_at, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int store_session_list(struct store *s, const char *user, struct store_session *ret, size_t cap, size_t *ret_n,
                       const char *after_id)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc = SQLITE_OK, r;

	if (!ret || !ret_n || cap == 0 || cap > INT32_MAX)
		return -EINVAL;
	if (!after_id)
		after_id = "";
	if ((r = str_check(after_id, VIGIL_LOGIN_ID_MAX)) < 0 || (user && (r = str_check(user, VIGIL_USER_MAX)) < 0))
		return r;
	st = st_use(s, user ? ST_SESSION_LIST_USER : ST_SESSION_LIST);
	bind_text(st, 1, after_id, &rc);
	bind_i64(st, 2, (int64_t)cap, &rc);
	if (user)
		bind_text(st, 3, user, &rc);
	if ((r = bind_result(rc)) < 0) {
		sqlite3_reset(st);
		return r;
	}
	if ((r = rows_collect(st, ret, cap, &n)) < 0)
		return r;
	*ret_n = n;
	return 0;
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
	/* Session bookkeeping: gone with the sessions in a power cut. */
	store_tx_history(s);
	st = st_use(s, ST_SESSION_BY_ID);
	bind_text(st, 1, id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 0) {
		/* Ended by vigild before its service closed it: the close
		 * of its own process finds it so, and has nothing to do. */
		sqlite3_reset(st);
		st = st_use(s, ST_SESSION_ENDED_BY_ID);
		bind_text(st, 1, id, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
			goto out;
		r = r == 1 ? session_read(st, &x) : -ENOENT;
		sqlite3_reset(st);
		if (r == 0)
			r = strcmp(x.user, user) == 0 && x.pid == pid && x.pid_start == pid_start ? -EALREADY : -ENOENT;
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

int store_session_reconcile(struct store *s, bool (*alive)(uint32_t pid, uint64_t pid_start), uint64_t now,
                            void (*lost)(const struct store_session *x, void *userdata), void *userdata,
                            unsigned *ret_closed)
{
	struct store_session *open = NULL, *grown;
	size_t n = 0, cap = 0, i, j;
	sqlite3_stmt *st;
	int r;

	if (!alive)
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Session bookkeeping: gone with the sessions in a power cut. */
	store_tx_history(s);
	/* Collect first: the rows are updated after the scan is over. */
	st = st_use(s, ST_SESSION_OPEN_ALL);
	while ((r = st_row(st)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(open, cap, sizeof(*open));
			if (!grown) {
				r = -ENOMEM;
				break;
			}
			open = grown;
		}
		if ((r = session_read(st, &open[n])) < 0)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (r < 0)
		goto out;
	/* Keep only the dead ones, closed as lost. */
	for (i = j = 0; i < n; i++) {
		if (alive(open[i].pid, open[i].pid_start))
			continue;
		if ((r = end_row(s, &open[i], "lost", now)) < 0)
			goto out;
		open[j++] = open[i];
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	for (i = 0; lost && i < j; i++)
		lost(&open[i], userdata);
	if (ret_closed)
		*ret_closed = (unsigned)j;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	free(open);
	return r;
}
