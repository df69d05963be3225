/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batch of what account phases write after their answer (see
 * login_history.h): a fixed array in the daemon, and an idle-priority event
 * source that writes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "log.h"
#include "login_history.h"

struct history_entry {
	/* A known-device login's record, or the account phase of a login
	 * whose record auth wrote (a step-up's): of l, only its login_id and
	 * user then. */
	bool commit;
	struct store_login l;
	char prefix[VIGIL_ADDR_MAX + 1];
	uint64_t grant_expires;
};

struct login_history {
	sd_event_source *idle; /* writes the batch once nothing else is pending */
	size_t n;
	struct history_entry e[LOGIN_HISTORY_BATCH];
};

static int entry_write(struct vigild *d, struct history_entry *e)
{
	struct store_login done;

	if (!e->commit)
		return store_login_finish(d->store, &e->l, e->prefix, e->grant_expires, NULL);
	/* Checked before the answer, checked again: a factor removed in the
	 * moment between them teaches nothing and grants nothing. */
	return store_login_commit(d->store, e->l.login_id, e->prefix, e->grant_expires, &done);
}

void login_history_flush(struct vigild *d)
{
	struct login_history *h = d->history;
	size_t i, failed = 0;
	int r, first = 0;

	if (!h || h->n == 0)
		return;
	if ((r = store_tx_begin(d->store, true)) < 0) {
		failed = h->n;
		first = r;
		goto out;
	}
	/* Each record in a transaction of its own inside the batch's: one
	 * that fails does not take the others with it. */
	for (i = 0; i < h->n; i++)
		if ((r = entry_write(d, &h->e[i])) < 0 && failed++ == 0)
			first = r;
	if ((r = store_tx_commit(d->store)) < 0) {
		failed = h->n;
		first = r;
	}
out:
	if (failed > 0)
		log_msg(LOG_ERR, "recording %zu of %zu login records failed: %s", failed, h->n, strerror(-first));
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

/* Queues e, or writes it at once when it cannot wait. */
static int entry_add(struct vigild *d, const struct history_entry *e)
{
	struct login_history *h = history_get(d);
	struct history_entry copy;

	if (!h) {
		copy = *e;
		return entry_write(d, &copy);
	}
	if (h->n == LOGIN_HISTORY_BATCH)
		login_history_flush(d);
	h->e[h->n++] = *e;
	sd_event_source_set_enabled(h->idle, SD_EVENT_ONESHOT);
	return 0;
}

int login_history_add(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires)
{
	struct history_entry e = {.l = *l, .grant_expires = grant_expires};

	if (strlen(prefix) > VIGIL_ADDR_MAX)
		return -E2BIG;
	strcpy(e.prefix, prefix);
	return entry_add(d, &e);
}

int login_history_add_commit(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires)
{
	struct history_entry e = {.commit = true, .grant_expires = grant_expires};

	if (strlen(prefix) > VIGIL_ADDR_MAX)
		return -E2BIG;
	strcpy(e.prefix, prefix);
	strcpy(e.l.login_id, l->login_id);
	strcpy(e.l.user, l->user);
	return entry_add(d, &e);
}

void login_history_flush_user(struct vigild *d, const char *user)
{
	const struct login_history *h = d->history;
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (strcmp(h->e[i].l.user, user) == 0) {
			login_history_flush(d);
			return;
		}
}

bool login_history_claimed(const struct vigild *d, const char *login_id)
{
	const struct login_history *h = d->history;
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (h->e[i].commit && strcmp(h->e[i].l.login_id, login_id) == 0)
			return true;
	return false;
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
