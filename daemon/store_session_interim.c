/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interim stand-ins (sess-verbs) for the session core's store_session_list(),
 * store_user_suspend() and session_end(), so that the verbs build and their
 * permission checks run before the core is merged.  Deleted at that merge.
 * session_end() here only closes the row and audits it: it signals nothing;
 * store_user_suspend() needs schema 5 and fails with -EOPNOTSUPP.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "session_end.h"
#include "store_impl.h"

int store_session_list(struct store *s, const char *user, struct store_session *ret, size_t cap, size_t *ret_n,
                       const char *after_id)
{
	static const char sql[] = "SELECT id, login_id, user_id, user, service, tty, rhost, device, source, pid, "
	                          "opened, pid_start FROM sessions WHERE closed IS NULL AND (?1 IS NULL OR user = ?1) "
	                          "AND id > ?2 ORDER BY id LIMIT ?3";
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc = SQLITE_OK, r;

	if ((r = st_prepare(s, sql, &st)) < 0)
		return r;
	bind_text_or_null(st, 1, user, &rc);
	bind_text(st, 2, after_id ? after_id : "", &rc);
	bind_i64(st, 3, (int64_t)cap, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while (n < cap && (r = st_row(st)) > 0) {
		struct store_session *x = &ret[n];
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
		x->last_activity = x->opened;
		if ((r = w.r) < 0)
			goto out;
		n++;
	}
	if (r < 0)
		goto out;
	*ret_n = n;
	r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int store_user_suspend(struct store *s, const char *user, bool on)
{
	(void)s;
	(void)user;
	(void)on;
	return -EOPNOTSUPP;
}

int session_end(struct vigild *d, const char *session_id, const char *cause, const char *by)
{
	struct store_session x, closed;
	size_t n = 0;
	char after[VIGIL_LOGIN_ID_MAX + 1] = "";
	int r;

	/* The row just before session_id sorts first after `after`. */
	for (;;) {
		if ((r = store_session_list(d->store, NULL, &x, 1, &n, after)) < 0)
			return r;
		if (n == 0)
			return -ENOENT;
		if (strcmp(x.id, session_id) == 0)
			break;
		strcpy(after, x.id);
	}
	if ((r = store_session_close(d->store, x.id, x.user, x.pid, x.pid_start, vigild_now(), &closed)) < 0)
		return r;
	audit_emit(d->audit, &(struct audit_record){
	                         .event = AUDIT_SESSION_CLOSE,
	                         .priority = LOG_NOTICE,
	                         .message = "session ended",
	                         .user = closed.user,
	                         .service = closed.service,
	                         .session_id = closed.id,
	                         .caller = by,
	                         .result = cause,
	                     });
	return 0;
}
