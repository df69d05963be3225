/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CTAP2.0 commands of the soft key: GetInfo, MakeCredential, GetAssertion,
 * GetNextAssertion, Reset (ClientPIN is pin.c).  Each request runs under
 * the state file's lock; a request that needs a touch is first checked
 * without one (every error a real key returns at once is returned here at
 * once) and run again with touched set when the touch comes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "softkey.h"

enum {
	CMD_MAKE_CRED = 0x01,
	CMD_GET_ASSERT = 0x02,
	CMD_GET_INFO = 0x04,
	CMD_CLIENT_PIN = 0x06,
	CMD_RESET = 0x07,
	CMD_GET_NEXT = 0x08,
};
enum { FLAG_UP = 0x01, FLAG_UV = 0x04, FLAG_AT = 0x40 };

static int64_t item_int(const cbor_item_t *k, bool *ok)
{
	*ok = true;
	if (cbor_isa_uint(k))
		return (int64_t)cbor_get_int(k);
	if (cbor_isa_negint(k))
		return -1 - (int64_t)cbor_get_int(k);
	*ok = false;
	return 0;
}

const cbor_item_t *sk_map_get(const cbor_item_t *map, int key)
{
	struct cbor_pair *p;
	bool ok;

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (item_int(p[i].key, &ok) == key && ok)
			return p[i].value;
	return NULL;
}

const cbor_item_t *sk_map_get_str(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *p;
	size_t n = strlen(key);

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
		    cbor_string_length(p[i].key) == n && memcmp(cbor_string_handle(p[i].key), key, n) == 0)
			return p[i].value;
	return NULL;
}

/* A definite byte string of exactly want bytes (any length if want is 0). */
static const unsigned char *bytes(const cbor_item_t *it, size_t want, size_t *ret_len)
{
	if (it == NULL || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
		return NULL;
	if (want != 0 && cbor_bytestring_length(it) != want)
		return NULL;
	if (ret_len != NULL)
		*ret_len = cbor_bytestring_length(it);
	return cbor_bytestring_handle(it);
}

/* A text string copied into out (NUL-terminated); false if absent or long. */
static bool text(const cbor_item_t *it, char *out, size_t max)
{
	size_t n;

	if (it == NULL || !cbor_isa_string(it) || !cbor_string_is_definite(it))
		return false;
	n = cbor_string_length(it);
	if (n == 0 || n >= max)
		return false;
	memcpy(out, cbor_string_handle(it), n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] <= ' ' || out[i] == 0x7f)
			return false;
	return true;
}

/* options map entry: 1 true, 0 false, -1 absent, -2 not a bool. */
static int option(const cbor_item_t *opts, const char *name)
{
	const cbor_item_t *v = sk_map_get_str(opts, name);

	if (v == NULL)
		return -1;
	if (!cbor_isa_float_ctrl(v) || !cbor_is_bool(v))
		return -2;
	return cbor_get_bool(v) ? 1 : 0;
}

static int get_info(const struct sk_state *st, cbor_item_t **ret)
{
	cbor_item_t *m = cbor_new_definite_map(5), *versions = cbor_new_definite_array(1),
	            *opts = cbor_new_definite_map(st->uv_builtin ? 4 : 3), *protos = cbor_new_definite_array(1);
	bool ok = m != NULL && versions != NULL && opts != NULL && protos != NULL;

	ok = ok && cbor_array_push(versions, cbor_move(cbor_build_string("FIDO_2_0")));
	ok = ok && sk_map_put(opts, cbor_build_string("rk"), cbor_build_bool(true));
	ok = ok && sk_map_put(opts, cbor_build_string("up"), cbor_build_bool(true));
	ok = ok && (!st->uv_builtin || sk_map_put(opts, cbor_build_string("uv"), cbor_build_bool(true)));
	ok = ok && sk_map_put(opts, cbor_build_string("clientPin"), cbor_build_bool(st->pin_set));
	ok = ok && cbor_array_push(protos, cbor_move(cbor_build_uint8(1)));
	if (ok) {
		ok = sk_map_put(m, sk_int(1), versions) &&
		     sk_map_put(m, sk_int(3), cbor_build_bytestring(st->aaguid, sizeof(st->aaguid))) &&
		     sk_map_put(m, sk_int(4), opts) && sk_map_put(m, sk_int(5), sk_int(1200)) &&
		     sk_map_put(m, sk_int(6), protos);
		versions = opts = protos = NULL;
	}
	if (versions != NULL)
		cbor_decref(&versions);
	if (opts != NULL)
		cbor_decref(&opts);
	if (protos != NULL)
		cbor_decref(&protos);
	if (!ok) {
		if (m != NULL)
			cbor_decref(&m);
		return CTAP1_ERR_OTHER;
	}
	*ret = m;
	return CTAP_OK;
}

