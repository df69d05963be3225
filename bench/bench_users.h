/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who the benchmark's users are and where they log in from, computed from an
 * index so that the seeding (bench_perf fingerprints), the PAM driver
 * (bench_perf login) and the light client (bench_decide) agree without a
 * shared file.  Nothing here is secret: the keys are synthetic public keys.
 *
 *   pool user i  "b%07u": known key (i, KEY_KNOWN), address from 10.0.0.0/8;
 *   step user j  "s%07u": seeded history with key (j, KEY_KNOWN) from
 *                11.0.0.0/8, logs in with key (j, KEY_NEW) from 100.64.0.0/10
 *                (a new device, source and /24: a step-up).
 */
#pragma once

#include <stddef.h>

#define BENCH_NAME_MAX 16
#define BENCH_ADDR_MAX 20
#define BENCH_AUTH_MAX 128
#define BENCH_FP_MAX   64

enum bench_user_kind {
	BENCH_POOL,
	BENCH_STEP,
};

enum bench_key {
	BENCH_KEY_KNOWN,
	BENCH_KEY_NEW,
};

struct bench_origin {
	char name[BENCH_NAME_MAX];
	char rhost[BENCH_ADDR_MAX];
	char prefix[BENCH_ADDR_MAX + 4];
	/* The value of SSH_AUTH_INFO_0 ("publickey ssh-ed25519 AAAA..."). */
	char auth_info[BENCH_AUTH_MAX];
	/* "SHA256:..." as vigild computes it for that key. */
	char fingerprint[BENCH_FP_MAX];
};

/* Fills o for user i of kind k logging in with key `key`. */
void bench_origin(enum bench_user_kind k, unsigned i, enum bench_key key, struct bench_origin *o);
