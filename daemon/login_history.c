/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batch of known-device login records (see login_history.h): a fixed
 * array in the daemon, and an idle-priority event source that writes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "log.h"
#include "login_history.h"

struct history_entry {
	struct store_login l;
	char prefix[VIGIL_ADDR_MAX + 1];
	uint64_t grant_expires;
};

struct login_history {
	sd_event_source *idle; /* writes the batch once nothing else is pending */
	size_t n;
	struct history_entry e[LOGIN_HISTORY_BATCH];
};

void login_history_flush(struct vigild *d)
{
	struct login_history *h = d->history;
	size_t i, failed = 0;
	int r;

	if (!h || h->n == 0)
		return;
	if ((r = store_tx_begin(d->store, true)) < 0) {
		failed = h->n;
		goto out;
	}
	/* Each record in a transaction of its own inside the batch's: one
	 * that fails (a full disk) does not take the others with it. */
	for (i = 0; i < h->n; i++)
		if (store_login_finish(d->store, &h->e[i].l, h->e[i].prefix, h->e[i].grant_expires, NULL) < 0)
			failed++;
	if ((r = store_tx_commit(d->store)) < 0)
		failed = h->n;
out:
	if (failed > 0)
		log_msg(LOG_ERR, "recording %zu of %zu login records failed: %s", failed, h->n,
		        r < 0 ? strerror(-r) : "see above");
	h->n = 0;
	sd_event_source_set_enabled(h->idle, SD_EVENT_OFF);
}

static int on_idle(sd_event_source *src, void *userdata)
{
	(void)src;
	login_history_flush(userdata);
	return 0;
}

/* The batch, made on first use once the event loop runs. */
static struct login_history *history_get(struct vigild *d)
{
	struct login_history *h = d->history;

	if (h)
		return h;
	if (!d->event || !(h = calloc(1, sizeof(*h))))
		return NULL;
	if (sd_event_add_defer(d->event, &h->idle, on_idle, d) < 0 ||
	    sd_event_source_set_priority(h->idle, SD_EVENT_PRIORITY_IDLE) < 0 ||
	    sd_event_source_set_enabled(h->idle, SD_EVENT_OFF) < 0) {
		sd_event_source_disable_unref(h->idle);
		free(h);
		return NULL;
	}
	d->history = h;
	return h;
}

int login_history_add(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires)
{
	struct login_history *h = history_get(d);
	struct history_entry *e;

	if (!h || strlen(prefix) > VIGIL_ADDR_MAX)
		return store_login_finish(d->store, l, prefix, grant_expires, NULL);
	if (h->n == LOGIN_HISTORY_BATCH)
		login_history_flush(d);
	e = &h->e[h->n++];
	e->l = *l;
	strcpy(e->prefix, prefix);
	e->grant_expires = grant_expires;
	sd_event_source_set_enabled(h->idle, SD_EVENT_ONESHOT);
	return 0;
}

void login_history_close(struct vigild *d)
{
	struct login_history *h = d->history;

	if (!h)
		return;
	login_history_flush(d);
	sd_event_source_disable_unref(h->idle);
	free(h);
	d->history = NULL;
}
