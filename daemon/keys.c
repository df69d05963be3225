/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A user's security keys (see keys.h).  The enrollment's challenge is the
 * daemon's, single use, bound to the connection and to the user it was
 * made for, and expires; the attestation is checked by fido2.c; the
 * credential is written only once it verifies and the caller may still
 * change this user's factors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "b64.h"
#include "enroll.h"
#include "factor.h"
#include "fido2.h"
#include "keys.h"
#include "log.h"
#include "proof.h"
#include "ssh_key.h"
#include "wipe.h"

/* How long a challenge waits for the touch beyond the touch timeout. */
#define KEY_CHALLENGE_MARGIN 30

struct key_pending {
	char user[VIGIL_USER_MAX + 1];
	int64_t user_id;
	uint64_t first_allowed;
	char name[VIGIL_KEY_NAME_MAX + 1];
	uint8_t challenge[VIGIL_CHALLENGE_SIZE];
	uint64_t expires;
	bool uv, resident;
};

void key_pending_free(struct key_pending *k)
{
	wipe_free(k, sizeof(*k));
}

bool keys_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > VIGIL_KEY_NAME_MAX || name[0] == ' ' || name[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return true;
}

static void key_audit(struct vigild *d, const char *user, const struct peer *p, const char *method,
                      const struct store_key *k, const char *result, int priority, const char *message)
{
	char caller[32], key_id[VIGIL_KEY_ID_HASH_MAX + 1] = "";
	struct audit_record a = {
	    .event = AUDIT_ENROLL,
	    .priority = priority,
	    .message = message,
	    .user = user,
	    .method = method,
	    .result = result,
	};

	/* Who did it, when it was not the user itself. */
	if (p->uid == 0) {
		snprintf(caller, sizeof(caller), "uid=0");
		a.caller = caller;
	}
	if (k) {
		factor_key_id(k, key_id);
		a.key_name = k->name;
		a.key_id = key_id;
	}
	audit_emit(d->audit, &a);
}

/* The named user's row (made if NSS knows the user and the store does not
 * yet), or the status to answer.  Returns true with *ret. */
static bool key_user(struct vigild *d, const struct peer *p, const char *asked, char user[VIGIL_USER_MAX + 1],
                     struct store_user *ret, struct vigil_msg *reply)
{
	int r;

