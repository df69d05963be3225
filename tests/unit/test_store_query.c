/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the store's read-only admin queries (store_query.c) and
 * what they read back of a login (reason, shadow): users by name in pages
 * with the cursor after the last name, history newest first with every
 * filter, pages that split logins of one second exactly (each once, in the
 * order written), the more flag, counts and file sizes, and values out of
 * range refused on the way in.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "store_query.h"
#include "store_report.h"
#include "tmpdir.h"

#define T0 1700000000ULL

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	struct store *s;
	unsigned next_id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || tmp_mkdtemp("test_store_query", f->dir, sizeof(f->dir)) < 0)
		return -1;
	tmp_join(f->path, sizeof(f->path), f->dir, "vigil.db");
	if (store_open(f->path, &f->s) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	tmp_rm_rf(f->dir);
	free(f);
	return 0;
}

static int64_t user(struct fixture *f, const char *name)
{
	struct store_user u;

	assert_int_equal(store_user_get(f->s, name, T0, &u), 0);
	return u.id;
}

/* Records a decided login; returns its id in out. */
static void login(struct fixture *f, const char *name, const char *service, uint64_t t, uint8_t outcome,
                  uint16_t reason, uint8_t shadow, char out[VIGIL_LOGIN_ID_MAX + 1])
{
	struct store_login l = {0};

	/* Every other login with an id of before schema 6: the history's
	 * cursor must split pages on either kind. */
	if (f->next_id++ % 2)
		assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
	else
		snprintf(l.login_id, sizeof(l.login_id), "id%06u", f->next_id);
	l.user_id = user(f, name);
	snprintf(l.user, sizeof(l.user), "%s", name);
	snprintf(l.service, sizeof(l.service), "%s", service);
	snprintf(l.source, sizeof(l.source), "192.0.2.1");
	l.outcome = outcome;
	l.reason = reason;
	/* The store keeps the mode and the verdict the mode waived. */
	l.mode = shadow == VIGIL_SHADOW_NONE                                    ? VIGIL_MODE_ENFORCE
	         : shadow == VIGIL_SHADOW_DENY || shadow == VIGIL_SHADOW_STEPUP ? VIGIL_MODE_SHADOW
	                                                                        : VIGIL_MODE_LEARN;
	l.verdict = shadow == VIGIL_SHADOW_DENY || shadow == VIGIL_SHADOW_LEARN_DENY       ? VIGIL_VERDICT_DENY
	            : shadow == VIGIL_SHADOW_STEPUP || shadow == VIGIL_SHADOW_LEARN_STEPUP ? VIGIL_VERDICT_STEPUP
	                                                                                   : VIGIL_VERDICT_ALLOW;
	l.time = t;
	l.state = STORE_LOGIN_DONE;
	l.score = 40;
	l.signals = VIGIL_SIGNAL_NEW_DEVICE;
	assert_int_equal(store_login_put(f->s, &l), 0);
	if (out)
		strcpy(out, l.login_id);
}

static void test_users_pages(void **state)
{
	struct fixture *f = *state;
	struct vigil_user_list *page = calloc(1, sizeof(*page));
	char name[16];
	uint8_t sealed[8] = {1};
	struct store_totp t = {0};
	int64_t id;

	assert_non_null(page);
	for (unsigned i = 0; i < VIGIL_LIST_MAX + 8; i++) {
		snprintf(name, sizeof(name), "u%03u", i);
		user(f, name);
	}
	/* u001 has an active factor and logged in; u002 is locked. */
	id = user(f, "u001");
	assert_int_equal(store_totp_put_pending(f->s, id, sealed, sizeof(sealed), 6, 30, T0), 0);
	assert_int_equal(store_totp_get(f->s, id, false, &t), 0);
	assert_int_equal(store_totp_activate(f->s, id, t.id, 1, T0), 0);
	store_totp_clear(&t);
	login(f, "u001", "sshd", T0 + 5, VIGIL_OUTCOME_DENY, VIGIL_REASON_RISK, 0, NULL);
	assert_int_equal(store_user_lock(f->s, user(f, "u002"), T0 + 600), 0);

	assert_int_equal(store_users_page(f->s, "", page), 0);
	assert_int_equal(page->n_users, VIGIL_LIST_MAX);
	assert_int_equal(page->more, 1);
	assert_string_equal(page->users[0].name, "u000");
	assert_string_equal(page->users[VIGIL_LIST_MAX - 1].name, "u031");
	assert_int_equal(page->users[1].factors, 1);
	assert_int_equal(page->users[1].last_login, T0 + 5);
	assert_int_equal(page->users[1].last_success, 0);
	assert_int_equal(page->users[0].factors, 0);
	assert_int_equal(page->users[0].last_login, 0);
	assert_int_equal(page->users[2].locked_until, T0 + 600);

	assert_int_equal(store_users_page(f->s, "u031", page), 0);
	assert_int_equal(page->n_users, 8);
	assert_int_equal(page->more, 0);
	assert_string_equal(page->users[0].name, "u032");
	assert_int_equal(store_users_page(f->s, "zzz", page), 0);
	assert_int_equal(page->n_users, 0);
	free(page);
}

