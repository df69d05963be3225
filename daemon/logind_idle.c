/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logind's idle view (see logind_idle.h).  What a session's process is in,
 * as logind sees it, is looked up once (the recorded process does not
 * move); the answers are kept per vigild session in an array sorted by id,
 * each entry owning its outstanding question, so that forgetting an entry
 * cancels its question and no answer ever reaches freed memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-login.h>

#include "vigil/proto.h"
#include "log.h"
#include "logind_idle.h"
#include "vigild.h"

#define USEC_PER_SEC 1000000ULL
/* An answer later than this is not waited for: the next pass asks again. */
#define LOGIND_IDLE_TIMEOUT_USEC (2 * USEC_PER_SEC)

struct entry {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	char *path;    /* logind's object of the session; NULL: none */
	bool checked;  /* path looked up */
	bool have;     /* view holds an answer */
	bool asked;    /* logged once */
	bool answered; /* logged once */
	struct logind_view view;
	sd_bus_slot *slot; /* the outstanding GetAll */
	uint64_t pass;     /* the last pass that looked */
};

struct logind_idle {
	struct entry **e; /* sorted by id */
	size_t n, cap;
	uint64_t pass;
};

uint64_t logind_idle_combine(uint64_t last, const struct logind_view *v, uint64_t now)
{
	uint64_t moment;

	if (!v)
		return last;
	if (!v->idle && v->graphical)
		moment = now;
	else if (v->since)
		moment = v->since;
	else
		return last;
	if (moment > now)
		moment = now;
	return moment > last ? moment : last;
}

int logind_idle_new(struct logind_idle **ret)
{
	struct logind_idle *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->pass = 1;
	*ret = l;
	return 0;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	sd_bus_slot_unref(e->slot); /* cancels the question */
	free(e->path);
	free(e);
}

void logind_idle_free(struct logind_idle *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		entry_free(l->e[i]);
	free(l->e);
	free(l);
}

/* The entry of id, added (in order) if new; NULL without memory. */
static struct entry *entry_get(struct logind_idle *l, const char *id)
{
	struct entry **grown, *e;
	size_t lo = 0, hi = l->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(l->e[mid]->id, id);
		if (c == 0)
			return l->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if (!(grown = reallocarray(l->e, cap, sizeof(*grown))))
			return NULL;
		l->e = grown;
		l->cap = cap;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	memmove(l->e + lo + 1, l->e + lo, (l->n - lo) * sizeof(*l->e));
	l->e[lo] = e;
	l->n++;
	return e;
}

/* The a{sv} of GetAll into v; unknown properties are skipped. */
static int view_parse(sd_bus_message *m, struct logind_view *v)
{
	const char *name, *type;
	uint64_t since = 0;
	int idle = 0, r;

	if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if ((r = sd_bus_message_read(m, "s", &name)) < 0)
			return r;
		if (strcmp(name, "IdleHint") == 0)
			r = sd_bus_message_read(m, "v", "b", &idle);
		else if (strcmp(name, "IdleSinceHint") == 0)
			r = sd_bus_message_read(m, "v", "t", &since);
		else if (strcmp(name, "Type") == 0) {
			if ((r = sd_bus_message_read(m, "v", "s", &type)) >= 0)
				v->graphical = strcmp(type, "x11") == 0 || strcmp(type, "wayland") == 0 ||
				               strcmp(type, "mir") == 0;
		} else
			r = sd_bus_message_skip(m, "v");
		if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
		return r;
	v->idle = idle != 0;
	v->since = since / USEC_PER_SEC; /* microseconds of CLOCK_REALTIME */
	return 0;
}

static int on_answer(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct entry *e = userdata;
	struct logind_view v = {0};
	const sd_bus_error *be = sd_bus_message_get_error(m);
	int r;

	(void)err;
	e->slot = sd_bus_slot_unref(e->slot);
	if (be) {
		/* Gone from logind, or logind gone: no view until it answers. */
		log_msg(LOG_DEBUG, "logind's idle hint of session %s: %s", e->id, be->name);
		e->have = false;
		return 0;
	}
	if ((r = view_parse(m, &v)) < 0) {
		log_msg(LOG_DEBUG, "logind's idle hint of session %s unreadable: %s", e->id, strerror(-r));
		e->have = false;
		return 0;
	}
	e->view = v;
	e->have = true;
	if (!e->answered) {
		log_msg(LOG_DEBUG, "logind's idle hint of session %s: %s since %llu%s", e->id,
		        v.idle ? "idle" : "not idle", (unsigned long long)v.since, v.graphical ? " (graphical)" : "");
		e->answered = true;
	}
	return 0;
}

static int bus_get(struct vigild *d)
{
	int r;

	if (d->bus)
		return 0;
	if ((r = sd_bus_open_system(&d->bus)) < 0 || (r = sd_bus_attach_event(d->bus, d->event, 0)) < 0) {
		/* Every pass tries again: quietly, a host without a bus is
		 * normal. */
		log_msg(LOG_DEBUG, "no system bus for logind's idle hints: %s", strerror(-r));
		d->bus = sd_bus_flush_close_unref(d->bus);
		return r;
	}
	return 0;
}

static void ask(struct vigild *d, struct entry *e)
{
	sd_bus_message *m = NULL;
	int r;

	if (bus_get(d) < 0)
		return;
	r = sd_bus_message_new_method_call(d->bus, &m, "org.freedesktop.login1", e->path,
	                                   "org.freedesktop.DBus.Properties", "GetAll");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "org.freedesktop.login1.Session");
	if (r >= 0)
		r = sd_bus_call_async(d->bus, &e->slot, m, on_answer, e, LOGIND_IDLE_TIMEOUT_USEC);
	sd_bus_message_unref(m);
	if (r < 0) {
		log_msg(LOG_DEBUG, "asking logind for the idle hint of session %s failed: %s", e->id, strerror(-r));
		return;
	}
	if (!e->asked) {
		log_msg(LOG_DEBUG, "asking logind for the idle hint of session %s (logind %s)", e->id, e->path);
		e->asked = true;
	}
}

int logind_idle_get(struct vigild *d, struct logind_idle *l, const char *id, uint32_t pid, struct logind_view *ret)
{
	struct entry *e;
	char *sid = NULL;

	if (!d->event)
		return -ENOTCONN;
	if (!(e = entry_get(l, id)))
		return -ENOMEM;
	e->pass = l->pass;
	if (!e->checked) {
		e->checked = true;
		if (pid > 0 && pid <= INT32_MAX && sd_pid_get_session((pid_t)pid, &sid) >= 0 &&
		    sd_bus_path_encode("/org/freedesktop/login1/session", sid, &e->path) < 0)
			e->path = NULL;
		free(sid);
	}
	if (!e->path)
		return -ENOENT;
	if (!e->slot)
		ask(d, e);
	if (!e->have)
		return -ENODATA;
	*ret = e->view;
	return 0;
}

void logind_idle_sweep(struct logind_idle *l)
{
	size_t i, kept = 0;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		if (l->e[i]->pass == l->pass)
			l->e[kept++] = l->e[i];
		else
			entry_free(l->e[i]);
	}
	l->n = kept;
	l->pass++;
}
