/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session watcher (see session_watch.h).  A pass reads the open
 * sessions a page at a time, in id order; the activity counters of the
 * sessions without a terminal are kept in the same order, so last pass's
 * value of a session is found by walking both lists together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-event.h>

#include "idle.h"
#include "log.h"
#include "logind_idle.h"
#include "nss.h"
#include "origin.h"
#include "session_end.h"
#include "session_watch.h"

#define USEC_PER_SEC 1000000ULL
#define WATCH_PAGE   256

struct seen {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	struct tree_activity activity;
};

struct session_watch {
	sd_event_source *timer;
	struct seen *seen; /* last pass, by id */
	size_t n_seen, at;
	struct seen *next; /* this pass */
	size_t n_next, cap_next;
	struct proc_table *procs; /* this pass, loaded when first needed */
	bool procs_failed;
	struct logind_idle *logind; /* NULL: logind's view is not used */
};

static bool pid_same(uint32_t pid, uint64_t pid_start)
{
	uint64_t start;

	if (pid == 0 || pid > INT32_MAX || origin_pid_start((pid_t)pid, &start) < 0)
		return false;
	return start == pid_start;
}

/* Last pass's counter of id, if it had one. */
static bool seen_find(struct session_watch *w, const char *id, struct tree_activity *ret)
{
	int c;

	while (w->at < w->n_seen && (c = strcmp(w->seen[w->at].id, id)) < 0)
		w->at++;
	if (w->at < w->n_seen && strcmp(w->seen[w->at].id, id) == 0) {
		*ret = w->seen[w->at].activity;
		return true;
	}
	return false;
}

static void seen_add(struct session_watch *w, const char *id, const struct tree_activity *a)
{
	struct seen *grown;

	if (w->n_next == w->cap_next) {
		size_t cap = w->cap_next ? w->cap_next * 2 : 64;

		if (!(grown = reallocarray(w->next, cap, sizeof(*grown))))
			return; /* forgotten: the next pass takes a new baseline */
		w->next = grown;
		w->cap_next = cap;
	}
	snprintf(w->next[w->n_next].id, sizeof(w->next[w->n_next].id), "%s", id);
	w->next[w->n_next++].activity = *a;
}

/* This pass's process table, read when first needed. */
static const struct proc_table *procs(struct session_watch *w)
{
	if (!w->procs && !w->procs_failed && proc_table_load(&w->procs) < 0) {
		log_msg(LOG_WARNING, "cannot read /proc: sessions without a terminal count as active");
		w->procs_failed = true;
	}
	return w->procs;
}

/* Activity of a session without a terminal: now if its counter moved
 * since last pass, else 0. */
static uint64_t nopty_activity(struct session_watch *w, const struct store_session *x, uint64_t now)
{
	struct tree_activity a, prev;

	if (!procs(w) || proc_tree_activity(w->procs, x->pid, x->pid_start, &a) < 0)
		return w->procs_failed ? now : 0;
	seen_add(w, x->id, &a);
	if (seen_find(w, x->id, &prev) && tree_activity_moved(&prev, &a))
		return now;
	return 0;
}

static void warn(struct vigild *d, const struct store_session *x, const char *tty, uid_t uid, uint32_t secs)
{
	char text[160], message[192];
	int r;

	/* A fixed text and a number from the configuration: nothing of the
	 * user's reaches their terminal from here. */
	snprintf(text, sizeof(text),
	         "\r\n\aVigil: this session has been idle and will be ended in %u seconds unless you use it.\r\n",
	         (unsigned)secs);
	r = idle_tty_write(tty, uid, text);
	/* The terminal and the error named: PAM_TTY of an ssh session is
	 * "ssh", and an EACCES here is the unit's sandbox, not the user. */
	if (r == 0)
		snprintf(message, sizeof(message), "idle session warned on its terminal %s", tty);
	else
		snprintf(message, sizeof(message),
		         "idle session: the warning could not be written on its terminal %s: %s", tty, strerror(-r));
	session_audit(d, AUDIT_SESSION_WARN, LOG_NOTICE, x, "idle_warning", message, NULL);
}

