/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A FIDO2 security key as a factor (see factor.h), touched on this host:
 * the prompt carries a fresh challenge, the relying party and the user's
 * credentials; the module's helper has the key sign it; fido2.c checks the
 * signature, the flags and the counter.  A challenge is single use and
 * expires a little after the touch timeout.  Usable only where the key can
 * be touched: a login with no remote source (console, or su and sudo in a
 * local session), never an sshd login or a sudo inside one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "factor_kinds.h"
#include "fido2.h"
#include "log.h"
#include "login_context.h"
#include "wipe.h"

/* How long a challenge outlives the touch timeout: the helper's start, the
 * PIN typed, the answer's way back. */
#define CHALLENGE_MARGIN 30

static bool fido2_key_ok(const struct store_key *k)
{
	return k->kind == STORE_KEY_FIDO2 && !(k->flags & STORE_KEY_CLONED);
}

/* A key retired as cloned is still held: its user is enrolled, and must
 * not fall to the no_factor policy (allow, or an in-band enrollment the
 * holder of the clone would complete) the moment the clone is caught. */
static bool fido2_held(const struct factor_inventory *inv)
{
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].kind == STORE_KEY_FIDO2)
			return true;
	return false;
}

/* A key not retired, on a path where it can be touched: a remote caller is
 * never asked to touch a key that is not there (login_context decides what
 * is local). */
static bool fido2_usable(struct factor_offer *o, const struct login_context *c)
{
	bool any = false;

	for (size_t i = 0; i < o->inv.n_keys; i++)
		any |= fido2_key_ok(&o->inv.keys[i]);
	return any && (!c || c->key_local);
}

void factor_state_clear(struct factor_state *st)
{
	wipe(st, sizeof(*st));
}

static int fido2_challenge(struct vigild *d, const struct factor_offer *o, struct factor_state *st,
                           struct vigil_prompt *p)
{
	const struct vigil_config *cfg = d->config;
	uint16_t n = 0;
	int r;

	if ((r = fido2_challenge_new(st->challenge)) < 0)
		return r;
	st->challenge_live = true;
	st->challenge_expires = vigild_now() + cfg->fido2_timeout + CHALLENGE_MARGIN;
	p->kind = VIGIL_PROMPT_FIDO2;
	p->uv = cfg->fido2_uv ? 1 : 0;
	p->timeout = (uint16_t)cfg->fido2_timeout;
	snprintf(p->rp_id, sizeof(p->rp_id), "%s", cfg->fido2_rp_id);
	if ((r = b64_encode(st->challenge, sizeof(st->challenge), p->challenge, sizeof(p->challenge))) < 0)
		return r;
	for (size_t i = 0; i < o->inv.n_keys && n < VIGIL_KEYS_MAX; i++) {
		const struct store_key *k = &o->inv.keys[i];

		if (!fido2_key_ok(k))
			continue;
		/* A key whose UV was asked for at enrollment always wants it. */
		if (k->flags & STORE_KEY_UV)
			p->uv = 1;
		if ((r = b64_encode(k->cred_id, k->cred_id_len, p->creds[n].id, sizeof(p->creds[n].id))) < 0)
			return r;
		n++;
	}
	p->n_creds = n;
	return n > 0 ? 0 : -ENOENT;
}

static const char *fido2_verify(struct vigild *d, const struct factor_offer *o, int64_t user_id, const char *user,
                                struct factor_state *st, const struct factor_answer *a, uint64_t now,
                                struct store_factor_use *ret_use)
{
	uint8_t cred[VIGIL_CRED_ID_SIZE_MAX], authdata[FIDO2_AUTHDATA_MAX], sig[FIDO2_SIG_MAX];
	uint8_t challenge[VIGIL_CHALLENGE_SIZE];
	size_t cred_len, authdata_len, sig_len;
	const struct store_key *k = NULL;
	struct fido2_assert_result res;
	struct fido2_key key;
	struct fido2_assertion as;
	bool live;

	(void)user_id;
	/* Single use: whatever comes of this answer, the challenge is spent. */
	live = st->challenge_live && now <= st->challenge_expires;
	memcpy(challenge, st->challenge, sizeof(challenge));
	factor_state_clear(st);
	if (!a->assertion || a->assertion->status != VIGIL_FIDO2_OK)
		return "malformed";
	if (b64_decode(a->assertion->cred_id, cred, sizeof(cred), &cred_len) < 0 ||
	    b64_decode(a->assertion->authdata, authdata, sizeof(authdata), &authdata_len) < 0 ||
	    b64_decode(a->assertion->sig, sig, sizeof(sig), &sig_len) < 0)
		return "malformed";
	if (!live)
		return "stale_challenge";
	for (size_t i = 0; i < o->inv.n_keys && !k; i++)
		if (o->inv.keys[i].kind == STORE_KEY_FIDO2 && o->inv.keys[i].cred_id_len == cred_len &&
		    memcmp(o->inv.keys[i].cred_id, cred, cred_len) == 0)
			k = &o->inv.keys[i];
	if (!k)
		return "unknown_key";
	key = (struct fido2_key){k->cose_alg, k->pubkey, k->pubkey_len, k->sign_count, k->flags};
	as = (struct fido2_assertion){
	    .rp_id = d->config->fido2_rp_id,
	    .challenge = challenge,
	    .authdata = authdata,
	    .authdata_len = authdata_len,
	    .sig = sig,
	    .sig_len = sig_len,
	    .uv_required = d->config->fido2_uv || (k->flags & STORE_KEY_UV),
	};
	if (fido2_assertion_verify(&key, &as, &res) < 0)
		return "internal";
	/* A key that never counts cannot show a clone: allowed, and noted
	 * once on the key (listed, and logged), the only thing written here. */
	if (res.verdict == FIDO2_VERDICT_OK && res.zero_counter && !(k->flags & STORE_KEY_ZERO_COUNTER)) {
		log_msg(LOG_NOTICE, "security key %s of %s reports no signature counter: a clone of it cannot be told",
		        k->name, user);
		if (store_key_flag(d->store, k->id, STORE_KEY_ZERO_COUNTER) < 0)
			log_msg(LOG_ERR, "noting the zero counter of a key of %s failed", user);
	}
	/* The key's row, also for a clone: the caller retires it. */
	*ret_use = (struct store_factor_use){.kind = VIGIL_FACTOR_FIDO2,
	                                     .factor_id = k->id,
	                                     .step = res.verdict == FIDO2_VERDICT_OK ? res.sign_count : 0};
	return fido2_verdict_name(res.verdict);
}

const struct factor_kind factor_fido2 = {
    .kind = VIGIL_FACTOR_FIDO2,
    .prompts = true,
    .held = fido2_held,
    .usable = fido2_usable,
    .challenge = fido2_challenge,
    .verify = fido2_verify,
};
