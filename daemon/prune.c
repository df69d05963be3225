/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * History pruning (see prune.h): an hourly timer, and an idle-priority event
 * source that runs a pass one slice per turn of the loop until it is over.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "login_history.h"
#include "prune.h"

#define PRUNE_INTERVAL_USEC 3600000000ULL
/* Login records a slice of a pass deletes, or looks at (and so users it
 * looks up): each a page of logins_user to read and maybe write, about 0.3
 * ms a slice at a million users with the store in the page cache, 64 reads
 * of the disk at worst without. */
#define PRUNE_SLICE_LOGINS 64

struct prune {
	struct vigild *d;
	sd_event_source *timer;
	sd_event_source *pass_src; /* on while a pass is under way */
	/* A pass deletes the records older than `before`, then bounds the
	 * history of each user with a recent login. */
	bool aging;
	uint64_t before;
	struct store_history_pass pass;
};

/* Deletes the failures, grants and sessions older than history_days, and
 * starts (or starts again) a pass: the login records older than that, then
 * each user's history since twice the interval back (a pass late by a little
 * still sees every user that logged in since the last one). */
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
	sd_event_source_set_enabled(p->pass_src, SD_EVENT_ON);
}

/* One slice of the pass.  A slice that fails ends its part of the pass:
 * the next pass, an hour later, does it again. */
static int on_pass(sd_event_source *src, void *userdata)
{
	struct prune *p = userdata;
	int r;

	if (p->aging) {
		if ((r = store_prune_logins_step(p->d->store, p->before, PRUNE_SLICE_LOGINS)) < 0)
			log_msg(LOG_ERR, "pruning old history failed: %s", strerror(-r));
		p->aging = r == 1;
		return 0;
	}
	if ((r = store_history_pass_step(p->d->store, &p->pass, PRUNE_SLICE_LOGINS)) < 0)
		log_msg(LOG_ERR, "bounding per-user history failed: %s", strerror(-r));
	if (r <= 0)
		sd_event_source_set_enabled(src, SD_EVENT_OFF);
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
	if ((r = sd_event_add_defer(e, &p->pass_src, on_pass, p)) < 0 ||
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
