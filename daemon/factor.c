/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The factor kinds' registry, what a user holds, and the offer a login
 * gets (see factor.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "factor.h"
#include "factor_kinds.h"
#include "login_context.h"
#include "recovery.h"

const struct factor_kind *factor_kind(uint8_t kind)
{
	switch (kind) {
	case VIGIL_FACTOR_TOTP:
		return &factor_totp;
	case VIGIL_FACTOR_FIDO2:
		return &factor_fido2;
	case VIGIL_FACTOR_SSH_SK:
		return &factor_ssh_sk;
	case VIGIL_FACTOR_RECOVERY:
		return &factor_recovery;
	default:
		return NULL;
	}
}

int factor_inventory_read_held(struct vigild *d, int64_t user_id, struct factor_inventory *ret)
{
	struct factor_inventory inv = {0};
	int r;

	if (user_id <= 0) {
		*ret = inv;
		return 0;
	}
	r = store_totp_active_id(d->store, user_id, &inv.totp_id);
	if ((r < 0 && r != -ENOENT) ||
	    (r = store_key_list(d->store, user_id, inv.keys, VIGIL_KEYS_MAX, &inv.n_keys)) < 0 ||
	    (r = store_recovery_count(d->store, user_id, &inv.recovery_left)) < 0)
		return r;
	*ret = inv;
	return 0;
}

int factor_inventory_read_digits(struct vigild *d, struct factor_inventory *inv)
{
	uint32_t digits;
	int r;

	if (inv->totp_id <= 0 || inv->totp_digits > 0)
		return 0;
	if ((r = store_totp_digits(d->store, inv->totp_id, &digits)) < 0)
		return r;
	inv->totp_digits = (uint8_t)digits;
	return 0;
}

int factor_inventory_read(struct vigild *d, int64_t user_id, struct factor_inventory *ret)
{
	int r;

	if ((r = factor_inventory_read_held(d, user_id, ret)) < 0)
		return r;
	return factor_inventory_read_digits(d, ret);
}

void factor_offer_make(const struct method_list *allowed, const struct factor_inventory *inv,
                       const struct login_context *c, struct factor_offer *ret)
{
	struct factor_offer o = {.inv = *inv, .ssh_sk_key = -1};

	for (uint8_t k = 1; k < VIGIL_FACTOR_MAX_; k++)
		if (factor_kind(k)->held(inv))
			o.enrolled = true;
	for (uint8_t i = 0; i < allowed->n && i < METHODS_MAX; i++) {
		const struct factor_kind *f = factor_kind(allowed->kind[i]);

		if (f && f->held(inv) && f->usable(&o, c))
			o.methods.kind[o.methods.n++] = f->kind;
	}
	*ret = o;
}

uint8_t factor_offer_code_bits(const struct factor_offer *o)
{
	uint8_t bits = 0;

	if (method_list_has(&o->methods, VIGIL_FACTOR_TOTP))
		bits |= VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP);
	if (method_list_has(&o->methods, VIGIL_FACTOR_RECOVERY))
		bits |= VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	return bits;
}

uint8_t factor_offer_bits(const struct factor_offer *o)
{
	uint8_t bits = 0;

	for (uint8_t i = 0; i < o->methods.n && i < METHODS_MAX; i++)
		if (factor_kind(o->methods.kind[i])->prompts)
			bits |= (uint8_t)VIGIL_METHOD_BIT(o->methods.kind[i]);
	return bits;
}

uint8_t factor_code_kind(const struct factor_offer *o, const char *code)
{
	bool totp = method_list_has(&o->methods, VIGIL_FACTOR_TOTP);
	bool recovery = method_list_has(&o->methods, VIGIL_FACTOR_RECOVERY);

	if (recovery && recovery_looks_like(code))
		return VIGIL_FACTOR_RECOVERY;
	if (totp)
		return VIGIL_FACTOR_TOTP;
	return recovery ? VIGIL_FACTOR_RECOVERY : 0;
}

