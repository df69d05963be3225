/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's durability by need (store.h): which writes owe a sync before
 * their answer and which are history only, and transactions that nest (an
 * inner one that fails undoes only itself; the outer one still commits or
 * rolls back as a whole).  Whether store_sync() reaches the disk is checked
 * against a real vigild under strace (tests/daemon/durability.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "tmpdir.h"

#define T0 1700000000ULL

struct fixture {
	char dir[128];
	char path[160];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || tmp_mkdtemp("test_store_sync", f->dir, sizeof(f->dir)) < 0) {
		free(f);
		return -1;
	}
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

/* A login record as auth writes it: history only. */
static void login_fill(struct store_login *l, int64_t user_id, const char *id, uint64_t when)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->login_id, sizeof(l->login_id), "%s", id);
	l->user_id = user_id;
	strcpy(l->user, "alice");
	strcpy(l->service, "sshd");
	strcpy(l->device, "SHA256:dev");
	strcpy(l->source, "192.0.2.7");
	l->outcome = VIGIL_OUTCOME_ALLOW;
	l->time = when;
	l->state = STORE_LOGIN_DONE;
	l->learn = true;
}

static void test_fresh_store_owes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_false(store_durable_pending(f->s));
	assert_int_equal(store_sync(f->s), 0);
}

static void test_history_owes_no_sync(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	struct store_login l;
	int64_t mark;

	/* A new user's row is not history: it is synced like any change. */
	assert_int_equal(store_user_get(f->s, "alice", T0, &u), 0);
	assert_true(store_durable_pending(f->s));
	assert_int_equal(store_sync(f->s), 0);
	assert_false(store_durable_pending(f->s));

	/* A login allowed without a factor, and what it teaches: history. */
	mark = store_durable_mark(f->s);
	login_fill(&l, u.id, "1000001", T0 + 10);
	assert_int_equal(store_login_finish(f->s, &l, "192.0.2.0/24", 0, NULL), 0);
	assert_int_equal(store_durable_mark(f->s), mark);
	assert_false(store_durable_pending(f->s));
}

static void test_failure_and_lock_owe_a_sync(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	int64_t mark;

	assert_int_equal(store_user_get(f->s, "alice", T0, &u), 0);
	assert_int_equal(store_sync(f->s), 0);

	mark = store_durable_mark(f->s);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.7", T0 + 1), 0);
	assert_true(store_durable_mark(f->s) > mark);
	assert_true(store_durable_pending(f->s));
	assert_int_equal(store_sync(f->s), 0);
	assert_false(store_durable_pending(f->s));

	assert_int_equal(store_user_lock(f->s, u.id, T0 + 600), 0);
	assert_true(store_durable_pending(f->s));
	assert_int_equal(store_sync(f->s), 0);
	assert_false(store_durable_pending(f->s));
}

/* A durable write inside a history transaction makes it durable: the
 * in-band activation inside an account phase's commit is the real case;
 * here a failure recorded inside an outer history transaction. */
static void test_durable_wins_inside_history(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	struct store_login l;

	assert_int_equal(store_user_get(f->s, "alice", T0, &u), 0);
	assert_int_equal(store_sync(f->s), 0);
	assert_int_equal(store_tx_begin(f->s, true), 0);
	login_fill(&l, u.id, "1000002", T0 + 20);
	assert_int_equal(store_login_finish(f->s, &l, "", 0, NULL), 0);
	assert_int_equal(store_failure_add(f->s, "alice", "192.0.2.7", T0 + 21), 0);
	assert_int_equal(store_tx_commit(f->s), 0);
	assert_true(store_durable_pending(f->s));
}

static void test_nested_failure_undoes_itself_only(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	struct store_login out;
	uint32_t n = 0;

	assert_int_equal(store_tx_begin(f->s, true), 0);
	assert_int_equal(store_user_get(f->s, "bob", T0, &u), 0);
	/* An inner transaction that fails (no such login) rolls back alone. */
	assert_int_equal(store_login_commit(f->s, "4242", "", 0, &out), -ENOENT);
	assert_int_equal(store_failure_add(f->s, "bob", "198.51.100.1", T0 + 1), 0);
	assert_int_equal(store_tx_commit(f->s), 0);
	assert_int_equal(store_user_find(f->s, "bob", &u), 0);
	assert_int_equal(store_failures_user(f->s, "bob", T0, &n), 0);
	assert_int_equal(n, 1);
}

static void test_outer_rollback_undoes_all(void **state)
{
	struct fixture *f = *state;
	struct store_user u;
	uint32_t n = 7;

	assert_int_equal(store_tx_begin(f->s, true), 0);
	assert_int_equal(store_user_get(f->s, "carol", T0, &u), 0);
	assert_int_equal(store_failure_add(f->s, "carol", "198.51.100.2", T0 + 1), 0);
	store_tx_rollback(f->s);
	assert_int_equal(store_user_find(f->s, "carol", &u), -ENOENT);
	assert_int_equal(store_failures_user(f->s, "carol", T0, &n), 0);
	assert_int_equal(n, 0);
	/* Nothing left open: the next call runs on its own. */
	assert_int_equal(store_user_get(f->s, "carol", T0, &u), 0);
	assert_int_equal(store_user_find(f->s, "carol", &u), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fresh_store_owes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_owes_no_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_and_lock_owe_a_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_durable_wins_inside_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nested_failure_undoes_itself_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outer_rollback_undoes_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
