/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A user's removal of its own TOTP factor (see totp_remove.h).  Trusts only
 * the peer's uid and name.  The code is checked like a login's (replay
 * watermark, window) and accepted codes advance the watermark even when the
 * removal is then refused, so a code shown to this command cannot be
 * reused at a login.  Wrong codes are failures of the caller ("uid=N") for
 * this user: guessing is bounded by the lockout, and cannot lock anyone
 * else out.  The code is a secret: never logged, wiped by the caller.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "caller.h"
#include "enroll.h"
#include "factor.h"
#include "proof.h"
#include "log.h"
#include "totp.h"
#include "totp_remove.h"
#include "wipe.h"

/* Whether the user keeps a factor of another kind once the TOTP factor is
 * gone: a security key not retired as cloned.  Recovery codes are the
 * backup of a factor, not one.  A store error counts as no. */
static bool user_has_another_factor(struct vigild *d, int64_t user_id)
{
	struct factor_inventory *inv = calloc(1, sizeof(*inv));
	bool other = false;

	if (inv && factor_inventory_read(d, user_id, inv) == 0)
		for (size_t i = 0; i < inv->n_keys; i++)
			other |= !(inv->keys[i].flags & STORE_KEY_CLONED);
	free(inv);
	return other;
}

/* Checks answer against the active factor t; 0 with its step, -EACCES for
 * a wrong, malformed or replayed code, another negative errno else. */
static int check_code(struct vigild *d, const char *user, const struct store_totp *t, const char *answer, uint64_t now,
                      int64_t *ret_step)
{
	uint8_t *secret = NULL;
	size_t n = 0;
	int r;

	if ((r = enroll_totp_secret(d, user, t, &secret, &n)) < 0)
		return r;
	r = totp_verify(secret, n, now, t->period, t->digits, d->config->totp_window, answer, t->last_step, ret_step);
	wipe_free(secret, n);
	if (r == -EINVAL || r == -EALREADY)
		r = -EACCES;
	return r;
}

int totp_remove(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer, struct vigil_msg *reply)
{
	const struct vigil_config *cfg = d->config;
	char party[CALLER_PARTY_MAX];
	struct store_totp t = {0};
	struct store_user u;
	uint64_t now = vigild_now();
	uint32_t failures = 0;
	int64_t step = 0;
	bool by_proof = false;
	int r;

	if (!p->name[0]) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	caller_party(p->uid, party);
	r = store_user_find(d->store, p->name, &u);
	if (r == 0)
		r = store_totp_get(d->store, u.id, true, &t);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_ENROLLED);
		goto out;
	}
	if (r < 0)
		goto internal;
	if ((r = store_failures_party(d->store, party, p->name, now - cfg->lockout_interval, &failures)) < 0)
		goto internal;
	if (u.locked_until > now || failures >= cfg->lockout_deny) {
		/* Not audited: it changes nothing, and the wrong codes that
		 * locked the caller out were.  One record per refusal would let
		 * a user write ten records a second into the journal, pushing
		 * older ones out of a size-capped one. */
		vigild_reply_status(reply, VIGIL_STATUS_LOCKED);
		goto out;
	}

	/* A proof made on this connection stands for the code. */
	if (answer[0] == '\0') {
		if (!proof_valid(x, u.id, now)) {
			vigild_reply_status(reply, VIGIL_STATUS_PROOF_REQUIRED);
			goto out;
		}
		by_proof = true;
		goto proved;
	}
	r = check_code(d, p->name, &t, answer, now, &step);
	if (r == -EACCES) {
		enroll_audit(d, p->name, party, "bad_code", LOG_WARNING, "TOTP removal refused: wrong code");
		if ((r = store_failure_add_local(d->store, p->name, party, now)) < 0)
			goto internal;
		vigild_reply_status(reply, VIGIL_STATUS_BAD_CODE);
		goto out;
	}
	/* The code is spent whatever follows: it must not open a login. */
	if (r < 0 || (r = store_totp_accept(d->store, t.id, step, now)) == -ENOENT)
		goto internal;
	if (r == -EALREADY) {
		/* Used meanwhile by a login: a replay here. */
		vigild_reply_status(reply, VIGIL_STATUS_BAD_CODE);
		goto out;
	}
	if (r < 0)
		goto internal;
proved:
	/* A user never removes their last factor, whatever no_factor says:
	 * with allow, a stolen first factor and one watched code would turn
	 * every later step-up off; with enroll, they would let the thief
	 * enroll a seed of their own.  Root does it (factor remove), after
	 * checking who asks. */
	if (!user_has_another_factor(d, u.id)) {
		enroll_audit(d, p->name, party, "refused", LOG_NOTICE,
		             "TOTP removal refused: the user's last factor; only root removes it");
		vigild_reply_status(reply, VIGIL_STATUS_LAST_FACTOR);
		goto out;
	}
	/* The proof is spent by the change it allowed, not by a refusal. */
	if (by_proof && !proof_take(x, u.id, now)) {
		vigild_reply_status(reply, VIGIL_STATUS_PROOF_REQUIRED);
		goto out;
	}
	if ((r = store_totp_remove(d->store, p->name)) < 0 && r != -ENOENT)
		goto internal;
	enroll_audit(d, p->name, party, "removed", LOG_NOTICE, "TOTP factor removed by its user");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	goto out;
internal:
	log_msg(LOG_ERR, "TOTP removal for %s failed: %s", p->name, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
out:
	store_totp_clear(&t);
	return 0;
}