/* Checks user verification for a request: pinAuth (PIN token), or the uv
 * option with built-in verification.  Sets *ret_uv. */
static int verify_user(struct sk_dev *d, const struct sk_state *st, const cbor_item_t *auth, const cbor_item_t *proto,
                       int uv_opt, const unsigned char *cdh, bool *ret_uv)
{
	int r;

	if (auth != NULL) {
		if ((r = sk_pin_auth(d, st, auth, proto, cdh)) != CTAP_OK)
			return r;
		*ret_uv = true;
		return CTAP_OK;
	}
	if (uv_opt == -2)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (uv_opt == 1) {
		if (!st->uv_builtin)
			return CTAP2_ERR_UNSUPPORTED_OPTION;
		*ret_uv = true;
		return CTAP_OK;
	}
	*ret_uv = false;
	return CTAP_OK;
}

static uint32_t counter_next(struct sk_state *st)
{
	st->counter++;
	return st->counter_zero ? 0 : st->counter;
}

/* rpIdHash ‖ flags ‖ counter, and for a new credential the attested
 * credential data (aaguid ‖ id length ‖ id ‖ COSE key). */
static int auth_data(const struct sk_state *st, const char *rp, uint8_t flags, uint32_t counter,
                     const struct sk_cred *c, unsigned char **ret, size_t *ret_len)
{
	unsigned char *cose = NULL, *p = NULL;
	size_t cose_len = 0, cose_size = 0, n = 37;
	cbor_item_t *k = NULL;

	if (c != NULL) {
		if ((k = sk_key_cose(c->key, c->key_len, c->alg)) == NULL ||
		    (cose_size = cbor_serialize_alloc(k, &cose, &cose_len)) == 0)
			goto fail;
		n += 16 + 2 + sizeof(c->id) + cose_size;
	}
	if ((p = malloc(n)) == NULL)
		goto fail;
	SHA256((const unsigned char *)rp, strlen(rp), p);
	p[32] = flags;
	p[33] = (unsigned char)(counter >> 24);
	p[34] = (unsigned char)(counter >> 16);
	p[35] = (unsigned char)(counter >> 8);
	p[36] = (unsigned char)counter;
	if (c != NULL) {
		memcpy(p + 37, st->aaguid, 16);
		p[53] = 0;
		p[54] = sizeof(c->id);
		memcpy(p + 55, c->id, sizeof(c->id));
		memcpy(p + 55 + sizeof(c->id), cose, cose_size);
	}
	free(cose);
	if (k != NULL)
		cbor_decref(&k);
	*ret = p;
	*ret_len = n;
	return 0;
fail:
	free(cose);
	if (k != NULL)
		cbor_decref(&k);
	return -ENOMEM;
}

/* Signs authData ‖ clientDataHash. */
static int sign_ad(const unsigned char *key, size_t key_len, enum sk_alg alg, const unsigned char *ad, size_t ad_len,
                   const unsigned char *cdh, unsigned char *sig, size_t *ret_sig_len)
{
	unsigned char *msg = malloc(ad_len + 32);
	int r;

	if (msg == NULL)
		return -ENOMEM;
	memcpy(msg, ad, ad_len);
	memcpy(msg + ad_len, cdh, 32);
	r = sk_sign(key, key_len, alg, msg, ad_len + 32, sig, 128, ret_sig_len);
	free(msg);
	return r;
}

