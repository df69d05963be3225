/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The read-only admin queries (see admin_query.h).  Trust the peer
 * credentials and the socket the request came through, nothing in the
 * message: a user name is only a key to look up (canonicalised through
 * NSS, so a name NSS does not know is an error, never an empty answer), a
 * cursor only a bound.  Nothing here writes, so nothing is audited; no
 * secret is read (factors are listed by type and dates only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_query.h"
#include "config_entries.h"
#include "log.h"
#include "nss.h"
#include "store_query.h"
#include "store_report.h"

/* False (with *reply a PERMISSION refusal) unless root on the admin socket. */
static bool admin_allowed(const struct peer *p, struct vigil_msg *reply)
{
	if (peer_is_admin(p))
		return true;
	vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
	return false;
}

static void store_failed(const char *what, int r, struct vigil_msg *reply)
{
	log_msg(LOG_ERR, "%s failed: %s", what, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
}

int admin_users(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, struct vigil_msg *reply)
{
	int r;

	if (!admin_allowed(p, reply))
		return 0;
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_USER_LIST;
	if ((r = store_users_page(d->store, req->user, &reply->u.users)) < 0)
		store_failed("listing users", r, reply);
	return 0;
}

int admin_history(struct vigild *d, const struct peer *p, const struct vigil_history_request *req,
                  struct vigil_msg *reply)
{
	struct vigil_history_request q = *req;
	int r;

	if (!admin_allowed(p, reply))
		return 0;
	if (q.user[0]) {
		r = nss_user_canonical(req->user, q.user, NULL);
		if (r == -ENOENT) {
			vigild_reply_status(reply, VIGIL_STATUS_UNKNOWN_USER);
			return 0;
		}
		if (r < 0) {
			store_failed("looking up a user", r, reply);
			return 0;
		}
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_HISTORY_PAGE;
	if ((r = store_history_page(d->store, &q, &reply->u.history)) < 0)
		store_failed("reading the login history", r, reply);
	return 0;
}

int admin_daemon(struct vigild *d, const struct peer *p, struct vigil_msg *reply)
{
	struct vigil_daemon_report *rep;
	struct store_counts counts;
	struct audit_stats a;
	int r;

	if (!admin_allowed(p, reply))
		return 0;
	if ((r = store_counts(d->store, &counts)) < 0) {
		store_failed("counting the store's rows", r, reply);
		return 0;
	}
	audit_stats(d->audit, &a);
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_DAEMON_REPORT;
	rep = &reply->u.daemon;
	snprintf(rep->version, sizeof(rep->version), "%s", PACKAGE_VERSION);
	rep->pid = (uint32_t)getpid();
	rep->started = d->stats.started;
	rep->uptime = stats_uptime(&d->stats);
	rep->config_loaded = d->config->loaded;
	rep->allowed = d->stats.allowed;
	rep->denied = d->stats.denied;
	rep->stepups = d->stats.stepups;
	rep->shadowed = d->stats.shadowed;
	for (uint16_t i = 0; i < VIGIL_REASON_MAX_ && rep->n_reasons < VIGIL_LIST_MAX; i++) {
		if (!d->stats.denied_by[i])
			continue;
		rep->reasons[rep->n_reasons].reason = i;
		rep->reasons[rep->n_reasons].count = d->stats.denied_by[i];
		rep->n_reasons++;
	}
	rep->audit_queued = a.queued > UINT32_MAX ? UINT32_MAX : (uint32_t)a.queued;
	rep->audit_queue_max = a.queue_max > UINT32_MAX ? UINT32_MAX : (uint32_t)a.queue_max;
	rep->audit_spill_pending = a.spill_pending ? 1 : 0;
	rep->audit_undelivered = a.undelivered;
	rep->audit_lost = a.lost;
	rep->db_bytes = counts.db_bytes;
	rep->wal_bytes = counts.wal_bytes;
	rep->users = counts.users;
	rep->sessions_open = counts.sessions_open;
	rep->logins = counts.logins;
	return 0;
}

int admin_config(struct vigild *d, const struct peer *p, const struct vigil_page_request *req, struct vigil_msg *reply)
{
	struct vigil_config_entry *all;
	struct vigil_config_page *page;
	size_t n, i;

	if (!admin_allowed(p, reply))
		return 0;
	all = calloc(CONFIG_ENTRIES_MAX, sizeof(*all));
	if (!all) {
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	n = config_entries(d->config, all, CONFIG_ENTRIES_MAX);
	if (n > CONFIG_ENTRIES_MAX)
		n = CONFIG_ENTRIES_MAX;
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_CONFIG_PAGE;
	page = &reply->u.config;
	page->generation = d->config->generation;
	page->total = (uint16_t)n;
	page->offset = req->offset;
	for (i = req->offset; i < n && page->n_entries < VIGIL_LIST_MAX; i++)
		page->entries[page->n_entries++] = all[i];
	free(all);
	return 0;
}

int admin_report(struct vigild *d, const struct peer *p, const struct vigil_report_request *req,
                 struct vigil_msg *reply)
{
	uint64_t until = req->until ? req->until : vigild_now() + 1;
	int r;

	if (!admin_allowed(p, reply))
		return 0;
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_ROLLOUT_REPORT;
	if ((r = store_report(d->store, req->since, until, &reply->u.rollout)) < 0)
		store_failed("reading the roll-out report", r, reply);
	return 0;
}
