/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters since vigild started, for `vigilctl daemon`: the login
 * decisions, counted from the audit records the login flow writes, so the
 * counters say exactly what the journal says.  Touched only by the event
 * loop's thread.
 */
#pragma once

#include <stdint.h>

#include "audit.h"
#include "vigil/proto.h"

struct stats {
	uint64_t started;      /* wall clock, seconds */
	uint64_t started_mono; /* CLOCK_MONOTONIC, seconds */
	uint64_t allowed, denied, stepups, shadowed;
	uint64_t denied_by[VIGIL_REASON_MAX_];
};

/* Starts the clocks; zeroes the counters. */
void stats_init(struct stats *s);
/* Counts one audit record if it is a login decision. */
void stats_note(struct stats *s, const struct audit_record *r);
/* Seconds since stats_init(). */
uint64_t stats_uptime(const struct stats *s);