	if ((r = enroll_target_user(p, asked, user)) < 0) {
		vigild_reply_status(reply, r == -ENOENT ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION);
		return false;
	}
	if ((r = store_user_get(d->store, user, vigild_now(), ret)) < 0) {
		log_msg(LOG_ERR, "reading the keys of %s failed: %s", user, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return false;
	}
	return true;
}

/* A name for a new key: the one asked for, else base (a key's comment) if
 * free, else prefix-N for the first free N.  Returns true with ret filled;
 * false with the status in *ret_status. */
static bool key_name_pick(const struct store_key *keys, size_t n, const char *asked, const char *base,
                          const char *prefix, char ret[VIGIL_KEY_NAME_MAX + 1], uint16_t *ret_status)
{
	char cand[VIGIL_KEY_NAME_MAX + 1];
	bool taken;

	for (unsigned i = 0; i <= VIGIL_KEYS_MAX + 1; i++) {
		if (asked[0])
			snprintf(cand, sizeof(cand), "%s", asked);
		else if (i == 0 && base && base[0])
			snprintf(cand, sizeof(cand), "%s", base);
		else
			snprintf(cand, sizeof(cand), "%s-%u", prefix, i + 1);
		if (!keys_name_valid(cand)) {
			*ret_status = VIGIL_STATUS_PROTOCOL;
			return false;
		}
		taken = false;
		for (size_t k = 0; k < n; k++)
			taken |= strcmp(keys[k].name, cand) == 0;
		if (!taken) {
			memcpy(ret, cand, sizeof(cand));
			return true;
		}
		if (asked[0]) {
			*ret_status = VIGIL_STATUS_EXISTS;
			return false;
		}
	}
	*ret_status = VIGIL_STATUS_LIMIT;
	return false;
}

/* A stable, opaque user handle for the user's credentials: discoverable
 * credentials of one user replace each other on a key, never another's.
 * Derived from the store's user id, not the name, which NSS may reuse. */
static void user_handle(int64_t user_id, uint8_t out[SHA256_DIGEST_LENGTH])
{
	char text[64];

	snprintf(text, sizeof(text), "vigil-user-handle:%lld", (long long)user_id);
	SHA256((const uint8_t *)text, strlen(text), out);
}

int keys_enroll_begin(struct vigild *d, const struct peer *p, struct exchange *x,
                      const struct vigil_key_enroll_request *req, struct vigil_msg *reply)
{
	const struct vigil_config *cfg = d->config;
	struct factor_inventory *inv = NULL;
	struct vigil_key_challenge *c;
	struct key_pending *k = NULL;
	uint8_t handle[SHA256_DIGEST_LENGTH];
	struct store_user u;
	uint16_t status = VIGIL_STATUS_INTERNAL, n = 0;
	int r;

	key_pending_free(x->key);
	x->key = NULL;
	if (!(k = calloc(1, sizeof(*k))) || !(inv = calloc(1, sizeof(*inv))))
		goto refuse;
	if (!key_user(d, p, req->user, k->user, &u, reply))
		goto out;
	k->user_id = u.id;
	k->first_allowed = u.first_allowed;
	if (!proof_gate(d, p, x, u.id, u.first_allowed, false, &status))
		goto refuse;
	if ((r = factor_inventory_read(d, u.id, inv)) < 0) {
		status = VIGIL_STATUS_INTERNAL;
		goto refuse;
	}
	if (inv->n_keys >= VIGIL_KEYS_MAX) {
		status = VIGIL_STATUS_LIMIT;
		goto refuse;
	}
	if (!key_name_pick(inv->keys, inv->n_keys, req->name, NULL, "key", k->name, &status))
		goto refuse;
	if (fido2_challenge_new(k->challenge) < 0)
		goto refuse;
	k->uv = req->uv || cfg->fido2_uv;
	k->resident = req->resident != 0;
	k->expires = vigild_now() + cfg->fido2_timeout + KEY_CHALLENGE_MARGIN;

	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_KEY_CHALLENGE;
	c = &reply->u.key_challenge;
	snprintf(c->rp_id, sizeof(c->rp_id), "%s", cfg->fido2_rp_id);
	snprintf(c->user, sizeof(c->user), "%s", k->user);
	user_handle(u.id, handle);
	c->uv = k->uv;
	c->resident = k->resident;
	c->timeout = (uint16_t)cfg->fido2_timeout;
	if (b64_encode(handle, sizeof(handle), c->user_handle, sizeof(c->user_handle)) < 0 ||
	    b64_encode(k->challenge, sizeof(k->challenge), c->challenge, sizeof(c->challenge)) < 0)
		goto refuse;
	/* The user's keys already enrolled: the authenticator refuses to
	 * make a second credential on one of them. */
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].kind == STORE_KEY_FIDO2 && b64_encode(inv->keys[i].cred_id, inv->keys[i].cred_id_len,
		                                                       c->exclude[n].id, sizeof(c->exclude[n].id)) == 0)
			n++;
	c->n_exclude = n;
	x->key = k;
	k = NULL;
	goto out;
refuse:
	vigild_reply_status(reply, status);
out:
	free(inv);
	key_pending_free(k);
	return 0;
}

/* Words for a refused attestation (RESULT.message). */
static const char *attest_text(enum fido2_attest_verdict v)
{
	switch (v) {
	case FIDO2_ATTEST_BAD_SIGNATURE:
		return "the attestation signature does not verify";
	case FIDO2_ATTEST_WRONG_RP:
		return "the key answered for another relying party";
	case FIDO2_ATTEST_NO_PRESENCE:
		return "the key was not touched";
	case FIDO2_ATTEST_NO_VERIFICATION:
		return "the key did not verify the user (PIN), and user verification is required";
	case FIDO2_ATTEST_UNSUPPORTED_ALG:
		return "the key made a credential of a type other than ES256 or EdDSA";
	case FIDO2_ATTEST_UNSUPPORTED_FMT:
		return "the key's attestation format is not accepted here ([fido2] allow_none_attestation)";
	default:
		return "the key's answer could not be read";
	}
}