bool factor_result_counts(const char *result)
{
	/* A spent recovery code is counted: it is not a slip of the app's
	 * clock, and whoever holds old codes should not get free tries.  A
	 * touch that came after its challenge expired is a slow hand, not a
	 * guess: its signature is not even checked. */
	static const char *const not_counted[] = {"ok", "replay", "no_factor", "internal", "stale_challenge"};

	for (size_t i = 0; i < sizeof(not_counted) / sizeof(not_counted[0]); i++)
		if (strcmp(result, not_counted[i]) == 0)
			return false;
	return true;
}

const char *factor_result_text(const char *result)
{
	static const struct {
		const char *result, *text;
	} texts[] = {
	    {"bad_code", "step-up failed, wrong code"},
	    {"malformed", "step-up failed, not a code"},
	    {"used", "step-up failed, a recovery code used before"},
	    {"bad_signature", "step-up failed, the security key's signature does not verify"},
	    {"wrong_rp", "step-up failed, the security key answered for another relying party"},
	    {"stale_challenge", "step-up failed, the security key answered an expired challenge"},
	    {"no_presence", "step-up failed, the security key was not touched"},
	    {"no_verification", "step-up failed, the security key did not verify the user (PIN)"},
	    {"cloned_key", "step-up refused, the security key's counter went back: a cloned key"},
	    {"unknown_key", "step-up failed, a security key the user has not enrolled"},
	    {"no_factor", "step-up failed, no factor to check the answer against"},
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].result, result) == 0)
			return texts[i].text;
	return "step-up failed";
}

void factor_key_id(const struct store_key *k, char out[VIGIL_KEY_ID_HASH_MAX + 1])
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	if (k->kind == STORE_KEY_SSH_SK) {
		snprintf(out, VIGIL_KEY_ID_HASH_MAX + 1, "%.*s", (int)k->cred_id_len, (const char *)k->cred_id);
		return;
	}
	SHA256(k->cred_id, k->cred_id_len, digest);
	snprintf(out, VIGIL_KEY_ID_HASH_MAX + 1, "sha256:%02x%02x%02x%02x%02x%02x%02x%02x", digest[0], digest[1],
	         digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]);
}

void factor_describe(const struct factor_offer *o, const struct store_factor_use *use, struct factor_label *ret)
{
	struct factor_label l = {0};

	if (use && (use->kind == VIGIL_FACTOR_FIDO2 || use->kind == VIGIL_FACTOR_SSH_SK))
		for (size_t i = 0; i < o->inv.n_keys; i++)
			if (o->inv.keys[i].id == use->factor_id) {
				snprintf(l.key_name, sizeof(l.key_name), "%s", o->inv.keys[i].name);
				factor_key_id(&o->inv.keys[i], l.key_id);
			}
	if (use && use->kind == VIGIL_FACTOR_RECOVERY) {
		l.recovery_told = true;
		l.recovery_left = o->inv.recovery_left > 0 ? o->inv.recovery_left - 1 : 0;
	}
	*ret = l;
}

int factor_prompt(struct vigild *d, const struct factor_offer *o, bool codes_only, struct factor_state *st,
                  struct vigil_prompt *p)
{
	uint8_t bits = codes_only ? factor_offer_code_bits(o) : factor_offer_bits(o);

	for (uint8_t i = 0; i < o->methods.n && i < METHODS_MAX; i++)
		if (bits & VIGIL_METHOD_BIT(o->methods.kind[i])) {
			p->methods = bits;
			return factor_kind(o->methods.kind[i])->challenge(d, o, st, p);
		}
	return -ENOENT;
}

bool factor_provable(const struct factor_inventory *inv)
{
	if (inv->totp_id > 0 || inv->recovery_left > 0)
		return true;
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].kind == STORE_KEY_FIDO2 && !(inv->keys[i].flags & STORE_KEY_CLONED))
			return true;
	return false;
}

bool factor_usable_anywhere(struct factor_offer *o, const struct login_context *c)
{
	(void)o;
	(void)c;
	return true;
}