static void test_history(void **state)
{
	struct fixture *f = *state;
	struct vigil_history_page *page = calloc(1, sizeof(*page));
	struct vigil_history_request q = {0};
	struct store_login got;
	char ids[80][VIGIL_LOGIN_ID_MAX + 1], seen[80][VIGIL_LOGIN_ID_MAX + 1];
	size_t n_seen = 0;

	assert_non_null(page);
	/* 70 logins of alice in 3 seconds (so pages split a second), then
	 * bob's: denied, shadowed, allowed by sudo. */
	for (unsigned i = 0; i < 70; i++)
		login(f, "alice", "sshd", T0 + i / 30, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0, ids[i]);
	login(f, "bob", "sshd", T0 + 10, VIGIL_OUTCOME_DENY, VIGIL_REASON_NETWORK, 0, ids[70]);
	login(f, "bob", "sshd", T0 + 11, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NOT_ENROLLED, VIGIL_SHADOW_DENY, ids[71]);
	login(f, "bob", "sudo", T0 + 12, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0, ids[72]);

	/* What was stored comes back. */
	assert_int_equal(store_login_get(f->s, ids[71], &got), 0);
	assert_int_equal(got.reason, VIGIL_REASON_NOT_ENROLLED);
	assert_int_equal(got.mode, VIGIL_MODE_SHADOW);
	assert_int_equal(got.verdict, VIGIL_VERDICT_DENY);

	/* Every login, page by page: each once, newest first, and within a
	 * second in the reverse of the order written. */
	for (;;) {
		assert_int_equal(store_history_page(f->s, &q, page), 0);
		for (size_t i = 0; i < page->n_logins; i++)
			strcpy(seen[n_seen++], page->logins[i].login_id);
		if (!page->more)
			break;
		assert_int_equal(page->n_logins, VIGIL_LIST_MAX);
		q.before_time = page->logins[page->n_logins - 1].time;
		strcpy(q.before_id, page->logins[page->n_logins - 1].login_id);
	}
	assert_int_equal(n_seen, 73);
	assert_string_equal(seen[0], ids[72]);
	assert_string_equal(seen[1], ids[71]);
	assert_string_equal(seen[2], ids[70]);
	for (unsigned i = 0; i < 70; i++)
		assert_string_equal(seen[3 + i], ids[69 - i]);

	/* Filters. */
	memset(&q, 0, sizeof(q));
	strcpy(q.user, "bob");
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 3);
	assert_int_equal(page->more, 0);
	assert_string_equal(page->logins[0].service, "sudo");
	assert_int_equal(page->logins[1].shadow, VIGIL_SHADOW_DENY);
	assert_int_equal(page->logins[1].reason, VIGIL_REASON_NOT_ENROLLED);
	assert_int_equal(page->logins[2].reason, VIGIL_REASON_NETWORK);
	assert_int_equal(page->logins[2].signals, VIGIL_SIGNAL_NEW_DEVICE);
	assert_string_equal(page->logins[2].source, "192.0.2.1");
	strcpy(q.service, "sshd");
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 2);
	q.decision = VIGIL_HISTORY_DENY;
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 1);
	assert_string_equal(page->logins[0].login_id, ids[70]);
	q.decision = VIGIL_HISTORY_SHADOW;
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 1);
	assert_string_equal(page->logins[0].login_id, ids[71]);
	q.decision = VIGIL_HISTORY_ALLOW;
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 1); /* the shadowed one: sshd */
	memset(&q, 0, sizeof(q));
	q.since = T0 + 11;
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 2);
	strcpy(q.user, "nobody");
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 0);

	/* Out of range on the way in. */
	q.decision = VIGIL_HISTORY_FILTER_MAX_;
	assert_int_equal(store_history_page(f->s, &q, page), -EINVAL);
	free(page);
}

