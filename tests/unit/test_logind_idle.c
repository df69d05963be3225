/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for logind_idle.c: how logind's view combines with vigild's
 * own (logind_idle.h), and that without a loop, or for a process logind
 * does not manage, nothing is asked and nothing changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>
#include <systemd/sd-login.h>

#include "logind_idle.h"
#include "vigild.h"

#define NOW 1000000u

static void test_no_view_changes_nothing(void **state)
{
	struct logind_view none = {0}, idle_unknown = {.idle = true};

	(void)state;
	assert_int_equal(logind_idle_combine(500, NULL, NOW), 500);
	/* IdleSinceHint 0: logind knows nothing (a session without a
	 * terminal), whatever its IdleHint. */
	assert_int_equal(logind_idle_combine(500, &none, NOW), 500);
	assert_int_equal(logind_idle_combine(500, &idle_unknown, NOW), 500);
}

static void test_latest_wins(void **state)
{
	struct logind_view v = {.idle = true, .since = NOW - 100};

	(void)state;
	/* logind saw activity later than the terminal's atime. */
	assert_int_equal(logind_idle_combine(NOW - 300, &v, NOW), NOW - 100);
	/* The terminal's is later: logind never makes a session idler. */
	assert_int_equal(logind_idle_combine(NOW - 10, &v, NOW), NOW - 10);
}

static void test_tty_not_idle_is_not_use(void **state)
{
	/* A tty session logind calls not idle only because IdleActionSec has
	 * not passed: its IdleSinceHint (the atime) counts, not now. */
	struct logind_view v = {.idle = false, .graphical = false, .since = NOW - 600};

	(void)state;
	assert_int_equal(logind_idle_combine(NOW - 900, &v, NOW), NOW - 600);
	assert_int_equal(logind_idle_combine(NOW - 60, &v, NOW), NOW - 60);
}

static void test_graphical_not_idle_is_active(void **state)
{
	struct logind_view busy = {.idle = false, .graphical = true, .since = NOW - 5000},
	                   idle = {.idle = true, .graphical = true, .since = NOW - 700};

	(void)state;
	assert_int_equal(logind_idle_combine(NOW - 900, &busy, NOW), NOW);
	/* Not even a since: the desktop's word is enough. */
	busy.since = 0;
	assert_int_equal(logind_idle_combine(NOW - 900, &busy, NOW), NOW);
	assert_int_equal(logind_idle_combine(NOW - 900, &idle, NOW), NOW - 700);
}

static void test_future_is_now(void **state)
{
	struct logind_view v = {.idle = true, .since = NOW + 3600};

	(void)state;
	assert_int_equal(logind_idle_combine(NOW - 900, &v, NOW), NOW);
}

static void test_get_without_loop_or_session(void **state)
{
	struct vigild d = {0};
	struct logind_idle *l = NULL;
	struct logind_view v;
	char *sid = NULL;
	sd_event *e = NULL;

	(void)state;
	assert_int_equal(logind_idle_new(&l), 0);
	assert_int_equal(logind_idle_get(&d, l, "s1", (uint32_t)getpid(), &v), -ENOTCONN);
	assert_int_equal(sd_event_new(&e), 0);
	d.event = e;
	if (sd_pid_get_session(getpid(), &sid) >= 0) {
		free(sid);
		logind_idle_free(l);
		sd_event_unref(e);
		skip(); /* run inside a logind session: the bus would be asked */
	}
	/* Not in a logind session: no view, and no bus opened for it. */
	assert_int_equal(logind_idle_get(&d, l, "s2", (uint32_t)getpid(), &v), -ENOENT);
	assert_int_equal(logind_idle_get(&d, l, "s1", 0, &v), -ENOENT);
	assert_null(d.bus);
	logind_idle_sweep(l); /* both looked at: kept */
	logind_idle_sweep(l); /* neither: forgotten */
	logind_idle_free(l);
	sd_event_unref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_view_changes_nothing), cmocka_unit_test(test_latest_wins),
	    cmocka_unit_test(test_tty_not_idle_is_not_use), cmocka_unit_test(test_graphical_not_idle_is_active),
	    cmocka_unit_test(test_future_is_now),           cmocka_unit_test(test_get_without_loop_or_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