static cbor_item_t *att_stmt(const struct sk_state *st, const struct sk_cred *c, const unsigned char *ad, size_t ad_len,
                             const unsigned char *cdh)
{
	unsigned char sig[128];
	size_t sig_len;
	cbor_item_t *m, *x5c = NULL;
	bool x = st->fmt == SK_FMT_X5C;

	if (st->fmt == SK_FMT_NONE)
		return cbor_new_definite_map(0);
	if (x ? sign_ad(st->att_key, st->att_key_len, SK_ALG_ES256, ad, ad_len, cdh, sig, &sig_len) < 0
	      : sign_ad(c->key, c->key_len, c->alg, ad, ad_len, cdh, sig, &sig_len) < 0)
		return NULL;
	if ((m = cbor_new_definite_map(x ? 3 : 2)) == NULL)
		return NULL;
	if (x && ((x5c = cbor_new_definite_array(1)) == NULL ||
	          !cbor_array_push(x5c, cbor_move(cbor_build_bytestring(st->att_cert, st->att_cert_len)))))
		goto fail;
	if (!sk_map_put(m, cbor_build_string("alg"), sk_int(x || c->alg == SK_ALG_ES256 ? -7 : -8)) ||
	    !sk_map_put(m, cbor_build_string("sig"), cbor_build_bytestring(sig, sig_len)))
		goto fail;
	if (x) {
		cbor_item_t *t = x5c;

		x5c = NULL;
		if (!sk_map_put(m, cbor_build_string("x5c"), t))
			goto fail;
	}
	return m;
fail:
	if (x5c != NULL)
		cbor_decref(&x5c);
	cbor_decref(&m);
	return NULL;
}

static bool alg_offered(const cbor_item_t *params, int want)
{
	if (params == NULL || !cbor_isa_array(params))
		return false;
	for (size_t i = 0; i < cbor_array_size(params); i++) {
		cbor_item_t *p = cbor_array_get(params, i);
		const cbor_item_t *a = sk_map_get_str(p, "alg");
		char type[16];
		bool ok, hit;

		hit = a != NULL && item_int(a, &ok) == want && ok &&
		      text(sk_map_get_str(p, "type"), type, sizeof(type)) && strcmp(type, "public-key") == 0;
		cbor_decref(&p);
		if (hit)
			return true;
	}
	return false;
}

static const struct sk_cred *cred_find(const struct sk_state *st, const char *rp, const unsigned char *id,
                                       size_t id_len)
{
	for (size_t i = 0; i < st->ncreds; i++)
		if (id_len == sizeof(st->creds[i].id) && memcmp(st->creds[i].id, id, id_len) == 0 &&
		    strcmp(st->creds[i].rp, rp) == 0)
			return &st->creds[i];
	return NULL;
}

