/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * recovery_kdf: what one recovery-code check costs vigild.  Makes one set
 * with recovery_set_new() (timed: RECOVERY_CODES derivations), then times
 * recovery_verify() of the set's rows against answers, alternating a right
 * code and a wrong one (both cost one scrypt derivation; a wrong one also
 * compares every row), with CLOCK_MONOTONIC, and prints the distribution
 * with the process's CPU time and peak memory.  No database: the cost
 * measured is the KDF's alone, the one vigild pays on its event loop.
 * The codes exist only in this process's memory and are never printed.
 *
 *   bench/recovery_kdf [ITERATIONS]      (default 50)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "parse.h"
#include "recovery.h"
#include "wipe.h"

#define ITERATIONS_DEFAULT 50
#define ITERATIONS_MAX     100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank. */
static double pct(const double *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return v[k ? k - 1 : 0];
}

int main(int argc, char **argv)
{
	struct store_recovery_code rows[RECOVERY_CODES];
	struct recovery_set *set = NULL;
	/* A code of the right shape that is not in the set (the set draws
	 * from 2^54: a clash is not worth handling). */
	static const char wrong[] = "abcd-efgh-jkmn";
	uint64_t iterations = ITERATIONS_DEFAULT;
	double *t = NULL, t0, c0, gen_ms, sum = 0, cpu;
	struct rusage ru;
	size_t i;
	int rc = 1, r;

	if (argc > 2 || (argc == 2 && parse_u64(argv[1], ITERATIONS_MAX, &iterations) < 0) || iterations == 0) {
		fprintf(stderr, "Usage: %s [ITERATIONS (1..%d)]\n", argv[0], ITERATIONS_MAX);
		return 2;
	}
	t = calloc(iterations, sizeof(*t));
	if (!t)
		goto out;
	t0 = now_ms();
	if ((r = recovery_set_new(&set)) < 0) {
		fprintf(stderr, "recovery_set_new: %s\n", strerror(-r));
		goto out;
	}
	gen_ms = now_ms() - t0;
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < RECOVERY_CODES; i++) {
		rows[i].id = (int64_t)i + 1;
		memcpy(rows[i].salt, set->salt, sizeof(set->salt));
		rows[i].salt_len = sizeof(set->salt);
		memcpy(rows[i].hash, set->hashes[i], RECOVERY_HASH_SIZE);
		rows[i].hash_len = RECOVERY_HASH_SIZE;
	}
	c0 = cpu_ms();
	for (i = 0; i < iterations; i++) {
		const char *answer = i % 2 ? wrong : set->codes[RECOVERY_CODES - 1];
		int want = i % 2 ? -EACCES : 0;
		int64_t id = 0;

		t0 = now_ms();
		r = recovery_verify(rows, RECOVERY_CODES, answer, &id);
		t[i] = now_ms() - t0;
		if (r != want || (r == 0 && id != RECOVERY_CODES)) {
			fprintf(stderr, "verification %zu: %d, expected %d\n", i, r, want);
			goto out;
		}
		sum += t[i];
	}
	cpu = (cpu_ms() - c0) / (double)iterations;
	qsort(t, iterations, sizeof(*t), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("scrypt N=2^%d r=%d p=%d, %d codes a set\n", RECOVERY_SCRYPT_LOG2N, RECOVERY_SCRYPT_R, RECOVERY_SCRYPT_P,
	       RECOVERY_CODES);
	printf("generate a set: %.1f ms\n", gen_ms);
	printf("verify: %llu runs, mean %.2f ms, min %.2f, p50 %.2f, p90 %.2f, max %.2f, cpu %.2f ms/run\n",
	       (unsigned long long)iterations, sum / (double)iterations, t[0], pct(t, iterations, 50),
	       pct(t, iterations, 90), t[iterations - 1], cpu);
	printf("peak rss: %ld KiB\n", ru.ru_maxrss);
	rc = 0;
out:
	recovery_set_free(set);
	wipe(rows, sizeof(rows));
	free(t);
	return rc;
}