int keys_enroll_finish(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_attestation *a,
                       struct vigil_msg *reply)
{
	uint8_t authdata[FIDO2_AUTHDATA_MAX], x5c[FIDO2_X5C_MAX], sig[FIDO2_SIG_MAX];
	size_t authdata_len = 0, x5c_len = 0, sig_len = 0;
	struct key_pending *k = x->key;
	struct fido2_credential cred;
	enum fido2_attest_verdict v;
	struct fido2_attestation at;
	struct store_key *sk = NULL;
	uint16_t status = VIGIL_STATUS_INTERNAL;
	uint64_t now = vigild_now();
	int64_t id;
	int r;

	x->key = NULL;
	if (!k) {
		vigild_reply_status(reply, VIGIL_STATUS_NO_PENDING);
		return 0;
	}
	if (now > k->expires) {
		status = VIGIL_STATUS_NO_PENDING;
		goto refuse;
	}
	if (b64_decode(a->authdata, authdata, sizeof(authdata), &authdata_len) < 0 ||
	    (a->x5c[0] && b64_decode(a->x5c, x5c, sizeof(x5c), &x5c_len) < 0) ||
	    (a->sig[0] && b64_decode(a->sig, sig, sizeof(sig), &sig_len) < 0)) {
		v = FIDO2_ATTEST_MALFORMED;
		goto bad;
	}
	at = (struct fido2_attestation){
	    .rp_id = d->config->fido2_rp_id,
	    .challenge = k->challenge,
	    .fmt = a->fmt,
	    .authdata = authdata,
	    .authdata_len = authdata_len,
	    .x5c = x5c,
	    .x5c_len = x5c_len,
	    .sig = sig,
	    .sig_len = sig_len,
	    .allow_none = d->config->fido2_allow_none,
	    .uv_required = k->uv,
	    .resident = k->resident,
	};
	if ((r = fido2_attestation_verify(&at, &v, &cred)) < 0)
		goto refuse;
	/* A credential id the prompt could not carry (VIGIL_CRED_B64_MAX)
	 * would make every later login of this user fail: refused now. */
	if (v == FIDO2_ATTEST_OK && cred.cred_id_len > VIGIL_CRED_ID_SIZE_MAX)
		v = FIDO2_ATTEST_MALFORMED;
	if (v != FIDO2_ATTEST_OK)
		goto bad;
	/* The proof is spent by the change it allowed, not before. */
	if (!proof_gate(d, p, x, k->user_id, k->first_allowed, true, &status))
		goto refuse;
	if (!(sk = calloc(1, sizeof(*sk))))
		goto refuse;
	*sk = (struct store_key){
	    .user_id = k->user_id,
	    .kind = STORE_KEY_FIDO2,
	    .cose_alg = cred.cose_alg,
	    .sign_count = cred.sign_count,
	    .flags = cred.flags | (k->uv ? STORE_KEY_UV : 0),
	    .created = now,
	};
	snprintf(sk->name, sizeof(sk->name), "%s", k->name);
	memcpy(sk->cred_id, cred.cred_id, cred.cred_id_len);
	sk->cred_id_len = cred.cred_id_len;
	memcpy(sk->pubkey, cred.pubkey, cred.pubkey_len);
	sk->pubkey_len = cred.pubkey_len;
	r = store_key_add(d->store, sk, VIGIL_KEYS_MAX, &id);
	if (r == -EEXIST || r == -EDQUOT) {
		status = r == -EEXIST ? VIGIL_STATUS_EXISTS : VIGIL_STATUS_LIMIT;
		goto refuse;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "storing a security key of %s failed: %s", k->user, strerror(-r));
		goto refuse;
	}
	key_audit(d, k->user, p, "fido2", sk, "enrolled", LOG_NOTICE,
	          strcmp(a->fmt, "none") == 0 ? "security key enrolled (attestation none: nothing proves the device)"
	                                      : "security key enrolled");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	goto out;
bad:
	/* Audited only for a caller that could have changed something: a
	 * user holding a factor proves one first. */
	if (proof_gate(d, p, x, k->user_id, k->first_allowed, false, &status))
		key_audit(d, k->user, p, "fido2", NULL, fido2_attest_verdict_name(v), LOG_WARNING,
		          "security key enrollment refused");
	vigild_reply_status(reply, VIGIL_STATUS_BAD_KEY);
	snprintf(reply->u.result.message, sizeof(reply->u.result.message), "%s", attest_text(v));
	goto out;
refuse:
	vigild_reply_status(reply, status);
