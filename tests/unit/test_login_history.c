/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batch of known-device login records (daemon/login_history.c): a
 * record waits, off the store, until the event loop is idle or the batch is
 * full; flushing writes every waiting record in one go; without an event
 * loop a record is written at once.  Against a real store and a real
 * sd-event loop.
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
#include <systemd/sd-event.h>

#include "login_history.h"
#include "store.h"
#include "tmpdir.h"

#define T0 1700000000ULL

struct fixture {
	char dir[128];
	char path[160];
	struct vigild d;
	int64_t user_id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_user u;

	if (!f || tmp_mkdtemp("test_login_history", f->dir, sizeof(f->dir)) < 0)
		return -1;
	tmp_join(f->path, sizeof(f->path), f->dir, "vigil.db");
	if (store_open(f->path, &f->d.store) < 0 || store_user_get(f->d.store, "alice", T0, &u) < 0 ||
	    sd_event_new(&f->d.event) < 0)
		return -1;
	f->user_id = u.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	login_history_close(&f->d);
	sd_event_unref(f->d.event);
	store_close(f->d.store);
	tmp_rm_rf(f->dir);
	free(f);
	return 0;
}

/* A known-device login's record, done, with a fresh id. */
static void record(struct fixture *f, struct store_login *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(store_login_new_id(f->d.store, l->login_id, sizeof(l->login_id)), 0);
	l->user_id = f->user_id;
	strcpy(l->user, "alice");
	strcpy(l->service, "sshd");
	strcpy(l->device, "SHA256:known");
	strcpy(l->source, "192.0.2.9");
	l->outcome = VIGIL_OUTCOME_ALLOW;
	l->time = T0 + 5;
	l->state = STORE_LOGIN_DONE;
	l->learn = true;
}

static bool written(struct fixture *f, const char *id)
{
	struct store_login got;

	return store_login_get(f->d.store, id, &got) == 0;
}

static void test_waits_until_idle(void **state)
{
	struct fixture *f = *state;
	struct store_login l;

	record(f, &l);
	assert_int_equal(login_history_add(&f->d, &l, "192.0.2.0/24", T0 + 3600), 0);
	assert_false(written(f, l.login_id));
	/* One turn of the loop with nothing else to do writes it. */
	assert_true(sd_event_run(f->d.event, 0) >= 0);
	assert_true(written(f, l.login_id));
}

static void test_flush_writes_all(void **state)
{
	struct fixture *f = *state;
	struct store_login l[5];
	size_t i;

	for (i = 0; i < 5; i++) {
		record(f, &l[i]);
		assert_int_equal(login_history_add(&f->d, &l[i], "192.0.2.0/24", 0), 0);
	}
	assert_false(written(f, l[0].login_id));
	login_history_flush(&f->d);
	for (i = 0; i < 5; i++)
		assert_true(written(f, l[i].login_id));
	/* Written once: a second flush has nothing left. */
	login_history_flush(&f->d);
}

static void test_full_batch_written_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_login first, l;
	size_t i;

	record(f, &first);
	assert_int_equal(login_history_add(&f->d, &first, "", 0), 0);
	for (i = 1; i < LOGIN_HISTORY_BATCH; i++) {
		record(f, &l);
		assert_int_equal(login_history_add(&f->d, &l, "", 0), 0);
	}
	assert_false(written(f, first.login_id));
	/* One more than a batch holds: the batch is written to make room. */
	record(f, &l);
	assert_int_equal(login_history_add(&f->d, &l, "", 0), 0);
	assert_true(written(f, first.login_id));
	assert_false(written(f, l.login_id));
}

static void test_no_loop_writes_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_login l;
	sd_event *e = f->d.event;

	f->d.event = NULL;
	record(f, &l);
	assert_int_equal(login_history_add(&f->d, &l, "", 0), 0);
	assert_true(written(f, l.login_id));
	f->d.event = e;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_waits_until_idle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flush_writes_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_batch_written_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_loop_writes_at_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
