/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeping the store's history bounded, at start and every hour.  Expired
 * grants go in one transaction then.  What grows with every login goes in a
 * pass made a millisecond's slice at a time, when no request waits, in at
 * most a fifth of the event loop's time (at a million users an hour of it
 * is seconds of work, and logins are served between the slices, from the
 * start on): first the login records, failures and closed sessions older
 * than [store] history_days, then each user's login records past about
 * PRUNE_HISTORY_PER_USER (su and sudo attempts naming a user add records
 * for that user, whoever makes them), for the users with a login since the
 * pass before.
 */
#pragma once

#include <systemd/sd-event.h>

#include "vigild.h"

#define PRUNE_HISTORY_PER_USER 1000

struct prune;

/* Deletes the expired grants now, starts the first pass, and schedules
 * both every hour on e.  0 or a negative errno. */
int prune_start(struct vigild *d, sd_event *e, struct prune **ret);
/* Stops where it is (NULL-safe): the next start begins a pass anew. */
void prune_free(struct prune *p);