static void watch_one(struct vigild *d, struct session_watch *w, const struct store_session *x, uint64_t now)
{
	char name[VIGIL_USER_MAX + 1], path[64], tree_tty[64];
	struct session_view v;
	struct logind_view lv;
	uint64_t lifetime_end, last = x->last_activity, warned = x->warned_at, atime, act;
	uint32_t warning;
	const char *tty = NULL;
	uid_t uid = 0;

	if (!pid_same(x->pid, x->pid_start)) {
		/* Gone, or its pid now names another process: closed, never
		 * signalled. */
		(void)session_end(d, x->id, SESSION_END_LOST, NULL);
		return;
	}
	config_session(d->config, x->service, x->band, &v);
	lifetime_end = x->ends_at ? x->ends_at : v.lifetime ? x->opened + v.lifetime : 0;
	if (lifetime_end && now >= lifetime_end) {
		(void)session_end(d, x->id, SESSION_END_LIFETIME, NULL);
		return;
	}
	if (v.idle_timeout == 0)
		return;
	/* The uid recorded at the open: no NSS lookup (perhaps a network
	 * one) per session and pass on the event loop. */
	if (x->uid >= 0 && x->uid <= UINT32_MAX - 1)
		uid = (uid_t)x->uid;
	if (idle_tty_path(x->tty, path, sizeof(path)) == 0 &&
	    (x->uid >= 0 || nss_user_canonical(x->user, name, &uid) == 0) && idle_tty_atime(x->tty, uid, &atime) == 0) {
		tty = x->tty;
		if (atime > last)
			last = atime;
	} else if (x->uid >= 0 && procs(w) &&
	           proc_tree_tty(w->procs, x->pid, x->pid_start, uid, tree_tty, sizeof(tree_tty)) == 0 &&
	           idle_tty_atime(tree_tty, uid, &atime) == 0) {
		/* sshd's PAM_TTY is "ssh": its pty is found in the tree. */
		tty = tree_tty;
		if (atime > last)
			last = atime;
	} else if (v.nopty_idle) {
		act = nopty_activity(w, x, now);
		if (act > last)
			last = act;
	} else {
		return;
	}
	/* logind's view only adds activity (logind_idle.h); what it said at
	 * the last answer, asked again for the next pass. */
	if (w->logind && logind_idle_get(d, w->logind, x->id, x->pid, &lv) == 0)
		last = logind_idle_combine(last, &lv, now);
	if (last > now)
		last = now; /* a terminal time set ahead does not buy time */
	if (warned && last > warned)
		warned = 0; /* used since the warning: the countdown starts over */
	warning = v.idle_warning < v.idle_timeout ? v.idle_warning : v.idle_timeout - 1;
	if (tty && warning > 0) {
		if (!warned && now >= last + v.idle_timeout - warning) {
			warn(d, x, tty, uid, warning);
			warned = now;
		}
		if (warned && now >= warned + warning) {
			(void)session_end(d, x->id, SESSION_END_IDLE, NULL);
			return;
		}
	} else if (now >= last + v.idle_timeout) {
		(void)session_end(d, x->id, SESSION_END_IDLE, NULL);
		return;
	}
	if (last != x->last_activity || warned != x->warned_at) {
		int r = store_session_touch(d->store, x->id, last, warned);

		if (r < 0 && r != -ENOENT)
			log_msg(LOG_ERR, "recording the activity of session %s failed: %s", x->id, strerror(-r));
	}
}

void session_watch_pass(struct vigild *d, uint64_t now)
{
	struct session_watch *w = d->watch;
	struct store_session *page;
	char after[VIGIL_LOGIN_ID_MAX + 1] = "";
	size_t n, i;
	int r;

	if (!w)
		return;
	if (!(page = calloc(WATCH_PAGE, sizeof(*page))))
		return;
	w->n_next = 0;
	w->at = 0;
	do {
		if ((r = store_session_list(d->store, NULL, page, WATCH_PAGE, &n, after)) < 0) {
			log_msg(LOG_ERR, "listing the open sessions failed: %s", strerror(-r));
			break;
		}
		for (i = 0; i < n; i++)
			watch_one(d, w, &page[i], now);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", page[n - 1].id);
	} while (n == WATCH_PAGE);
	free(page);
	/* This pass's counters are the next pass's baseline. */
	free(w->seen);
	w->seen = w->next;
	w->n_seen = w->n_next;
	w->next = NULL;
	w->n_next = w->cap_next = 0;
	proc_table_free(w->procs);
	w->procs = NULL;
	w->procs_failed = false;
	logind_idle_sweep(w->logind);
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static int on_watch(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vigild *d = userdata;
	uint64_t begin, spent, next;

	begin = mono_usec();
	session_watch_pass(d, vigild_now());
	/* sd_event_now() is the loop's cached time: read the clock itself. */
	spent = mono_usec() - begin;
	next = spent * SESSION_WATCH_DUTY;
	if (next < SESSION_WATCH_INTERVAL_SEC * USEC_PER_SEC)
		next = SESSION_WATCH_INTERVAL_SEC * USEC_PER_SEC;
	if (next > SESSION_WATCH_INTERVAL_MAX_SEC * USEC_PER_SEC)
		next = SESSION_WATCH_INTERVAL_MAX_SEC * USEC_PER_SEC;
	sd_event_source_set_time(src, usec + next);
	return sd_event_source_set_enabled(src, SD_EVENT_ON);
}

int session_watch_start(struct vigild *d)
{
	struct session_watch *w;
	int r;

	if (!d->event)
		return -EINVAL;
	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	/* Without it, the terminal and /proc only. */
	(void)logind_idle_new(&w->logind);
	r = sd_event_add_time_relative(d->event, &w->timer, CLOCK_MONOTONIC, SESSION_WATCH_INTERVAL_SEC * USEC_PER_SEC,
	                               0, on_watch, d);
	if (r < 0) {
		logind_idle_free(w->logind);
		free(w);
		return r;
	}
	d->watch = w;
	return 0;
}

void session_watch_stop(struct vigild *d)
{
	struct session_watch *w = d ? d->watch : NULL;

	if (!w)
		return;
	sd_event_source_disable_unref(w->timer);
	free(w->seen);
	free(w->next);
	proc_table_free(w->procs);
	logind_idle_free(w->logind);
	free(w);
	d->watch = NULL;
}