static void test_login_put_checks(void **state)
{
	struct fixture *f = *state;
	struct vigil_history_page *page = calloc(1, sizeof(*page));
	struct vigil_history_request q = {0};
	struct store_login l = {0};

	assert_non_null(page);
	strcpy(l.login_id, "x");
	l.user_id = user(f, "carol");
	strcpy(l.user, "carol");
	l.outcome = VIGIL_OUTCOME_DENY;
	l.reason = VIGIL_REASON_RISK;
	l.verdict = VIGIL_VERDICT_STEPUP;
	l.mode = VIGIL_MODE_SHADOW;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 1);
	assert_int_equal(page->logins[0].shadow, VIGIL_SHADOW_STEPUP);
	/* The same under learn mode says learn; an allow verdict under any
	 * mode was enforced, and carries no marker. */
	strcpy(l.login_id, "z");
	l.mode = VIGIL_MODE_LEARN;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_history_page(f->s, &q, page), 0);
	assert_int_equal(page->n_logins, 2);
	assert_string_equal(page->logins[0].login_id, "z");
	assert_int_equal(page->logins[0].shadow, VIGIL_SHADOW_LEARN_STEPUP);
	assert_int_equal(store_shadow_marker(VIGIL_MODE_LEARN, VIGIL_VERDICT_ALLOW), VIGIL_SHADOW_NONE);
	assert_int_equal(store_shadow_marker(VIGIL_MODE_SHADOW, VIGIL_VERDICT_ALLOW), VIGIL_SHADOW_NONE);
	assert_int_equal(store_shadow_marker(VIGIL_MODE_LEARN, VIGIL_VERDICT_DENY), VIGIL_SHADOW_LEARN_DENY);
	assert_int_equal(store_shadow_marker(VIGIL_MODE_ENFORCE, VIGIL_VERDICT_DENY), VIGIL_SHADOW_NONE);
	/* A row the codec could not send is refused when read back. */
	strcpy(l.login_id, "y");
	l.reason = VIGIL_REASON_MAX_;
	assert_int_equal(store_login_put(f->s, &l), 0);
	assert_int_equal(store_history_page(f->s, &q, page), -EBADMSG);
	free(page);
}

static void test_counts(void **state)
{
	struct fixture *f = *state;
	struct store_counts c;

	login(f, "alice", "sshd", T0, VIGIL_OUTCOME_ALLOW, 0, 0, NULL);
	login(f, "bob", "sshd", T0, VIGIL_OUTCOME_ALLOW, 0, 0, NULL);
	login(f, "bob", "sshd", T0 + 1, VIGIL_OUTCOME_DENY, VIGIL_REASON_RISK, 0, NULL);
	assert_int_equal(store_counts(f->s, &c), 0);
	assert_int_equal(c.users, 2);
	assert_int_equal(c.logins, 3);
	assert_int_equal(c.sessions_open, 0);
	assert_true(c.db_bytes > 0);
}

/* A login with a verdict and the mode it was decided under. */
static void login_v(struct fixture *f, const char *name, const char *service, uint64_t t, uint8_t verdict, uint8_t why,
                    uint16_t reason, uint8_t mode)
{
	struct store_login l = {0};

	/* Every other login with an id of before schema 6: the history's
	 * cursor must split pages on either kind. */
	if (f->next_id++ % 2)
		assert_int_equal(store_login_new_id(f->s, l.login_id, sizeof(l.login_id)), 0);
	else
		snprintf(l.login_id, sizeof(l.login_id), "id%06u", f->next_id);
	l.user_id = user(f, name);
	snprintf(l.user, sizeof(l.user), "%s", name);
	snprintf(l.service, sizeof(l.service), "%s", service);
	l.outcome = mode || verdict == VIGIL_VERDICT_ALLOW ? VIGIL_OUTCOME_ALLOW : VIGIL_OUTCOME_DENY;
	l.verdict = verdict;
	l.why = why;
	l.reason = reason;
	l.mode = mode;
	l.time = t;
	l.state = STORE_LOGIN_DONE;
	assert_int_equal(store_login_put(f->s, &l), 0);
}

