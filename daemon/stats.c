/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decision counters (see stats.h).  The records come from login.c, which
 * names decisions "allow", "deny", "stepup", "enroll" (and, in shadow mode,
 * whatever enforcement would have done, with shadow set); a reason is a
 * reason_name().
 */
#include <string.h>
#include <time.h>

#include "proto.h"
#include "stats.h"

static uint64_t mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->started = (uint64_t)time(NULL);
	s->started_mono = mono_seconds();
}

uint64_t stats_uptime(const struct stats *s)
{
	uint64_t now = mono_seconds();

	return now > s->started_mono ? now - s->started_mono : 0;
}

void stats_note(struct stats *s, const struct audit_record *r)
{
	if (r->event != AUDIT_DECISION || !r->decision)
		return;
	if (r->shadow) {
		/* Allowed by shadow or learn mode: the "allow" record follows. */
		s->shadowed++;
		return;
	}
	if (strcmp(r->decision, "allow") == 0) {
		s->allowed++;
	} else if (strcmp(r->decision, "deny") == 0) {
		s->denied++;
		for (uint16_t i = 0; i < VIGIL_REASON_MAX_; i++)
			if (r->reason && strcmp(r->reason, reason_name(i)) == 0) {
				s->denied_by[i]++;
				break;
			}
	} else if (strcmp(r->decision, "stepup") == 0 || strcmp(r->decision, "enroll") == 0) {
		s->stepups++;
	}
}
