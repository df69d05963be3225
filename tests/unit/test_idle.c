/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for idle.c's activity of a session without a terminal: the
 * CPU time of a tree counts, io bytes only between looks that read as many
 * processes' counters (an unreadable /proc/PID/io, as under the shipped
 * unit, is absent, not activity), and a tree whose root is gone or was
 * replaced is -ESRCH.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "idle.h"
#include "origin.h"

static void test_moved(void **state)
{
	struct tree_activity a = {.cpu = 10, .io = 100, .io_n = 2};
	struct tree_activity same = a, cpu = a, io = a, fewer = a, none = {.cpu = 10};

	(void)state;
	cpu.cpu++;
	io.io += 5;
	/* One process's io turned unreadable: fewer bytes, not activity. */
	fewer.io = 40;
	fewer.io_n = 1;
	assert_false(tree_activity_moved(&a, &same));
	assert_true(tree_activity_moved(&a, &cpu));
	assert_true(tree_activity_moved(&a, &io));
	assert_false(tree_activity_moved(&a, &fewer));
	assert_false(tree_activity_moved(&fewer, &a));
	/* No io readable at all (the shipped unit): CPU time only. */
	assert_false(tree_activity_moved(&none, &none));
	assert_false(tree_activity_moved(&a, &none));
}

static void spin_cpu(void)
{
	struct timespec t0, t;
	volatile uint64_t x = 0;

	/* 50 ms of CPU: several clock ticks, whatever the accounting. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		x++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 50000000L);
}

static void test_own_tree(void **state)
{
	struct proc_table *t = NULL;
	struct tree_activity before, after;
	uint64_t start;

	(void)state;
	assert_int_equal(origin_pid_start(getpid(), &start), 0);
	assert_int_equal(proc_table_load(&t), 0);
	assert_int_equal(proc_tree_activity(t, (uint32_t)getpid(), start, &before), 0);
	/* Our own io is readable. */
	assert_true(before.io_n >= 1);
	assert_int_equal(proc_tree_activity(t, (uint32_t)getpid(), start + 1, &after), -ESRCH);
	proc_table_free(t);

	spin_cpu();
	assert_int_equal(proc_table_load(&t), 0);
	assert_int_equal(proc_tree_activity(t, (uint32_t)getpid(), start, &after), 0);
	proc_table_free(t);
	assert_true(after.cpu > before.cpu);
	assert_true(tree_activity_moved(&before, &after));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_moved),
	    cmocka_unit_test(test_own_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
