/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checkpoints of the store's WAL, off the login path: a thread of its own
 * with a connection of its own copies the WAL back into the database, so
 * that no login's commit ever runs one (SQLite's auto-checkpoint runs in
 * the commit that crosses its threshold).  Trusts the store it is given;
 * logs nothing: the caller logs what store_checkpoint_stop() returns.
 */
#pragma once

#include <stdint.h>

#include "store.h"

struct store_checkpoint;

/* What the checkpointer did since it started. */
struct store_checkpoint_stats {
	uint64_t passive;  /* PASSIVE checkpoints run (the WAL past its threshold) */
	uint64_t truncate; /* TRUNCATE checkpoints run (idle: the WAL emptied) */
	uint64_t failures; /* checkpoints that failed (busy ones are not failures) */
	int last_error;    /* negative errno of the last failure, 0 if none */
};

/* Starts checkpointing s's database from a new thread, on a second
 * connection to the file s opened, checked as store_open() checks it.
 * From then on s's commits never checkpoint: they only wake the thread
 * once the WAL holds more than a threshold of pages.  *ret is the
 * caller's, to store_checkpoint_stop() before store_close(s).  0, or a
 * negative errno (why says more when given; s is left checkpointing as
 * SQLite does by default). */
int store_checkpoint_start(struct store *s, struct store_checkpoint **ret, char *why, size_t whylen);

/* Stops the thread, joins it, closes its connection and puts s back on
 * SQLite's auto-checkpoint.  Returns the last failure seen (a negative
 * errno), or 0.  NULL-safe. */
int store_checkpoint_stop(struct store_checkpoint *c);

/* A snapshot of the counters (the thread keeps running). */
void store_checkpoint_stats(struct store_checkpoint *c, struct store_checkpoint_stats *ret);
