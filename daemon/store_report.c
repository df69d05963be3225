/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The roll-out report (see store_report.h).  Its SQL is prepared for the
 * call, as store_query.c's is: an admin asks rarely and never on a login's
 * path.  Every parameter is bound; a verdict, mode or name read back is
 * checked before it is counted, so the codec never meets a value it would
 * refuse.  A verdict is counted as the decision enforcement would have
 * taken: allow (allow, allow_no_factor), stepup (stepup, enroll), deny.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "reason_text.h"
#include "store_impl.h"
#include "store_report.h"

/* "WHERE" shared by every query: the period, and a verdict kept. */
#define PERIOD "FROM logins WHERE time >= ?1 AND time < ?2 AND verdict > 0 "
/* One row per name: would-allow, would-step-up, would-deny. */
#define SUMS "sum(verdict IN (1, 5)), sum(verdict IN (2, 4)), sum(verdict = 3) "
/* Most step-ups and denials first: what the admin must look at. */
#define ORDER "ORDER BY sum(verdict IN (2, 3, 4)) DESC, 1 LIMIT ?3"

enum decision_class {
	CLASS_ALLOW,
	CLASS_STEPUP,
	CLASS_DENY,
};

/* The class of a stored verdict; -EBADMSG for one no vigild writes. */
static int verdict_class(uint32_t verdict)
{
	switch (verdict) {
	case VIGIL_VERDICT_ALLOW:
	case VIGIL_VERDICT_ALLOW_NO_FACTOR:
		return CLASS_ALLOW;
	case VIGIL_VERDICT_STEPUP:
	case VIGIL_VERDICT_ENROLL:
		return CLASS_STEPUP;
	case VIGIL_VERDICT_DENY:
		return CLASS_DENY;
	default:
		return -EBADMSG;
	}
}

static int prepare(struct store *s, const char *sql, uint64_t since, uint64_t until, sqlite3_stmt **ret)
{
	int rc = SQLITE_OK, r;

	if ((r = st_prepare(s, sql, ret)) < 0)
		return r;
	bind_u64(*ret, 1, since, &rc);
	bind_u64(*ret, 2, until, &rc);
	/* The row limit, where the query has one. */
	if (sqlite3_bind_parameter_count(*ret) >= 3)
		bind_i64(*ret, 3, VIGIL_REPORT_ROWS_MAX + 1, &rc);
	return bind_result(rc);
}

/* The totals, and how many logins each mode decided and waived. */
static int report_totals(struct store *s, uint64_t since, uint64_t until, struct vigil_rollout_report *p)
{
	static const char sql[] = "SELECT shadow, verdict, count(*) " PERIOD "GROUP BY shadow, verdict";
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(s, sql, since, until, &st)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct row w = {st, 0, 0};
		uint32_t mode = row_u32(&w), verdict = row_u32(&w);
		uint64_t n = row_u64(&w);
		int c = verdict_class(verdict);

		if ((r = w.r) < 0)
			goto out;
		if (c < 0 || mode >= VIGIL_MODE_MAX_) {
			r = -EBADMSG;
			goto out;
		}
		p->logins += n;
		p->by_mode[mode] += n;
		/* A mode let in only what the policy would not have. */
		if (mode != VIGIL_MODE_ENFORCE && verdict != VIGIL_VERDICT_ALLOW)
			p->waived += n;
		if (c == CLASS_ALLOW)
			p->allow += n;
		else if (c == CLASS_STEPUP)
			p->stepup += n;
		else
			p->deny += n;
	}
out:
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

/* Per user or per service (sql names the column first). */
static int report_names(struct store *s, const char *sql, uint64_t since, uint64_t until, struct vigil_report_rows *t)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(s, sql, since, until, &st)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct vigil_report_row *e;
		struct row w = {st, 0, 0};

		if (t->n == VIGIL_REPORT_ROWS_MAX) {
			t->more = 1;
			break;
		}
		e = &t->rows[t->n];
		row_text(&w, e->name, sizeof(e->name));
		e->allow = row_u64(&w);
		e->stepup = row_u64(&w);
		e->deny = row_u64(&w);
		if ((r = w.r) < 0)
			goto out;
		t->n++;
	}