out:
	free(sk);
	key_pending_free(k);
	return 0;
}

int keys_add_ssh(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_ssh_key_request *req,
                 struct vigil_msg *reply)
{
	struct factor_inventory *inv = NULL;
	struct ssh_sk_key *key = NULL;
	struct store_key *sk = NULL;
	char user[VIGIL_USER_MAX + 1];
	const char *why = NULL;
	struct store_user u;
	uint16_t status = VIGIL_STATUS_INTERNAL;
	uint64_t now = vigild_now();
	int64_t id;
	int r;

	if (!key_user(d, p, req->user, user, &u, reply))
		return 0;
	if (!(key = calloc(1, sizeof(*key))) || !(inv = calloc(1, sizeof(*inv))) || !(sk = calloc(1, sizeof(*sk))))
		goto refuse;
	if (ssh_sk_key_parse(req->line, strlen(req->line), key, &why) < 0) {
		/* Nothing changed, and anyone may send any line: no record,
		 * or a user could write ten a second into the journal. */
		vigild_reply_status(reply, VIGIL_STATUS_BAD_KEY);
		snprintf(reply->u.result.message, sizeof(reply->u.result.message), "%s",
		         why ? why : "not an OpenSSH security key");
		goto out;
	}
	if (!proof_gate(d, p, x, u.id, u.first_allowed, false, &status))
		goto refuse;
	if ((r = factor_inventory_read(d, u.id, inv)) < 0)
		goto refuse;
	if (inv->n_keys >= VIGIL_KEYS_MAX) {
		status = VIGIL_STATUS_LIMIT;
		goto refuse;
	}
	if (!key_name_pick(inv->keys, inv->n_keys, req->name, key->comment, "ssh-key", sk->name, &status))
		goto refuse;
	/* Refusals before the proof is spent: it pays for a change only. */
	for (size_t i = 0; i < inv->n_keys; i++)
		if (inv->keys[i].kind == STORE_KEY_SSH_SK && inv->keys[i].cred_id_len == strlen(key->fingerprint) &&
		    memcmp(inv->keys[i].cred_id, key->fingerprint, inv->keys[i].cred_id_len) == 0) {
			status = VIGIL_STATUS_EXISTS;
			goto refuse;
		}
	if (!proof_gate(d, p, x, u.id, u.first_allowed, true, &status))
		goto refuse;
	sk->user_id = u.id;
	sk->kind = STORE_KEY_SSH_SK;
	sk->created = now;
	/* The fingerprint as text: what SSH_AUTH_INFO_0 of a login with it
	 * hashes to (login_context's device). */
	sk->cred_id_len = strlen(key->fingerprint);
	memcpy(sk->cred_id, key->fingerprint, sk->cred_id_len);
	memcpy(sk->pubkey, key->blob, key->blob_len);
	sk->pubkey_len = key->blob_len;
	r = store_key_add(d->store, sk, VIGIL_KEYS_MAX, &id);
	if (r == -EEXIST || r == -EDQUOT) {
		status = r == -EEXIST ? VIGIL_STATUS_EXISTS : VIGIL_STATUS_LIMIT;
		goto refuse;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "storing an ssh key of %s failed: %s", user, strerror(-r));
		goto refuse;
	}
	key_audit(d, user, p, "ssh-sk", sk, "enrolled", LOG_NOTICE, "OpenSSH security key enrolled");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	goto out;
refuse:
	vigild_reply_status(reply, status);
out:
	free(key);
	free(inv);
	free(sk);
	return 0;
}