static int make_cred(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, bool touched, bool *dirty,
                     cbor_item_t **ret)
{
	const cbor_item_t *rp = sk_map_get(req, 2), *user = sk_map_get(req, 3), *excl = sk_map_get(req, 5),
	                  *opts = sk_map_get(req, 7);
	const unsigned char *cdh = bytes(sk_map_get(req, 1), 32, NULL), *uid;
	struct sk_cred c = {0};
	unsigned char *ad = NULL;
	size_t ad_len, uid_len = 0;
	cbor_item_t *m = NULL, *stmt = NULL;
	bool uv;
	int rk, r;

	if (cdh == NULL || rp == NULL || user == NULL || sk_map_get(req, 4) == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!text(sk_map_get_str(rp, "id"), c.rp, sizeof(c.rp)))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if ((uid = bytes(sk_map_get_str(user, "id"), 0, &uid_len)) == NULL || uid_len > sizeof(c.user))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	c.alg = st->alg;
	if (!alg_offered(sk_map_get(req, 4), c.alg == SK_ALG_EDDSA ? -8 : -7))
		return CTAP2_ERR_UNSUPPORTED_ALGORITHM;
	if (option(opts, "up") != -1)
		return CTAP2_ERR_INVALID_OPTION;
	if ((rk = option(opts, "rk")) == -2)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (excl != NULL && cbor_isa_array(excl))
		for (size_t i = 0; i < cbor_array_size(excl); i++) {
			cbor_item_t *e = cbor_array_get(excl, i);
			size_t n = 0;
			const unsigned char *id = bytes(sk_map_get_str(e, "id"), 0, &n);
			bool hit = id != NULL && cred_find(st, c.rp, id, n) != NULL;

			cbor_decref(&e);
			if (hit)
				return CTAP2_ERR_CREDENTIAL_EXCLUDED;
		}
	if ((r = verify_user(d, st, sk_map_get(req, 8), sk_map_get(req, 9), option(opts, "uv"), cdh, &uv)) != CTAP_OK)
		return r;
	/* CTAP 2.0: a key with a PIN makes credentials only with a PIN (or uv). */
	if (!uv && st->pin_set)
		return CTAP2_ERR_PIN_REQUIRED;
	if (!touched)
		return SK_NEED_TOUCH;

	c.rk = rk == 1;
	memcpy(c.user, uid, uid_len);
	c.user_len = uid_len;
	r = CTAP1_ERR_OTHER;
	if (RAND_bytes(c.id, sizeof(c.id)) != 1 || sk_key_new(c.alg, c.key, sizeof(c.key), &c.key_len) < 0)
		goto out;
	if (auth_data(st, c.rp, FLAG_UP | FLAG_AT | (uv ? FLAG_UV : 0), counter_next(st), &c, &ad, &ad_len) < 0 ||
	    (stmt = att_stmt(st, &c, ad, ad_len, cdh)) == NULL || (m = cbor_new_definite_map(3)) == NULL)
		goto out;
	if (!sk_map_put(m, sk_int(1), cbor_build_string(st->fmt == SK_FMT_NONE ? "none" : "packed")) ||
	    !sk_map_put(m, sk_int(2), cbor_build_bytestring(ad, ad_len)))
		goto out;
	r = sk_map_put(m, sk_int(3), stmt);
	stmt = NULL;
	if (!r) {
		r = CTAP1_ERR_OTHER;
		goto out;
	}
	if (sk_state_add_cred(st, &c) < 0) {
		r = CTAP2_ERR_KEY_STORE_FULL;
		goto out;
	}
	*dirty = true;
	*ret = m;
	m = NULL;
	r = CTAP_OK;
out:
	if (m != NULL)
		cbor_decref(&m);
	if (stmt != NULL)
		cbor_decref(&stmt);
	free(ad);
	OPENSSL_cleanse(&c, sizeof(c));
	return r;
}

/* One assertion response for credential c; numberOfCredentials if n > 1. */
static int assertion(struct sk_state *st, const struct sk_cred *c, uint8_t flags, const unsigned char *cdh,
                     bool with_user, size_t n, cbor_item_t **ret)
{
	unsigned char *ad = NULL, sig[128];
	size_t ad_len, sig_len;
	cbor_item_t *m = NULL, *desc = NULL, *user = NULL;
	int r = CTAP1_ERR_OTHER;

	if (auth_data(st, c->rp, flags, counter_next(st), NULL, &ad, &ad_len) < 0 ||
	    sign_ad(c->key, c->key_len, c->alg, ad, ad_len, cdh, sig, &sig_len) < 0)
		goto out;
	with_user = with_user && c->user_len > 0;
	if ((m = cbor_new_definite_map(3 + (with_user ? 1 : 0) + (n > 1 ? 1 : 0))) == NULL ||
	    (desc = cbor_new_definite_map(2)) == NULL)
		goto out;
	if (!sk_map_put(desc, cbor_build_string("id"), cbor_build_bytestring(c->id, sizeof(c->id))) ||
	    !sk_map_put(desc, cbor_build_string("type"), cbor_build_string("public-key")))
		goto out;
	if (with_user && ((user = cbor_new_definite_map(1)) == NULL ||
	                  !sk_map_put(user, cbor_build_string("id"), cbor_build_bytestring(c->user, c->user_len))))
		goto out;
	if (!sk_map_put(m, sk_int(1), desc)) {
		desc = NULL;
		goto out;
	}
	desc = NULL;
	if (!sk_map_put(m, sk_int(2), cbor_build_bytestring(ad, ad_len)) ||
	    !sk_map_put(m, sk_int(3), cbor_build_bytestring(sig, sig_len)))
		goto out;
	if (with_user) {
		cbor_item_t *u = user;

		user = NULL;
		if (!sk_map_put(m, sk_int(4), u))
			goto out;
	}
	if (n > 1 && !sk_map_put(m, sk_int(5), sk_int((int64_t)n)))
		goto out;
	*ret = m;
	m = NULL;
	r = CTAP_OK;
out:
	if (m != NULL)
		cbor_decref(&m);
	if (desc != NULL)
		cbor_decref(&desc);
	if (user != NULL)
		cbor_decref(&user);
	free(ad);
	return r;
}

