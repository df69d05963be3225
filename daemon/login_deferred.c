/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allowed auth decisions not written yet (see login_deferred.h): one per
 * connection at most, all of them in one list of the daemon, as many as
 * logins between their auth and account phases.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "login_deferred.h"

struct login_deferred {
	struct store_login l;
	struct exchange *owner;
	struct login_deferred *prev, *next;
};

static void unlink_record(struct vigild *d, struct login_deferred *ld)
{
	if (ld->prev)
		ld->prev->next = ld->next;
	else
		d->deferred = ld->next;
	if (ld->next)
		ld->next->prev = ld->prev;
	if (ld->owner)
		ld->owner->decided = NULL;
}

void login_deferred_write(struct vigild *d, const struct store_login *l)
{
	int r;

	if ((r = store_login_finish(d->store, l, "", 0, NULL)) < 0)
		log_msg(LOG_ERR, "recording the login of %s failed: %s", l->user, strerror(-r));
}

void login_deferred_flush(struct vigild *d, struct exchange *x)
{
	struct login_deferred *ld = x->decided;

	if (!ld)
		return;
	unlink_record(d, ld);
	login_deferred_write(d, &ld->l);
	free(ld);
}

int login_deferred_keep(struct vigild *d, struct exchange *x, const struct store_login *l)
{
	struct login_deferred *ld;

	login_deferred_flush(d, x);
	if (!(ld = calloc(1, sizeof(*ld))))
		return -ENOMEM;
	ld->l = *l;
	ld->owner = x;
	ld->next = d->deferred;
	if (d->deferred)
		d->deferred->prev = ld;
	d->deferred = ld;
	x->decided = ld;
	return 0;
}

bool login_deferred_mine(const struct exchange *x, const char *login_id, const char *user)
{
	return x->decided && strcmp(x->decided->l.login_id, login_id) == 0 && strcmp(x->decided->l.user, user) == 0;
}

int login_deferred_take(struct vigild *d, struct exchange *x, const char *login_id, struct store_login *ret)
{
	struct login_deferred *ld = x->decided;

	if (!ld || strcmp(ld->l.login_id, login_id) != 0)
		for (ld = d->deferred; ld && strcmp(ld->l.login_id, login_id) != 0; ld = ld->next)
			;
	if (!ld)
		return -ENOENT;
	unlink_record(d, ld);
	*ret = ld->l;
	free(ld);
	return 0;
}
