/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An OpenSSH security key as a factor (see factor.h).  Proven by the login
 * itself: sshd authenticated this very login with the key (publickey, as
 * SSH_AUTH_INFO_0 shows it) and the user enrolled that key with `vigilctl
 * key add-ssh`.  What the key's touch proved is sshd's to enforce
 * (PubkeyAuthOptions touch-required, verify-required): no signature
 * counter reaches PAM, so a clone cannot be told here.  Never asks.
 */
#include <errno.h>
#include <string.h>

#include "factor_kinds.h"
#include "login_context.h"

static bool ssh_sk_held(const struct factor_inventory *inv)
{
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].kind == STORE_KEY_SSH_SK)
			return true;
	return false;
}

/* The key of this login among the user's: only for an sshd login whose
 * key sshd proved and told (login_context's enroll_path), and whose key is
 * an sk- type; the fingerprint is the key blob's, as stored. */
static bool ssh_sk_usable(struct factor_offer *o, const struct login_context *c)
{
	size_t n;

	if (!c || !c->enroll_path || strncmp(c->key_type, "sk-", 3) != 0)
		return false;
	n = strlen(c->device);
	for (size_t i = 0; i < o->inv.n_keys; i++) {
		const struct store_key *k = &o->inv.keys[i];

		if (k->kind == STORE_KEY_SSH_SK && k->cred_id_len == n && memcmp(k->cred_id, c->device, n) == 0) {
			o->ssh_sk_key = (int)i;
			return true;
		}
	}
	return false;
}

static int ssh_sk_challenge(struct vigild *d, const struct factor_offer *o, struct factor_state *st,
                            struct vigil_prompt *p)
{
	(void)d;
	(void)o;
	(void)st;
	(void)p;
	return -EOPNOTSUPP; /* never prompted for */
}

/* The login is the answer: spends nothing but stamps the key used. */
static const char *ssh_sk_verify(struct vigild *d, const struct factor_offer *o, int64_t user_id, const char *user,
                                 struct factor_state *st, const struct factor_answer *a, uint64_t now,
                                 struct store_factor_use *ret_use)
{
	(void)d;
	(void)user_id;
	(void)user;
	(void)st;
	(void)a;
	(void)now;
	if (o->ssh_sk_key < 0 || (size_t)o->ssh_sk_key >= o->inv.n_keys)
		return "no_factor";
	*ret_use = (struct store_factor_use){
	    .kind = VIGIL_FACTOR_SSH_SK, .factor_id = o->inv.keys[o->ssh_sk_key].id, .step = 0};
	return "ok";
}

const struct factor_kind factor_ssh_sk = {
    .kind = VIGIL_FACTOR_SSH_SK,
    .prompts = false,
    .held = ssh_sk_held,
    .usable = ssh_sk_usable,
    .challenge = ssh_sk_challenge,
    .verify = ssh_sk_verify,
};