static int serialize(int status, cbor_item_t *m, unsigned char **ret, size_t *ret_len)
{
	unsigned char *buf = NULL, *p;
	size_t size = 0, n = 0;

	if (m != NULL && (n = cbor_serialize_alloc(m, &buf, &size)) == 0)
		return -ENOMEM;
	if ((p = malloc(n + 1)) == NULL) {
		free(buf);
		return -ENOMEM;
	}
	p[0] = (unsigned char)status;
	if (n > 0)
		memcpy(p + 1, buf, n);
	free(buf);
	*ret = p;
	*ret_len = n + 1;
	return 0;
}

void sk_ctap_next_clear(struct sk_dev *d)
{
	for (size_t i = 0; i < d->nnext; i++)
		free(d->next[i]);
	d->nnext = d->next_i = 0;
}

static int get_assert(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, bool touched, bool *dirty,
                      cbor_item_t **ret)
{
	const cbor_item_t *allow = sk_map_get(req, 3), *opts = sk_map_get(req, 5);
	const unsigned char *cdh = bytes(sk_map_get(req, 2), 32, NULL);
	const struct sk_cred *hits[SK_NEXT_MAX + 1];
	size_t nhits = 0;
	char rp[SK_RP_MAX + 1];
	bool uv, listed = true;
	cbor_item_t *first = NULL;
	uint8_t flags;
	int up, r;

	if (sk_map_get(req, 1) == NULL || cdh == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!text(sk_map_get(req, 1), rp, sizeof(rp)))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (option(opts, "rk") != -1)
		return CTAP2_ERR_INVALID_OPTION;
	if ((up = option(opts, "up")) == -2)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (allow != NULL && cbor_isa_array(allow) && cbor_array_size(allow) > 0) {
		for (size_t i = 0; i < cbor_array_size(allow) && nhits == 0; i++) {
			cbor_item_t *e = cbor_array_get(allow, i);
			size_t n = 0;
			const unsigned char *id = bytes(sk_map_get_str(e, "id"), 0, &n);

			if (id != NULL && (hits[0] = cred_find(st, rp, id, n)) != NULL)
				nhits = 1;
			cbor_decref(&e);
		}
	} else {
		listed = false;
		for (size_t i = 0; i < st->ncreds && nhits <= SK_NEXT_MAX; i++)
			if (st->creds[i].rk && strcmp(st->creds[i].rp, rp) == 0)
				hits[nhits++] = &st->creds[i];
	}
	if (nhits == 0)
		return CTAP2_ERR_NO_CREDENTIALS;
	if ((r = verify_user(d, st, sk_map_get(req, 6), sk_map_get(req, 7), option(opts, "uv"), cdh, &uv)) != CTAP_OK)
		return r;
	if (up != 0 && !touched)
		return SK_NEED_TOUCH;

	flags = (up != 0 ? FLAG_UP : 0) | (uv ? FLAG_UV : 0);
	/* The first answer now, the others signed in turn (counter rising) for
	 * authenticatorGetNextAssertion. */
	if ((r = assertion(st, hits[0], flags, cdh, !listed, nhits, &first)) != CTAP_OK)
		return r;
	sk_ctap_next_clear(d);
	for (size_t i = 1; i < nhits; i++) {
		cbor_item_t *m = NULL;

		if ((r = assertion(st, hits[i], flags, cdh, true, 0, &m)) == CTAP_OK) {
			r = serialize(CTAP_OK, m, &d->next[d->nnext], &d->next_len[d->nnext]) < 0 ? CTAP1_ERR_OTHER
			                                                                          : CTAP_OK;
			cbor_decref(&m);
		}
		if (r != CTAP_OK) {
			cbor_decref(&first);
			return r;
		}
		d->nnext++;
	}
	*dirty = true;
	*ret = first;
	return CTAP_OK;
}