int keys_list(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, struct vigil_msg *reply)
{
	struct factor_inventory *inv = NULL;
	char user[VIGIL_USER_MAX + 1];
	struct vigil_key_list *l;
	struct store_user u;
	int r;

	if ((r = enroll_target_user(p, req->user, user)) < 0) {
		vigild_reply_status(reply, r == -ENOENT ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION);
		return 0;
	}
	/* A question writes nothing: a user the store has not seen has no
	 * keys. */
	r = store_user_find(d->store, user, &u);
	if ((r < 0 && r != -ENOENT) || !(inv = calloc(1, sizeof(*inv))) ||
	    (r == 0 && factor_inventory_read(d, u.id, inv) < 0)) {
		free(inv);
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_KEY_LIST_REPLY;
	l = &reply->u.keys;
	snprintf(l->user, sizeof(l->user), "%s", user);
	for (size_t i = 0; i < inv->n_keys && i < VIGIL_KEYS_MAX; i++) {
		const struct store_key *k = &inv->keys[i];
		struct vigil_key_info *ki = &l->keys[l->n_keys++];

		ki->type = k->kind == STORE_KEY_FIDO2 ? VIGIL_FACTOR_FIDO2 : VIGIL_FACTOR_SSH_SK;
		snprintf(ki->name, sizeof(ki->name), "%s", k->name);
		factor_key_id(k, ki->id_hash);
		ki->created = k->created;
		ki->last_used = k->last_used;
		ki->sign_count = k->sign_count;
		/* The store's flag bits are the wire's. */
		ki->flags = k->flags & VIGIL_KEY_FLAGS_MASK;
	}
	l->recovery_left = (uint16_t)(inv->recovery_left > UINT16_MAX ? UINT16_MAX : inv->recovery_left);
	free(inv);
	return 0;
}

int keys_rename(struct vigild *d, const struct peer *p, const struct vigil_key_request *req, struct vigil_msg *reply)
{
	char user[VIGIL_USER_MAX + 1];
	struct store_key *k = NULL;
	struct store_user u;
	int r;

	if (!keys_name_valid(req->new_name)) {
		vigild_reply_status(reply, VIGIL_STATUS_PROTOCOL);
		return 0;
	}
	if (!key_user(d, p, req->user, user, &u, reply))
		return 0;
	r = store_key_rename(d->store, u.id, req->name, req->new_name);
	if (r == -ENOENT || r == -EEXIST || r == -E2BIG) {
		vigild_reply_status(reply, r == -EEXIST ? VIGIL_STATUS_EXISTS : VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r < 0 || !(k = calloc(1, sizeof(*k))) || store_key_get(d->store, u.id, req->new_name, k) < 0) {
		free(k);
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	key_audit(d, user, p, k->kind == STORE_KEY_FIDO2 ? "fido2" : "ssh-sk", k, "renamed", LOG_INFO,
	          "security key renamed");
	free(k);
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	return 0;
}

int keys_remove(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_key_request *req,
                struct vigil_msg *reply)
{
	struct factor_inventory *inv = NULL;
	const struct store_key *k = NULL;
	char user[VIGIL_USER_MAX + 1];
	struct store_user u;
	uint16_t status = VIGIL_STATUS_INTERNAL;
	size_t others = 0;
	int r;

	if (!key_user(d, p, req->user, user, &u, reply))
		return 0;
	if (!(inv = calloc(1, sizeof(*inv))) || factor_inventory_read(d, u.id, inv) < 0)
		goto refuse;
	for (size_t i = 0; i < inv->n_keys; i++)
		if (strcmp(inv->keys[i].name, req->name) == 0)
			k = &inv->keys[i];
		else if (!(inv->keys[i].flags & STORE_KEY_CLONED))
			others++;
	if (!k) {
		status = VIGIL_STATUS_NOT_FOUND;
		goto refuse;
	}
	/* A user never removes their last factor (recovery codes are its
	 * backup, not a factor of their own): root does, after checking who
	 * asks. */
	if (p->uid != 0 && others == 0 && inv->totp_id == 0) {
		key_audit(d, user, p, k->kind == STORE_KEY_FIDO2 ? "fido2" : "ssh-sk", k, "refused", LOG_NOTICE,
		          "security key removal refused: the user's last factor; only root removes it");
		status = VIGIL_STATUS_LAST_FACTOR;
		goto refuse;
	}
	if (!proof_gate(d, p, x, u.id, u.first_allowed, true, &status))
		goto refuse;
	if ((r = store_key_remove(d->store, u.id, k->name)) < 0) {
		status = r == -ENOENT ? VIGIL_STATUS_NOT_FOUND : VIGIL_STATUS_INTERNAL;
		goto refuse;
	}
	key_audit(d, user, p, k->kind == STORE_KEY_FIDO2 ? "fido2" : "ssh-sk", k, "removed", LOG_NOTICE,
	          p->uid == 0 ? "security key removed by root" : "security key removed by its user");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	free(inv);
	return 0;
refuse:
	vigild_reply_status(reply, status);
	free(inv);
	return 0;
}
