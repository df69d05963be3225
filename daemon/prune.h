/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeping the store's history bounded, at start and every hour.  What is
 * older than [store] history_days (login records, failures, grants, closed
 * sessions) goes in one transaction then.  Per-user history (at most about
 * PRUNE_HISTORY_PER_USER records a user: su and sudo attempts naming a user
 * add records for that user, whoever makes them) is bounded by a pass over
 * the users with a login since the pass before, a slice of their logins at
 * a time, whenever the event loop has nothing else to do: at a million users
 * one pass is seconds of work, and logins are served between its slices,
 * from the start on.
 */
#pragma once

#include <systemd/sd-event.h>

#include "vigild.h"

#define PRUNE_HISTORY_PER_USER 1000

struct prune;

/* Prunes what is old now, starts the first per-user pass, and schedules
 * both every hour on e.  0 or a negative errno. */
int prune_start(struct vigild *d, sd_event *e, struct prune **ret);
/* Stops where it is (NULL-safe): the next start begins a pass anew. */
void prune_free(struct prune *p);
