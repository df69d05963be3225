/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP as a factor (see factor.h): a code from the user's app, checked
 * against the sealed seed with the replay watermark (totp.h).  Usable on
 * every path: the code travels through the PAM conversation.
 */
#include <errno.h>

#include "enroll.h"
#include "factor_kinds.h"
#include "totp.h"
#include "wipe.h"

const char *factor_totp_check(struct vigild *d, int64_t user_id, const char *user, bool pending, int64_t factor_id,
                              const char *code, uint64_t now, struct store_factor_use *ret_use)
{
	struct store_totp t = {0};
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	int64_t step = 0;
	const char *result;
	int r;

	r = store_totp_get(d->store, user_id, !pending, &t);
	if (r < 0 || (pending && t.id != factor_id)) {
		result = r == -ENOENT || r == 0 ? "no_factor" : "internal";
		goto out;
	}
	if (enroll_totp_secret(d, user, &t, &secret, &secret_len) < 0) {
		result = "internal";
		goto out;
	}
	r = totp_verify(secret, secret_len, now, t.period, t.digits, d->config->totp_window, code,
	                pending ? -1 : t.last_step, &step);
	switch (r) {
	case 0:
		*ret_use = (struct store_factor_use){
		    .kind = VIGIL_FACTOR_TOTP, .factor_id = t.id, .step = step, .activate = pending};
		result = "ok";
		break;
	case -EALREADY:
		result = "replay";
		break;
	case -EACCES:
		result = "bad_code";
		break;
	case -EINVAL:
		result = "malformed";
		break;
	default:
		result = "internal";
		break;
	}
out:
	wipe_free(secret, secret_len);
	store_totp_clear(&t);
	return result;
}

static bool totp_held(const struct factor_inventory *inv)
{
	return inv->totp_id > 0;
}

static int totp_challenge(struct vigild *d, const struct factor_offer *o, struct factor_state *st,
                          struct vigil_prompt *p)
{
	(void)st;
	p->kind = VIGIL_PROMPT_TOTP;
	p->digits = o->inv.totp_digits ? o->inv.totp_digits : (uint8_t)d->config->totp_digits;
	return 0;
}

static const char *totp_answer(struct vigild *d, const struct factor_offer *o, int64_t user_id, const char *user,
                               struct factor_state *st, const struct factor_answer *a, uint64_t now,
                               struct store_factor_use *ret_use)
{
	(void)o;
	(void)st;
	if (!a->code)
		return "malformed";
	return factor_totp_check(d, user_id, user, false, 0, a->code, now, ret_use);
}

const struct factor_kind factor_totp = {
    .kind = VIGIL_FACTOR_TOTP,
    .prompts = true,
    .held = totp_held,
    .usable = factor_usable_anywhere,
    .challenge = totp_challenge,
    .verify = totp_answer,
};
