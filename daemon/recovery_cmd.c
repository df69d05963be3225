/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recovery code sets on request (see recovery_cmd.h).  Making a set costs
 * one scrypt derivation per code (recovery.h): about half a second on the
 * event loop.  So at most RECOVERY_SETS_PER_MINUTE sets are made in any
 * minute, all users together, on top of the proof each one needs: no
 * user, nor a few colluding with proofs saved up on many connections, can
 * keep the loop busy long enough to make other logins time out (a set
 * waits at most about half a second; the module waits five).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "factor.h"
#include "log.h"
#include "proof.h"
#include "recovery.h"
#include "recovery_cmd.h"
#include "wipe.h"

static void recovery_audit(struct vigild *d, const struct peer *p, const char *user, const char *result, int priority,
                           bool told, const char *message)
{
	struct audit_record a = {
	    .event = AUDIT_ENROLL,
	    .priority = priority,
	    .message = message,
	    .user = user,
	    .caller = p->uid == 0 ? "uid=0" : NULL,
	    .method = "recovery",
	    .result = result,
	    .recovery_told = told,
	    .recovery_left = told ? RECOVERY_CODES : 0,
	};

	audit_emit(d->audit, &a);
}

/* Whether a set may be made now: fewer than RECOVERY_SETS_PER_MINUTE were
 * made in the last minute (a slot older than that, or from before a clock
 * step back, is free). */
static bool recovery_rate_ok(const struct vigild *d, uint64_t now)
{
	for (size_t i = 0; i < RECOVERY_SETS_PER_MINUTE; i++)
		if (d->recovery_made[i] + 60 <= now || d->recovery_made[i] > now)
			return true;
	return false;
}

/* Notes a set made now in the oldest slot. */
static void recovery_rate_note(struct vigild *d, uint64_t now)
{
	size_t oldest = 0;

	for (size_t i = 1; i < RECOVERY_SETS_PER_MINUTE; i++)
		if (d->recovery_made[i] < d->recovery_made[oldest])
			oldest = i;
	d->recovery_made[oldest] = now;
}

int recovery_generate(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                      struct vigil_msg *reply)
{
	struct factor_inventory *inv = NULL;
	struct recovery_set *set = NULL;
	char user[VIGIL_USER_MAX + 1];
	struct store_user u;
	uint16_t status = VIGIL_STATUS_INTERNAL;
	uint64_t now = vigild_now();
	uint32_t had = 0;
	int r;

	if ((r = enroll_target_user(p, req->user, user)) < 0) {
		vigild_reply_status(reply, r == -ENOENT ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION);
		return 0;
	}
	if ((r = store_user_get(d->store, user, vigild_now(), &u)) < 0 || !(inv = calloc(1, sizeof(*inv))) ||
	    (r = factor_inventory_read(d, u.id, inv)) < 0)
		goto refuse;
	/* Codes back up a factor the user can prove here, TOTP or a key;
	 * they are never the first, nor the backup of codes alone. */
	had = inv->recovery_left;
	inv->recovery_left = 0;
	if (p->uid != 0 && !factor_provable(inv)) {
		status = VIGIL_STATUS_NOT_ENROLLED;
		goto refuse;
	}
	if (!recovery_rate_ok(d, now)) {
		status = VIGIL_STATUS_LIMIT;
		goto refuse;
	}
	if (!proof_gate(d, p, x, u.id, u.first_allowed, true, &status))
		goto refuse;
	if ((r = recovery_set_new(&set)) < 0)
		goto refuse;
	recovery_rate_note(d, now);
	r = store_recovery_replace(d->store, u.id, set->salt, sizeof(set->salt), &set->hashes[0][0],
	                           sizeof(set->hashes[0]), RECOVERY_CODES, vigild_now());
	if (r < 0) {
		log_msg(LOG_ERR, "storing recovery codes of %s failed: %s", user, strerror(-r));
		goto refuse;
	}
	recovery_audit(d, p, user, "generated", LOG_NOTICE, true,
	               had > 0 ? "recovery codes generated; the previous set is void" : "recovery codes generated");
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_RECOVERY_CODES;
	reply->u.recovery.n_codes = RECOVERY_CODES;
	for (size_t i = 0; i < RECOVERY_CODES; i++)
		snprintf(reply->u.recovery.codes[i].code, sizeof(reply->u.recovery.codes[i].code), "%s", set->codes[i]);
	goto out;
refuse:
	if (status == VIGIL_STATUS_INTERNAL && r < 0)
		log_msg(LOG_ERR, "recovery codes for %s failed: %s", user, strerror(-r));
	vigild_reply_status(reply, status);
out:
	recovery_set_free(set);
	free(inv);
	return 0;
}