static int reset(struct sk_dev *d, struct sk_state *st, bool touched, bool *dirty)
{
	if (!touched)
		return SK_NEED_TOUCH;
	OPENSSL_cleanse(st->creds, st->ncreds * sizeof(*st->creds));
	st->ncreds = 0;
	sk_state_set_pin(st, NULL);
	*dirty = true;
	return CTAP_OK;
}

int sk_ctap(struct sk_dev *d, const unsigned char *req, size_t len, bool touched, unsigned char **ret_resp,
            size_t *ret_len)
{
	struct sk_state st = {0};
	struct cbor_load_result res;
	cbor_item_t *body = NULL, *resp = NULL;
	bool dirty = false;
	int fd, status, r;

	if (req[0] == CMD_GET_NEXT) {
		if (d->next_i >= d->nnext)
			return serialize(CTAP2_ERR_NOT_ALLOWED, NULL, ret_resp, ret_len);
		*ret_resp = d->next[d->next_i];
		*ret_len = d->next_len[d->next_i];
		d->next[d->next_i++] = NULL;
		return 0;
	}
	if (len > 1) {
		body = cbor_load(req + 1, len - 1, &res);
		if (body == NULL || res.read != len - 1 || !cbor_isa_map(body)) {
			status = CTAP2_ERR_INVALID_CBOR;
			fd = -1;
			goto answer;
		}
	}
	if ((fd = sk_state_lock(d->state_path, false)) < 0) {
		r = fd;
		goto out;
	}
	if ((r = sk_state_read(fd, &st)) < 0)
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		switch (req[0]) {
		case CMD_GET_INFO:
			status = get_info(&st, &resp);
			break;
		case CMD_MAKE_CRED:
			status = body == NULL ? CTAP2_ERR_MISSING_PARAMETER
			                      : make_cred(d, &st, body, touched, &dirty, &resp);
			break;
		case CMD_GET_ASSERT:
			status = body == NULL ? CTAP2_ERR_MISSING_PARAMETER
			                      : get_assert(d, &st, body, touched, &dirty, &resp);
			break;
		case CMD_CLIENT_PIN:
			status =
			    body == NULL ? CTAP2_ERR_MISSING_PARAMETER : sk_client_pin(d, &st, body, &dirty, &resp);
			break;
		case CMD_RESET:
			status = reset(d, &st, touched, &dirty);
			break;
		default:
			status = CTAP1_ERR_INVALID_COMMAND;
			break;
		}
		/* touch=yes: the user is already touching the key. */
		if (status != SK_NEED_TOUCH || st.touch != SK_TOUCH_YES)
			break;
		touched = true;
	}
	if (status == SK_NEED_TOUCH) {
		d->want_touch = st.touch;
		d->want_delay_ms = st.touch_delay_ms;
		r = SK_NEED_TOUCH;
		goto out;
	}
	if (dirty && (r = sk_state_write(fd, &st)) < 0)
		goto out;
answer:
	r = serialize(status, status == CTAP_OK ? resp : NULL, ret_resp, ret_len);
out:
	if (resp != NULL)
		cbor_decref(&resp);
	if (body != NULL)
		cbor_decref(&body);
	sk_state_clear(&st);
	if (fd >= 0)
		close(fd);
	return r;
}
