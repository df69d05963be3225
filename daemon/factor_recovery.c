/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recovery codes as a factor (see factor.h): typed at the same prompt as a
 * TOTP code and told from one by their shape (recovery.h); each good once,
 * spent in the transaction that records the login.  Usable on every path.
 */
#include <errno.h>
#include <stdlib.h>

#include "factor_kinds.h"
#include "recovery.h"
#include "wipe.h"

static bool recovery_held(const struct factor_inventory *inv)
{
	return inv->recovery_left > 0;
}

static int recovery_challenge(struct vigild *d, const struct factor_offer *o, struct factor_state *st,
                              struct vigil_prompt *p)
{
	(void)d;
	(void)o;
	(void)st;
	/* The code prompt: recovery alone, or beside TOTP (methods says). */
	p->kind = VIGIL_PROMPT_TOTP;
	return 0;
}

static const char *recovery_check(struct vigild *d, const struct factor_offer *o, int64_t user_id, const char *user,
                                  struct factor_state *st, const struct factor_answer *a, uint64_t now,
                                  struct store_factor_use *ret_use)
{
	struct store_recovery_set *set = NULL;
	const char *result;
	int64_t id = 0;
	int r;

	(void)o;
	(void)user;
	(void)st;
	(void)now;
	if (!a->code)
		return "malformed";
	if (!(set = calloc(1, sizeof(*set))))
		return "internal";
	r = store_recovery_get(d->store, user_id, set);
	if (r == -ENOENT) {
		result = "no_factor";
		goto out;
	}
	if (r < 0) {
		result = "internal";
		goto out;
	}
	r = recovery_verify(set->rows, set->n, a->code, &id);
	switch (r) {
	case 0:
		*ret_use = (struct store_factor_use){.kind = VIGIL_FACTOR_RECOVERY, .factor_id = id};
		result = "ok";
		break;
	case -EALREADY:
		result = "used";
		break;
	case -EACCES:
		result = "bad_code";
		break;
	case -EINVAL:
	case -EBADMSG:
		result = "malformed";
		break;
	default:
		result = "internal";
		break;
	}
out:
	wipe_free(set, sizeof(*set));
	return result;
}

const struct factor_kind factor_recovery = {
    .kind = VIGIL_FACTOR_RECOVERY,
    .prompts = true,
    .held = recovery_held,
    .usable = factor_usable_anywhere,
    .challenge = recovery_challenge,
    .verify = recovery_check,
};
