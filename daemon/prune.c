/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * History pruning (see prune.h): an hourly timer, and an idle-priority timer
 * that runs a pass one slice at a time until it is over.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "login_history.h"
#include "prune.h"

#define PRUNE_INTERVAL_USEC 3600000000ULL
/* A slice of a pass: steps of PRUNE_STEP_LOGINS records deleted, or logins
 * looked at (and so users looked up), each a page of an index to read and
 * maybe write, for as long as PRUNE_SLICE_USEC allows, in one transaction
 * (a page the slice changes many times is written once).  Slices come
 * PRUNE_SLICE_GAP_USEC apart at most, and only when no request waits: a
 * pass takes at most a fifth of the loop, and a login that comes during a
 * slice waits a millisecond at most (one step, on a disk slow enough). */
#define PRUNE_STEP_LOGINS    16
#define PRUNE_SLICE_USEC     1000
#define PRUNE_SLICE_GAP_USEC 4000

struct prune {
	struct vigild *d;
	sd_event_source *timer;
	sd_event_source *pass_src; /* a timer, on while a pass is under way */
	/* A pass deletes what is older than `before`, then bounds the
	 * history of each user with a recent login. */
	bool aging;
	uint64_t before;
	struct store_history_pass pass;
};

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Deletes the expired grants, and starts (or starts again) a pass: the
 * login records, failures and closed sessions older than history_days,
 * then each user's history since twice the interval back (a pass late by a
 * little still sees every user that logged in since the last one). */
static void prune_now(struct prune *p)
{
	uint64_t now = vigild_now(), keep = (uint64_t)p->d->config->history_days * 86400,
	         back = 2 * PRUNE_INTERVAL_USEC / 1000000;
	int r;

	login_history_flush(p->d);
	p->before = now > keep ? now - keep : 0;
	if ((r = store_prune(p->d->store, p->before)) < 0)
		log_msg(LOG_ERR, "pruning old history failed: %s", strerror(-r));
	if ((r = store_history_pass_start(&p->pass, now > back ? now - back : 0, now, PRUNE_HISTORY_PER_USER)) < 0) {
		log_msg(LOG_ERR, "bounding per-user history failed: %s", strerror(-r));
		return;
	}
	p->aging = true;
	sd_event_source_set_time(p->pass_src, monotonic_usec());
	sd_event_source_set_enabled(p->pass_src, SD_EVENT_ONESHOT);
}

/* One step of the pass: 1 while there is more to do, 0 once it is over, or
 * a negative errno. */
static int pass_step(struct prune *p)
{
	int r;

	if (p->aging) {
		if ((r = store_prune_step(p->d->store, p->before, PRUNE_STEP_LOGINS)) < 0)
			return r;
		p->aging = r == 1;
		return 1;
	}
	return store_history_pass_step(p->d->store, &p->pass, PRUNE_STEP_LOGINS);
}

/* One slice of the pass.  A slice that fails ends the pass: the next one,
 * an hour later, does its work again. */
static int on_pass(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct prune *p = userdata;
	uint64_t start = monotonic_usec();
	int r, c;

	(void)usec;
	if ((r = store_tx_begin(p->d->store, true)) < 0)
		goto out;
	do
		r = pass_step(p);
	while (r == 1 && monotonic_usec() - start < PRUNE_SLICE_USEC);
	if (r < 0)
		store_tx_rollback(p->d->store);
	else if ((c = store_tx_commit(p->d->store)) < 0)
		r = c;
out:
	if (r < 0)
		log_msg(LOG_ERR, "pruning history failed: %s", strerror(-r));
	if (r == 1) {
		sd_event_source_set_time(src, monotonic_usec() + PRUNE_SLICE_GAP_USEC);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	}
	return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	prune_now(userdata);
	sd_event_source_set_time(src, usec + PRUNE_INTERVAL_USEC);
	return sd_event_source_set_enabled(src, SD_EVENT_ON);
}

int prune_start(struct vigild *d, sd_event *e, struct prune **ret)
{
	struct prune *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->d = d;
	if ((r = sd_event_add_time(e, &p->pass_src, CLOCK_MONOTONIC, 0, PRUNE_SLICE_USEC, on_pass, p)) < 0 ||
	    (r = sd_event_source_set_priority(p->pass_src, SD_EVENT_PRIORITY_IDLE)) < 0 ||
	    (r = sd_event_source_set_enabled(p->pass_src, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_add_time_relative(e, &p->timer, CLOCK_MONOTONIC, PRUNE_INTERVAL_USEC, 0, on_timer, p)) < 0) {
		prune_free(p);
		return r;
	}
	prune_now(p);
	*ret = p;
	return 0;
}

void prune_free(struct prune *p)
{
	if (!p)
		return;
	sd_event_source_disable_unref(p->timer);
	sd_event_source_disable_unref(p->pass_src);
	free(p);
}
