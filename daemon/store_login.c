/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's logins (see store.h): the facts risk scoring reads, the
 * record of each decision, and the trust a login teaches (known devices,
 * sources and prefixes, grants, an in-band enrollment), written only by the
 * commit of a login whose whole auth stack passed, once.  Also the pruning
 * of history, by age and per user.
 *
 * A login's id is logins.id, an integer handed out increasing by
 * store_login_new_id(); on the wire it is its decimal text.  A row from
 * before schema 6 keeps its random text id in logins.login_id and is named
 * by that text only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_impl.h"

/* Whether a (user, key) seen row of the statement's kind exists; its last_seen
 * in *ret_last_seen when asked for. */
static int known_query(struct store *s, enum st id, int64_t user_id, const char *key, bool *ret_known,
                       uint64_t *ret_last_seen)
{
	sqlite3_stmt *st = st_use(s, id);
	struct row w = {st, 0, 0};
	uint64_t last_seen = 0;
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, key, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		goto out;
	if (r == 1 && ret_last_seen) {
		last_seen = row_u64(&w);
		if ((r = w.r) < 0)
			goto out;
		r = 1;
	}
	*ret_known = r == 1;
	if (ret_last_seen)
		*ret_last_seen = last_seen;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_login_grant(struct store *s, int64_t user_id, const char *device, const char *source, uint64_t now,
                      uint64_t *ret)
{
	sqlite3_stmt *st;
	int64_t granted;
	int rc = SQLITE_OK, r;

	*ret = 0;
	if ((r = str_check(device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0)
		return r;
	/* No device, no grant: a grant is bound to one. */
	if (!device[0])
		return 0;
	st = st_use(s, ST_GRANT_GET);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, device, &rc);
	bind_text(st, 3, source, &rc);
	bind_u64(st, 4, now, &rc);
	if ((r = int_query(s, st, rc, &granted)) < 0)
		return r == -ENOENT ? 0 : r;
	if (granted < 0)
		return -EBADMSG;
	*ret = (uint64_t)granted;
	return 0;
}

int store_login_facts(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                      uint64_t since, uint64_t now, struct store_facts *ret)
{
	int r;

	if ((r = tx_begin_read(s)) < 0)
		return r;
	if ((r = store_login_risk_facts(s, user_id, device, source, prefix, since, ret)) < 0 ||
	    (r = store_login_grant(s, user_id, device, source, now, &ret->grant_time)) < 0 || (r = tx_commit(s)) < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_login_risk_facts(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                           uint64_t since, struct store_facts *ret)
{
	struct store_facts f = {0};
	sqlite3_stmt *st;
	bool known;
	int rc = SQLITE_OK, r;

	if ((r = str_check(device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	/* One read transaction: all facts describe the same instant.  The
	 * account's last success first: its seen row shares a page with the
	 * device's and the source's (schema 8). */
	if ((r = tx_begin_read(s)) < 0)
		return r;
	if ((r = known_query(s, ST_ACCOUNT_GET, user_id, "", &known, &f.last_success)) < 0)
		goto out;
	if (device[0] && (r = known_query(s, ST_DEVICE_GET, user_id, device, &f.device_known, &f.device_last_seen)) < 0)
		goto out;
	if (source[0] && (r = known_query(s, ST_SOURCE_GET, user_id, source, &f.source_known, NULL)) < 0)
		goto out;
	/* A known address was seen, so was the /24 or /64 it is in: asked of
	 * the store only for a new address, one random page fewer for a login
	 * from a known one (at a million users, a read from the disk cache). */
	f.prefix_known = prefix[0] && f.source_known;
	if (prefix[0] && !f.source_known &&
	    (r = known_query(s, ST_PREFIX_GET, user_id, prefix, &f.prefix_known, NULL)) < 0)
		goto out;

	st = st_use(s, ST_FAILURES_USER_ID);
	bind_i64(st, 1, user_id, &rc);
	bind_u64(st, 2, since, &rc);
	if ((r = count_query(s, st, rc, &f.user_failures)) < 0)
		goto out;
	if (source[0]) {
		st = st_use(s, ST_FAILURES_SOURCE);
		bind_text(st, 1, source, &rc);
		bind_u64(st, 2, since, &rc);
		if ((r = count_query(s, st, rc, &f.source_failures)) < 0)
			goto out;
	}

	if ((r = tx_commit(s)) < 0)
		goto out;
	*ret = f;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

/* -ENOENT unless user_id names a user. */
static int user_exists(struct store *s, int64_t user_id)
{
	sqlite3_stmt *st = st_use(s, ST_USER_EXISTS);
	int rc = SQLITE_OK, r;

	bind_i64(st, 1, user_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_row(st)) < 0)
		return r;
	sqlite3_reset(st);
	return r == 1 ? 0 : -ENOENT;
}

/* The writes of a successful login, inside the caller's transaction. */
static int login_success_in_tx(struct store *s, int64_t user_id, const char *device, const char *source,
                               const char *prefix, uint64_t now, bool stepped_up, uint64_t grant_expires)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	st = st_use(s, ST_USER_FIRST_ALLOWED);
	bind_i64(st, 1, user_id, &rc);
	bind_u64(st, 2, now, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	/* Nothing changed: allowed before, or no such user. */
	if (r == 0 && (r = user_exists(s, user_id)) < 0)
		goto out;
	/* The account, its device, source and prefix: one statement, one
	 * page (schema 8). */
	st = st_use(s, ST_SEEN);
	bind_i64(st, 1, user_id, &rc);
	bind_text(st, 2, device, &rc);
	bind_text(st, 3, source, &rc);
	bind_text(st, 4, prefix, &rc);
	bind_u64(st, 5, now, &rc);
	bind_i64(st, 6, STORE_SEEN_REFRESH, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	/* Failures are not cleared: they age out of their windows.  A login
	 * that is allowed without a factor must not reset the count that
	 * limits guessing, nor the count of the source it came from. */
	/* A grant needs a device: one for "no device" would cover any key. */
	if (stepped_up && device[0]) {
		st = st_use(s, ST_GRANT_PUT);
		bind_i64(st, 1, user_id, &rc);
		bind_text(st, 2, device, &rc);
		bind_text(st, 3, source, &rc);
		bind_u64(st, 4, now, &rc);
		bind_u64(st, 5, grant_expires, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
	}
	r = 0;
out:
	return r;
}

int store_login_success(struct store *s, int64_t user_id, const char *device, const char *source, const char *prefix,
                        uint64_t now, bool stepped_up, uint64_t grant_expires)
{
	int r;

	if ((r = str_check(device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = str_check(source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	if ((r = login_success_in_tx(s, user_id, device, source, prefix, now, stepped_up, grant_expires)) < 0 ||
	    (r = tx_commit(s)) < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

/* The id a wire id names: its value if it is the decimal text of a login
 * id (digits, no leading zero, within int64), else 0 (a text id of before
 * schema 6, or nothing of ours). */
static int64_t login_id_parse(const char *v)
{
	int64_t n = 0;
	size_t i;

	if (v[0] < '1' || v[0] > '9')
		return 0;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (INT64_MAX - (v[i] - '0')) / 10)
			return 0;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

int store_login_new_id(struct store *s, char *out, size_t cap)
{
	char buf[24];
	struct timespec ts;
	int64_t now_us = 0, id;
	int n;

	/* The clock starts ids above every id of an earlier run, even one
	 * whose rows were all pruned; the counter keeps them increasing when
	 * the clock steps back. */
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 0 && ts.tv_sec < INT64_MAX / 1000000 - 1)
		now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (s->login_last_id == INT64_MAX)
		return -EOVERFLOW;
	id = now_us > s->login_last_id ? now_us : s->login_last_id + 1;
	n = snprintf(buf, sizeof(buf), "%" PRId64, id);
	if (n < 0 || (size_t)n >= cap)
		return -E2BIG;
	memcpy(out, buf, (size_t)n + 1);
	s->login_last_id = id;
	return 0;
}

int store_login_put(struct store *s, const struct store_login *l)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc = SQLITE_OK, r;

	if ((r = FIELD_CHECK(l->login_id)) < 0 || (r = FIELD_CHECK(l->user)) < 0 || (r = FIELD_CHECK(l->service)) < 0 ||
	    (r = FIELD_CHECK(l->device)) < 0 || (r = FIELD_CHECK(l->source)) < 0 || (r = FIELD_CHECK(l->party)) < 0)
		return r;
	if (l->state > STORE_LOGIN_PENDING_OBSERVE)
		return -EINVAL;
	if (!l->login_id[0])
		return -EINVAL;
	/* A text id (tests, tools of before schema 6) is kept as such, on a
	 * row whose id the allocator hands out, so the two never meet. */
	id = login_id_parse(l->login_id);
	if (id == 0 && s->login_last_id == INT64_MAX)
		return -EOVERFLOW;
	st = st_use(s, ST_LOGIN_PUT);
	bind_i64(st, 1, id ? id : s->login_last_id + 1, &rc);
	if (id)
		rc = rc == SQLITE_OK ? sqlite3_bind_null(st, 2) : rc;
	else
		bind_text(st, 2, l->login_id, &rc);
	bind_i64(st, 3, l->user_id, &rc);
	bind_text(st, 4, l->user, &rc);
	bind_text(st, 5, l->service, &rc);
	bind_text(st, 6, l->device, &rc);
	bind_text(st, 7, l->source, &rc);
	bind_i64(st, 8, l->score, &rc);
	bind_i64(st, 9, l->signals, &rc);
	bind_i64(st, 10, l->outcome, &rc);
	bind_i64(st, 11, l->stepped_up ? 1 : 0, &rc);
	bind_u64(st, 12, l->time, &rc);
	bind_i64(st, 13, l->state, &rc);
	bind_u64(st, 14, l->caller_uid, &rc);
	bind_text(st, 15, l->party, &rc);
	bind_i64(st, 16, l->activate_factor, &rc);
	bind_i64(st, 17, l->activate_step, &rc);
	bind_i64(st, 18, l->reason, &rc);
	bind_i64(st, 19, l->verdict, &rc);
	bind_i64(st, 20, l->why, &rc);
	bind_i64(st, 21, l->mode, &rc);
	bind_i64(st, 22, l->method, &rc);
	bind_i64(st, 23, l->factor_id, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	if (id == 0)
		s->login_last_id++;
	else if (id > s->login_last_id)
		s->login_last_id = id;
	return 0;
}

/* The login a wire id names, and its row id in *ret_rowid. */
static int login_get(struct store *s, const char *login_id, struct store_login *ret, int64_t *ret_rowid)
{
	struct store_login l = {0};
	sqlite3_stmt *st;
	struct row w;
	int64_t id, rowid;
	uint32_t v;
	int rc = SQLITE_OK, r;

	if ((r = str_check(login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	id = login_id_parse(login_id);
	st = st_use(s, id ? ST_LOGIN_GET : ST_LOGIN_GET_LEGACY);
	if (id)
		bind_i64(st, 1, id, &rc);
	else
		bind_text(st, 1, login_id, &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	if ((r = st_row(st)) <= 0) {
		r = r == 0 ? -ENOENT : r;
		goto out;
	}
	w = (struct row){st, 0, 0};
	rowid = row_i64(&w);
	row_text(&w, l.login_id, sizeof(l.login_id));
	l.user_id = row_i64(&w);
	row_text(&w, l.user, sizeof(l.user));
	row_text(&w, l.service, sizeof(l.service));
	row_text(&w, l.device, sizeof(l.device));
	row_text(&w, l.source, sizeof(l.source));
	l.score = row_u32(&w);
	l.signals = row_u32(&w);
	v = row_u32(&w);
	if (v > UINT8_MAX && w.r == 0)
		w.r = -EBADMSG;
	l.outcome = (uint8_t)v;
	l.stepped_up = row_u32(&w) != 0;
	l.time = row_u64(&w);
	v = row_u32(&w);
	if (v > STORE_LOGIN_PENDING_OBSERVE && w.r == 0)
		w.r = -EBADMSG;
	l.state = (uint8_t)v;
	l.caller_uid = row_u32(&w);
	row_text(&w, l.party, sizeof(l.party));
	l.activate_factor = row_i64(&w);
	l.activate_step = row_i64(&w);
	v = row_u32(&w);
	if (v >= VIGIL_REASON_MAX_ && w.r == 0)
		w.r = -EBADMSG;
	l.reason = (uint16_t)v;
	v = row_u32(&w);
	if (v >= VIGIL_VERDICT_MAX_ && w.r == 0)
		w.r = -EBADMSG;
	l.verdict = (uint8_t)v;
	v = row_u32(&w);
	if (v >= VIGIL_WHY_MAX_ && w.r == 0)
		w.r = -EBADMSG;
	l.why = (uint8_t)v;
	v = row_u32(&w);
	if (v > VIGIL_MODE_LEARN && w.r == 0)
		w.r = -EBADMSG;
	l.mode = (uint8_t)v;
	v = row_u32(&w);
	if (v >= VIGIL_FACTOR_MAX_ && w.r == 0)
		w.r = -EBADMSG;
	l.method = (uint8_t)v;
	l.factor_id = row_i64(&w);
	if ((r = w.r) < 0)
		goto out;
	*ret = l;
	*ret_rowid = rowid;
	r = 0;
out:
	sqlite3_reset(st);
	return r;
}

int store_login_get(struct store *s, const char *login_id, struct store_login *ret)
{
	int64_t rowid;

	return login_get(s, login_id, ret, &rowid);
}

int store_login_factor_held(struct store *s, const struct store_login *l)
{
	struct store_totp t;
	int r;

	/* A step-up proved by a factor root removed since (a lost phone:
	 * `vigilctl factor remove` between the code and the account phase):
	 * nothing is learned, no grant outlives the factor, and the caller
	 * refuses the login. */
	if (!l->stepped_up || l->activate_factor > 0)
		return 0;
	switch (l->method) {
	case 0: /* before schema 4 */
	case VIGIL_FACTOR_TOTP:
		if ((r = store_totp_get(s, l->user_id, true, &t)) < 0)
			return r == -ENOENT ? -EKEYREVOKED : r;
		store_totp_clear(&t);
		return 0;
	case VIGIL_FACTOR_FIDO2:
	case VIGIL_FACTOR_SSH_SK:
		if ((r = store_key_usable(s, l->factor_id)) < 0)
			return r == -ENOENT || r == -EALREADY ? -EKEYREVOKED : r;
		return 0;
	default:
		/* A recovery code is spent by its use: nothing to remove in
		 * between. */
		return 0;
	}
}

/* What an allowed login teaches, inside the caller's transaction: the
 * device, source and prefix, last_success and first_allowed, the grant of a
 * step-up, and the activation of a factor enrolled in-band; nothing if the
 * factor that proved it is gone (store_login_factor_held()). */
static int login_trust_in_tx(struct store *s, const struct store_login *l, const char *prefix, uint64_t grant_expires)
{
	int r;

	if ((r = store_login_factor_held(s, l)) < 0)
		return r;
	if (l->learn && (r = login_success_in_tx(s, l->user_id, l->device, l->source, prefix, l->time, l->stepped_up,
	                                         grant_expires)) < 0)
		return r;
	if (l->activate_factor > 0 &&
	    (r = store_totp_activate(s, l->user_id, l->activate_factor, l->activate_step, l->time)) < 0)
		return r;
	return 0;
}

int store_login_commit(struct store *s, const char *login_id, const char *prefix, uint64_t grant_expires,
                       struct store_login *ret)
{
	struct store_login l;
	sqlite3_stmt *st;
	int64_t rowid;
	int rc = SQLITE_OK, r;

	if ((r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Learning may be lost in a power cut (the login is asked again);
	 * an in-band enrollment's activation may not (store_totp_activate). */
	store_tx_history(s);
	if ((r = login_get(s, login_id, &l, &rowid)) < 0)
		goto out;
	st = st_use(s, ST_LOGIN_CLAIM);
	bind_i64(st, 1, rowid, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		goto out;
	if (r == 0) {
		r = -EALREADY; /* claimed before: an id is good for one account phase */
		goto out;
	}
	l.learn = l.state == STORE_LOGIN_PENDING;
	if (l.outcome == VIGIL_OUTCOME_ALLOW && (r = login_trust_in_tx(s, &l, prefix, grant_expires)) < 0)
		goto out;
	if ((r = tx_commit(s)) < 0)
		goto out;
	l.state = STORE_LOGIN_DONE;
	*ret = l;
	r = 0;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_login_finish(struct store *s, const struct store_login *l, const char *prefix, uint64_t grant_expires,
                       const struct store_factor_use *use)
{
	int r;

	if ((r = str_check(prefix, VIGIL_ADDR_MAX)) < 0)
		return r;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* The record and what it teaches are history; a factor it spent is
	 * not (store_factor_spend() says so). */
	store_tx_history(s);
	/* The factor first: a refused step leaves no trace of this login.  An
	 * in-band enrollment is not activated here: the login carries it to
	 * store_login_commit(). */
	if (use && !use->activate)
		r = store_factor_spend(s, l->user_id, use, l->time);
	if (r < 0 || (r = store_login_put(s, l)) < 0)
		goto out;
	if (l->state == STORE_LOGIN_DONE && l->outcome == VIGIL_OUTCOME_ALLOW &&
	    (r = login_trust_in_tx(s, l, prefix, grant_expires)) < 0)
		goto out;
	r = tx_commit(s);
out:
	if (r < 0)
		tx_rollback(s);
	return r < 0 ? r : 0;
}

int store_prune(struct store *s, uint64_t before)
{
	sqlite3_stmt *st = st_use(s, ST_PRUNE_GRANTS);
	int rc = SQLITE_OK, r;

	bind_u64(st, 1, before, &rc);
	if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
		return r;
	return 0;
}

int store_prune_step(struct store *s, uint64_t before, size_t rows)
{
	static const enum st prune[] = {ST_PRUNE_LOGINS, ST_PRUNE_FAILURES, ST_PRUNE_SESSIONS};
	sqlite3_stmt *st;
	size_t deleted = 0, i;
	int rc = SQLITE_OK, r;

	if (rows == 0 || rows > INT32_MAX)
		return -EINVAL;
	if ((r = tx_begin(s, true)) < 0)
		return r;
	/* Undone by a power cut, it is done again by the next prune. */
	store_tx_history(s);
	/* A table is gone on to once the one before it has nothing old left. */
	for (i = 0; i < sizeof(prune) / sizeof(prune[0]) && deleted < rows; i++) {
		st = st_use(s, prune[i]);
		bind_u64(st, 1, before, &rc);
		bind_i64(st, 2, (int64_t)(rows - deleted), &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
		deleted += (size_t)r;
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	r = deleted == rows;
out:
	if (r < 0)
		tx_rollback(s);
	return r;
}

int store_history_pass_start(struct store_history_pass *p, uint64_t since, uint64_t now, uint32_t keep)
{
	if (keep == 0 || since > now || now > (uint64_t)INT64_MAX)
		return -EINVAL;
	/* Just before the first login of second `since`. */
	*p = (struct store_history_pass){.keep = keep, .until = now, .time = since, .id = INT64_MIN};
	return 0;
}

static int id_compare(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Appends to users[*n] (up to rows) the users of the logins after p's: those
 * of the same second, or of the seconds after it; moves p past them. */
static int pass_collect(struct store *s, struct store_history_pass *p, bool same_second, int64_t *users, size_t rows,
                        size_t *n)
{
	sqlite3_stmt *st = st_use(s, same_second ? ST_PRUNE_PASS_SAME_SECOND : ST_PRUNE_PASS_LATER);
	int rc = SQLITE_OK, r;

	bind_u64(st, 1, p->time, &rc);
	if (same_second)
		bind_i64(st, 2, p->id, &rc);
	else
		bind_u64(st, 2, p->until, &rc);
	bind_i64(st, 3, (int64_t)(rows - *n), &rc);
	if ((r = bind_result(rc)) < 0)
		goto out;
	while (*n < rows && (r = st_row(st)) == 1) {
		struct row w = {st, 0, 0};
		uint64_t time = row_u64(&w);
		int64_t id = row_i64(&w), user = row_i64(&w);

		if ((r = w.r) < 0)
			break;
		p->time = time;
		p->id = id;
		users[(*n)++] = user;
	}
out:
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

int store_history_pass_step(struct store *s, struct store_history_pass *p, size_t rows)
{
	struct store_history_pass next = *p;
	int64_t *users;
	size_t n = 0, i;
	sqlite3_stmt *st;
	int rc = SQLITE_OK, r;

	if (rows == 0 || rows > INT32_MAX)
		return -EINVAL;
	if (!(users = calloc(rows, sizeof(*users))))
		return -ENOMEM;
	if ((r = tx_begin(s, true)) < 0)
		goto out;
	/* Undone by a power cut, it is done again by the next pass. */
	store_tx_history(s);
	/* Collect first: the rows are deleted after the scan is over. */
	if ((r = pass_collect(s, &next, true, users, rows, &n)) < 0 ||
	    (n < rows && (r = pass_collect(s, &next, false, users, rows, &n)) < 0))
		goto out;
	/* A user with several logins in the slice is looked at once. */
	qsort(users, n, sizeof(*users), id_compare);
	for (i = 0; i < n; i++) {
		if (i > 0 && users[i] == users[i - 1])
			continue;
		st = st_use(s, ST_PRUNE_USER_HISTORY);
		bind_i64(st, 1, users[i], &rc);
		bind_i64(st, 2, p->keep, &rc);
		if ((r = bind_result(rc)) < 0 || (r = st_exec(s, st)) < 0)
			goto out;
	}
	if ((r = tx_commit(s)) < 0)
		goto out;
	*p = next;
	/* A full slice may have left logins behind it. */
	r = n == rows;
out:
	if (r < 0)
		tx_rollback(s);
	free(users);
	return r;
}