out:
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

/* The reason a verdict that is not an allow names, as its decision record
 * does (login.c verdict_reason()). */
static const char *verdict_reason_name(uint32_t verdict, uint32_t why, uint32_t reason)
{
	switch (verdict) {
	case VIGIL_VERDICT_STEPUP:
		return why == VIGIL_WHY_FRESH ? REASON_FRESH : reason_name(VIGIL_REASON_RISK);
	case VIGIL_VERDICT_ENROLL:
		return reason_name(VIGIL_REASON_NOT_ENROLLED);
	default:
		return reason_name((uint16_t)reason);
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct vigil_report_row *x = a, *y = b;
	uint64_t nx = x->stepup + x->deny, ny = y->stepup + y->deny;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Why logins would step up or be denied: few distinct names, merged here
 * (a step-up's reason is its why, a denial's its reason). */
static int report_reasons(struct store *s, uint64_t since, uint64_t until, struct vigil_report_rows *t)
{
	static const char sql[] =
	    "SELECT verdict, why, reason, count(*) " PERIOD "AND verdict IN (2, 3, 4) GROUP BY verdict, why, reason";
	struct vigil_report_row *all = NULL;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(s, sql, since, until, &st)) < 0)
		goto out;
	while ((r = st_row(st)) == 1) {
		struct row w = {st, 0, 0};
		uint32_t verdict = row_u32(&w), why = row_u32(&w), reason = row_u32(&w);
		uint64_t count = row_u64(&w);
		const char *name;

		if ((r = w.r) < 0)
			goto out;
		if (why >= VIGIL_WHY_MAX_ || reason >= VIGIL_REASON_MAX_) {
			r = -EBADMSG;
			goto out;
		}
		name = verdict_reason_name(verdict, why, reason);
		for (i = 0; i < n && strcmp(all[i].name, name) != 0; i++)
			;
		if (i == n) {
			if (n == cap) {
				struct vigil_report_row *bigger;

				cap = cap ? 2 * cap : 16;
				bigger = realloc(all, cap * sizeof(*all));
				if (!bigger) {
					r = -ENOMEM;
					goto out;
				}
				all = bigger;
			}
			memset(&all[n], 0, sizeof(all[n]));
			strncpy(all[n].name, name, sizeof(all[n].name) - 1);
			n++;
		}
		if (verdict == VIGIL_VERDICT_DENY)
			all[i].deny += count;
		else
			all[i].stepup += count;
	}
	if (r < 0)
		goto out;
	if (n)
		qsort(all, n, sizeof(*all), row_cmp);
	t->more = n > VIGIL_REPORT_ROWS_MAX;
	t->n = (uint16_t)(n > VIGIL_REPORT_ROWS_MAX ? VIGIL_REPORT_ROWS_MAX : n);
	if (t->n)
		memcpy(t->rows, all, t->n * sizeof(*all));
	r = 0;
out:
	free(all);
	sqlite3_finalize(st);
	return r;
}

int store_report(struct store *s, uint64_t since, uint64_t until, struct vigil_rollout_report *ret)
{
	static const char by_user[] = "SELECT user, " SUMS PERIOD "GROUP BY user " ORDER;
	static const char by_service[] = "SELECT service, " SUMS PERIOD "GROUP BY service " ORDER;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->since = since;
	ret->until = until;
	if (since >= until)
		return 0;
	/* One snapshot: the totals and the rows count the same logins. */
	if ((r = tx_begin(s, false)) < 0)
		return r;
	if ((r = report_totals(s, since, until, ret)) < 0 || (r = report_reasons(s, since, until, &ret->reasons)) < 0 ||
	    (r = report_names(s, by_service, since, until, &ret->services)) < 0 ||
	    (r = report_names(s, by_user, since, until, &ret->users)) < 0)
		goto out;
	r = tx_commit(s);
out:
	if (r < 0) {
		tx_rollback(s);
		memset(ret, 0, sizeof(*ret));
	}
	return r < 0 ? r : 0;
}
