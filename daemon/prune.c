/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * History pruning (see prune.h): an hourly timer, and an idle-priority event
 * source that runs the per-user pass one slice per turn of the loop until
 * it is over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "login_history.h"
#include "prune.h"

#define PRUNE_INTERVAL_USEC 3600000000ULL
/* Logins a slice of the per-user pass looks at, and so users it looks up
 * at most: about 0.3 ms at a million users with the store in the page
 * cache, 64 reads of the disk at worst without. */
#define PRUNE_SLICE_LOGINS 64

struct prune {
	struct vigild *d;
	sd_event_source *timer;
	sd_event_source *pass_src; /* on while a pass is under way */
	struct store_history_pass pass;
};

/* Deletes what is older than history_days, and starts (or starts again) the
 * per-user pass over the logins since twice the interval back: a pass late
 * by a little still sees every user that logged in since the last one. */
static void prune_now(struct prune *p)
{
	uint64_t now = vigild_now(), keep = (uint64_t)p->d->config->history_days * 86400,
	         back = 2 * PRUNE_INTERVAL_USEC / 1000000;
	int r;

	login_history_flush(p->d);
	if ((r = store_prune(p->d->store, now > keep ? now - keep : 0)) < 0)
		log_msg(LOG_ERR, "pruning old history failed: %s", strerror(-r));
	if ((r = store_history_pass_start(&p->pass, now > back ? now - back : 0, now, PRUNE_HISTORY_PER_USER)) < 0) {
		log_msg(LOG_ERR, "bounding per-user history failed: %s", strerror(-r));
		return;
	}
	sd_event_source_set_enabled(p->pass_src, SD_EVENT_ON);
}

static int on_pass(sd_event_source *src, void *userdata)
{
	struct prune *p = userdata;
	int r;

	r = store_history_pass_step(p->d->store, &p->pass, PRUNE_SLICE_LOGINS);
	if (r < 0)
		/* Given up until the next pass, which starts two intervals
		 * back and so covers this one's users. */
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
