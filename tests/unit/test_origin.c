/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the process identity origin.c reads from /proc: the start
 * time of a process (field 22 of /proc/PID/stat), also for a process whose
 * name holds blanks and parentheses, and the chain of parents with their
 * start times.  The expected values are read here independently with
 * sscanf, from the last ')' of the line.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "origin.h"

/* Field 4 (ppid) and field 22 (starttime) of pid's stat line. */
static void stat_expect(pid_t pid, pid_t *ret_ppid, uint64_t *ret_start)
{
	char path[64], line[1024], *p;
	unsigned long long start;
	int ppid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	p = strrchr(line, ')');
	assert_non_null(p);
	assert_int_equal(sscanf(p + 2,
	                        "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
	                        &ppid, &start),
	                 2);
	*ret_ppid = ppid;
	*ret_start = start;
}

static void test_pid_start_self(void **state)
{
	uint64_t start = 0, want;
	pid_t ppid;

	(void)state;
	stat_expect(getpid(), &ppid, &want);
	assert_int_equal(origin_pid_start(getpid(), &start), 0);
	assert_int_equal(start, want);
}

/* A child named ") S 1 2 3 (" : a parser that stops at the first ')' or
 * counts blanks from the start reads the wrong fields. */
static void test_pid_start_hostile_name(void **state)
{
	uint32_t pids[ORIGIN_PID_CHAIN_MAX];
	uint64_t starts[ORIGIN_PID_CHAIN_MAX], start = 0, want, self_start;
	int ready[2], n;
	pid_t child, ppid;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(ready[0]);
		prctl(PR_SET_NAME, ") S 1 2 3 (", 0, 0, 0);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);

	stat_expect(child, &ppid, &want);
	assert_int_equal(ppid, getpid());
	assert_int_equal(origin_pid_start(child, &start), 0);
	assert_int_equal(start, want);

	/* The chain: the child, then this process, each with its start. */
	stat_expect(getpid(), &ppid, &self_start);
	n = origin_pid_chain(child, pids, starts, ORIGIN_PID_CHAIN_MAX);
	assert_true(n >= 2);
	assert_int_equal(pids[0], (uint32_t)child);
	assert_int_equal(starts[0], want);
	assert_int_equal(pids[1], (uint32_t)getpid());
	assert_int_equal(starts[1], self_start);

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* Gone (and reaped): no start time, no chain. */
	assert_int_equal(origin_pid_start(child, &start), -ESRCH);
	assert_int_equal(origin_pid_chain(child, pids, starts, ORIGIN_PID_CHAIN_MAX), -ESRCH);
}

static void test_pid_start_invalid(void **state)
{
	uint64_t start = 42;

	(void)state;
	assert_int_equal(origin_pid_start(0, &start), -ESRCH);
	assert_int_equal(origin_pid_start(-1, &start), -ESRCH);
	assert_int_equal(start, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pid_start_self),
	    cmocka_unit_test(test_pid_start_hostile_name),
	    cmocka_unit_test(test_pid_start_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