static const struct vigil_report_row *row_named(const struct vigil_report_rows *t, const char *name)
{
	for (uint16_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

/* The report counts verdicts, whatever the mode let in, over [since,
 * until): per decision, mode, reason, service and user, most step-ups and
 * denials first; logins without a verdict are left out. */
static void test_report(void **state)
{
	struct fixture *f = *state;
	struct vigil_rollout_report *p = calloc(1, sizeof(*p));
	const struct vigil_report_row *e;

	assert_non_null(p);
	/* A week of learn: alice's ssh logins allowed, one sudo would step up
	 * (fresh), bob once from a denied network. */
	for (unsigned i = 0; i < 5; i++)
		login_v(f, "alice", "sshd", T0 + i, VIGIL_VERDICT_ALLOW, 0, 0, VIGIL_MODE_LEARN);
	login_v(f, "alice", "sudo", T0 + 10, VIGIL_VERDICT_STEPUP, VIGIL_WHY_FRESH, 0, VIGIL_MODE_LEARN);
	login_v(f, "bob", "sshd", T0 + 11, VIGIL_VERDICT_DENY, VIGIL_WHY_RISK, VIGIL_REASON_NETWORK, VIGIL_MODE_SHADOW);
	login_v(f, "bob", "sshd", T0 + 12, VIGIL_VERDICT_STEPUP, VIGIL_WHY_RISK, 0, VIGIL_MODE_ENFORCE);
	/* Before vigild kept verdicts: not counted. */
	login_v(f, "carol", "sshd", T0 + 13, VIGIL_VERDICT_UNKNOWN, 0, 0, VIGIL_MODE_ENFORCE);
	/* Outside the period. */
	login_v(f, "dave", "sshd", T0 + 100, VIGIL_VERDICT_DENY, 0, VIGIL_REASON_RISK, VIGIL_MODE_ENFORCE);

	assert_int_equal(store_report(f->s, T0, T0 + 100, p), 0);
	assert_int_equal(p->since, T0);
	assert_int_equal(p->until, T0 + 100);
	assert_int_equal(p->logins, 8);
	assert_int_equal(p->allow, 5);
	assert_int_equal(p->stepup, 2);
	assert_int_equal(p->deny, 1);
	assert_int_equal(p->by_mode[VIGIL_MODE_LEARN], 6);
	assert_int_equal(p->by_mode[VIGIL_MODE_SHADOW], 1);
	assert_int_equal(p->by_mode[VIGIL_MODE_ENFORCE], 1);
	assert_int_equal(p->waived, 2);

	assert_int_equal(p->reasons.n, 3);
	assert_int_equal(p->reasons.more, 0);
	e = row_named(&p->reasons, "fresh");
	assert_int_equal(e->stepup, 1);
	e = row_named(&p->reasons, "risk");
	assert_int_equal(e->stepup, 1);
	e = row_named(&p->reasons, "network");
	assert_int_equal(e->deny, 1);
	assert_int_equal(e->allow, 0);

	assert_int_equal(p->services.n, 2);
	/* sshd has the most step-ups and denials: first. */
	assert_string_equal(p->services.rows[0].name, "sshd");
	assert_int_equal(p->services.rows[0].allow, 5);
	assert_int_equal(p->services.rows[0].stepup, 1);
	assert_int_equal(p->services.rows[0].deny, 1);
	e = row_named(&p->services, "sudo");
	assert_int_equal(e->stepup, 1);

	assert_int_equal(p->users.n, 2);
	assert_string_equal(p->users.rows[0].name, "bob");
	e = row_named(&p->users, "alice");
	assert_int_equal(e->allow, 5);
	assert_int_equal(e->stepup, 1);

	/* An empty period is empty, not an error. */
	assert_int_equal(store_report(f->s, T0 + 200, T0 + 100, p), 0);
	assert_int_equal(p->logins, 0);
	assert_int_equal(p->users.n, 0);

	/* A row with a mode no vigild writes is refused. */
	login_v(f, "erin", "sshd", T0 + 20, VIGIL_VERDICT_ALLOW, 0, 0, VIGIL_MODE_MAX_);
	assert_int_equal(store_report(f->s, T0, T0 + 100, p), -EBADMSG);
	assert_int_equal(p->logins, 0);
	free(p);
}

/* More users than a report holds: the rows with the most step-ups and
 * denials are kept, and more says rows were left out. */
static void test_report_rows_bounded(void **state)
{
	struct fixture *f = *state;
	struct vigil_rollout_report *p = calloc(1, sizeof(*p));
	char name[16];

	assert_non_null(p);
	for (unsigned i = 0; i < VIGIL_REPORT_ROWS_MAX + 3; i++) {
		snprintf(name, sizeof(name), "u%03u", i);
		login_v(f, name, "sshd", T0 + i, VIGIL_VERDICT_ALLOW, 0, 0, VIGIL_MODE_ENFORCE);
	}
	login_v(f, "zed", "sshd", T0 + 50, VIGIL_VERDICT_DENY, 0, VIGIL_REASON_RISK, VIGIL_MODE_ENFORCE);
	assert_int_equal(store_report(f->s, T0, T0 + 100, p), 0);
	assert_int_equal(p->users.n, VIGIL_REPORT_ROWS_MAX);
	assert_int_equal(p->users.more, 1);
	assert_string_equal(p->users.rows[0].name, "zed");
	assert_string_equal(p->users.rows[1].name, "u000");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_users_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_put_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report_rows_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
