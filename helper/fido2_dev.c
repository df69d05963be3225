/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security key I/O (see fido2_dev.h).  What a key answers is untrusted: its
 * outputs are bounded before they are encoded, and every libfido2 error is
 * reduced to one of the few outcomes of enum fido2_status.  The PIN is held
 * in one stack buffer per operation and wiped on every path.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fido.h>
#include <openssl/evp.h>

#include "fido2_dev.h"
#include "wipe.h"

#define MANIFEST_MAX 16

static volatile sig_atomic_t cancel_requested;

void fido2_dev_request_cancel(void)
{
	cancel_requested = 1;
}

int fido2_b64_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t n = strlen(in), len;
	unsigned char buf[FIDO2_B64_LEN(FIDO2_X5C_MAX) / 4 * 3 + 3];
	char check[sizeof(buf) / 3 * 4 + 5];
	int k, r;

	if (n == 0 || n % 4 != 0) {
		r = -EBADMSG;
		goto out;
	}
	if (n / 4 * 3 > sizeof(buf)) {
		r = -E2BIG;
		goto out;
	}
	/* EVP_DecodeBlock ignores blanks and keeps padding bytes as zeros:
	 * the round trip below rejects both. */
	if ((k = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n)) < 0) {
		r = -EBADMSG;
		goto out;
	}
	len = (size_t)k;
	if (in[n - 1] == '=')
		len--;
	if (in[n - 2] == '=')
		len--;
	if (len > cap) {
		r = -E2BIG;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)check, buf, (int)len);
	if (strcmp(check, in) != 0) {
		r = -EBADMSG;
		goto out;
	}
	memcpy(out, buf, len);
	r = (int)len;
out:
	WIPE_ARRAY(buf);
	return r;
}

int fido2_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
	if (FIDO2_B64_LEN(n) + 1 > cap)
		return -E2BIG;
	if (n == 0)
		out[0] = '\0';
	else
		EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Printable ASCII, 1..max bytes; blanks only when allowed. */
static bool text_ok(const char *s, size_t max, bool blanks)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < (blanks ? 0x20 : 0x21) || s[i] > 0x7e)
			return false;
	return true;
}

/* Maps what libfido2 said; elapsed tells a wait that ran out from a broken
 * device (libfido2 reports both as a receive error). */
static int status_of(int fr, bool timed_out)
{
	if (cancel_requested)
		return FIDO2_CANCELLED;
	switch (fr) {
	case FIDO_OK:
		return FIDO2_OK;
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_TIMEOUT:
		return FIDO2_TIMEOUT;
	case FIDO_ERR_RX:
		return timed_out ? FIDO2_TIMEOUT : FIDO2_NO_DEVICE;
	case FIDO_ERR_TX:
		return FIDO2_NO_DEVICE;
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_UV_INVALID:
		return fr == FIDO_ERR_UV_INVALID ? FIDO2_PIN_INVALID : FIDO2_PIN_REQUIRED;
	case FIDO_ERR_PIN_INVALID:
	case FIDO_ERR_PIN_AUTH_INVALID:
	case FIDO_ERR_PIN_POLICY_VIOLATION:
		return FIDO2_PIN_INVALID;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
	case FIDO_ERR_UV_BLOCKED:
		return FIDO2_PIN_BLOCKED;
	case FIDO_ERR_NO_CREDENTIALS:
		return FIDO2_NO_CREDENTIAL;
	case FIDO_ERR_PIN_NOT_SET:
	case FIDO_ERR_UNSUPPORTED_OPTION:
		return FIDO2_UV_UNSUPPORTED;
	case FIDO_ERR_KEEPALIVE_CANCEL:
	case FIDO_ERR_OPERATION_DENIED:
		return FIDO2_CANCELLED;
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return FIDO2_EXCLUDED;
	default:
		return FIDO2_INTERNAL;
	}
}

static fido_dev_t *dev_open_path(const char *path)
{
	fido_dev_t *dev = fido_dev_new();

	if (dev && fido_dev_open(dev, path) != FIDO_OK)
		fido_dev_free(&dev);
	return dev;
}

/* Does dev hold one of the credentials?  A silent assertion: no touch, no
 * PIN, a zero hash; its signature is thrown away. */
static bool dev_holds(fido_dev_t *dev, const char *rp_id, unsigned char (*ids)[FIDO2_CRED_ID_MAX], const size_t *lens,
                      size_t n)
{
	static const unsigned char zero[FIDO2_CHALLENGE_LEN];
	fido_assert_t *a = fido_assert_new();
	bool found = false;

	if (!a || fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, zero, sizeof(zero)) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_FALSE) != FIDO_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (fido_assert_allow_cred(a, ids[i], lens[i]) != FIDO_OK)
			goto out;
	(void)fido_dev_set_timeout(dev, 3000);
	found = fido_dev_get_assert(dev, a, NULL) == FIDO_OK;
out:
	fido_assert_free(&a);
	return found;
}

/* Opens the key to use (see fido2_dev.h).  Returns FIDO2_OK with *ret_dev,
 * FIDO2_NO_DEVICE or FIDO2_INTERNAL. */
static int dev_pick(const char *rp_id, unsigned char (*ids)[FIDO2_CRED_ID_MAX], const size_t *lens, size_t n,
                    fido_dev_t **ret_dev)
{
	fido_dev_info_t *list = fido_dev_info_new(MANIFEST_MAX);
	fido_dev_t *dev = NULL, *first = NULL;
	size_t found = 0;
	int r;

	if (!list) {
		r = FIDO2_INTERNAL;
		goto out;
	}
	if (fido_dev_info_manifest(list, MANIFEST_MAX, &found) != FIDO_OK || found == 0) {
		r = FIDO2_NO_DEVICE;
		goto out;
	}
	for (size_t i = 0; i < found; i++) {
		const fido_dev_info_t *di = fido_dev_info_ptr(list, i);

		if (!(dev = dev_open_path(fido_dev_info_path(di))))
			continue;
		if (found == 1 || n == 0)
			break;
		if (dev_holds(dev, rp_id, ids, lens, n))
			break;
		if (!first)
			first = dev;
		else {
			fido_dev_close(dev);
			fido_dev_free(&dev);
		}
		dev = NULL;
	}
	if (!dev) {
		dev = first;
		first = NULL;
	}
	if (!dev) {
		r = FIDO2_NO_DEVICE;
		goto out;
	}
	*ret_dev = dev;
	dev = NULL;
	r = FIDO2_OK;
out:
	if (first) {
		fido_dev_close(first);
		fido_dev_free(&first);
	}
	fido_dev_info_free(&list, MANIFEST_MAX);
	return r;
}

static void dev_close(fido_dev_t **dev)
{
	if (*dev) {
		fido_dev_close(*dev);
		fido_dev_free(dev);
	}
}

/* Whether to ask for the PIN before the first try: UV is required and only
 * the PIN can give it.  Sets *ret_uv_opt to what to ask of the key. */
static int uv_plan(fido_dev_t *dev, bool uv, bool *ret_need_pin, fido_opt_t *ret_uv_opt)
{
	bool need_pin = false;
	fido_opt_t opt = FIDO_OPT_OMIT;

	if (uv) {
		if (fido_dev_has_uv(dev))
			opt = FIDO_OPT_TRUE; /* built-in UV (fingerprint): no PIN */
		else if (fido_dev_has_pin(dev))
			need_pin = true; /* libfido2 turns the PIN into a UV token */
		else
			return FIDO2_UV_UNSUPPORTED;
	}
	*ret_need_pin = need_pin;
	*ret_uv_opt = opt;
	return FIDO2_OK;
}

static int pin_ask(const struct fido2_ui *ui, char *pin, size_t cap)
{
	if (!ui || !ui->pin)
		return FIDO2_PIN_REQUIRED;
	switch (ui->pin(ui->userdata, pin, cap)) {
	case 0:
		break;
	case -ECANCELED:
		return FIDO2_CANCELLED;
	case -E2BIG:
		return FIDO2_PIN_INVALID;
	default:
		return FIDO2_INTERNAL; /* the asker broke down, not the person */
	}
	if (pin[0] == '\0' || strlen(pin) > FIDO2_PIN_MAX)
		return FIDO2_PIN_INVALID; /* never sent: no retry is spent on it */
	return FIDO2_OK;
}

/* Runs op (GetAssertion or MakeCredential) with the touch timeout, asking
 * for the PIN first when need_pin and once more when the key wants one. */
static int dev_run(fido_dev_t *dev, int timeout_ms, bool need_pin, const struct fido2_ui *ui,
                   int (*op)(fido_dev_t *, void *, const char *), void *obj)
{
	char pin[FIDO2_PIN_MAX + 2];
	bool have_pin = false;
	int64_t start;
	int fr, r;

	for (int round = 0; round < 2; round++) {
		if (need_pin && !have_pin) {
			if ((r = pin_ask(ui, pin, sizeof(pin))) != FIDO2_OK)
				goto out;
			have_pin = true;
		}
		if (fido_dev_set_timeout(dev, timeout_ms) != FIDO_OK) {
			r = FIDO2_INTERNAL;
			goto out;
		}
		if (ui && ui->touch)
			ui->touch(ui->userdata);
		start = now_ms();
		fr = op(dev, obj, have_pin ? pin : NULL);
		r = status_of(fr, now_ms() - start >= timeout_ms - 50);
		if (r != FIDO2_OK && r != FIDO2_PIN_REQUIRED && r != FIDO2_NO_CREDENTIAL && r != FIDO2_PIN_INVALID)
			(void)fido_dev_cancel(dev); /* stop the blinking */
		/* The key asked for a PIN it has: ask the person and retry. */
		if (r == FIDO2_PIN_REQUIRED && !have_pin && fido_dev_has_pin(dev)) {
			need_pin = true;
			continue;
		}
		break;
	}
out:
	WIPE_ARRAY(pin);
	return r;
}

static int op_assert(fido_dev_t *dev, void *obj, const char *pin)
{
	return fido_dev_get_assert(dev, obj, pin);
}

static int op_make(fido_dev_t *dev, void *obj, const char *pin)
{
	return fido_dev_make_cred(dev, obj, pin);
}

/* Decodes a list of credential ids into ids/lens. */
static int ids_decode(const char *const *b64, size_t n, unsigned char (*ids)[FIDO2_CRED_ID_MAX], size_t *lens)
{
	int k;

	if (n > FIDO2_ALLOW_MAX || (n > 0 && !b64))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!b64[i] || (k = fido2_b64_decode(b64[i], ids[i], FIDO2_CRED_ID_MAX)) < 1)
			return -EINVAL;
		lens[i] = (size_t)k;
	}
	return 0;
}

static int challenge_decode(const char *b64, unsigned char *out)
{
	return b64 && fido2_b64_decode(b64, out, FIDO2_CHALLENGE_LEN) == FIDO2_CHALLENGE_LEN ? 0 : -EINVAL;
}

static bool timeout_ok(int ms)
{
	return ms >= 1 && ms <= FIDO2_TIMEOUT_MAX_MS;
}

/* Encodes a key's output of n bytes (at most max) into out. */
static int out_b64(const unsigned char *p, size_t n, size_t max, bool may_be_empty, char *out, size_t cap)
{
	if ((!p || n == 0) && !may_be_empty)
		return -EBADMSG;
	if (n > max)
		return -E2BIG;
	return fido2_b64_encode(p, n, out, cap);
}

int fido2_dev_assert(const struct fido2_assert_req *req, const struct fido2_ui *ui, struct fido2_assert_res *ret)
{
	unsigned char ids[FIDO2_ALLOW_MAX][FIDO2_CRED_ID_MAX];
	unsigned char hash[FIDO2_CHALLENGE_LEN];
	size_t lens[FIDO2_ALLOW_MAX];
	struct fido2_assert_res res;
	fido_assert_t *a = NULL;
	fido_dev_t *dev = NULL;
	fido_opt_t uv_opt;
	bool need_pin;
	int r;

	if (!text_ok(req->rp_id, FIDO2_RP_ID_MAX, false) || req->n_allow < 1 || !timeout_ok(req->timeout_ms) ||
	    challenge_decode(req->challenge_b64, hash) < 0 || ids_decode(req->allow_b64, req->n_allow, ids, lens) < 0) {
		r = -EINVAL;
		goto out;
	}
	fido_init(0);
	if ((r = dev_pick(req->rp_id, ids, lens, req->n_allow, &dev)) != FIDO2_OK)
		goto out;
	if ((r = uv_plan(dev, req->uv, &need_pin, &uv_opt)) != FIDO2_OK)
		goto out;
	if (!(a = fido_assert_new()) || fido_assert_set_rp(a, req->rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, hash, sizeof(hash)) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK || fido_assert_set_uv(a, uv_opt) != FIDO_OK) {
		r = FIDO2_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < req->n_allow; i++)
		if (fido_assert_allow_cred(a, ids[i], lens[i]) != FIDO_OK) {
			r = FIDO2_INTERNAL;
			goto out;
		}
	if ((r = dev_run(dev, req->timeout_ms, need_pin, ui, op_assert, a)) != FIDO2_OK)
		goto out;
	if (fido_assert_count(a) != 1 ||
	    out_b64(fido_assert_id_ptr(a, 0), fido_assert_id_len(a, 0), FIDO2_CRED_ID_MAX, false, res.cred_id,
	            sizeof(res.cred_id)) < 0 ||
	    out_b64(fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0), FIDO2_AUTHDATA_MAX, false,
	            res.authdata, sizeof(res.authdata)) < 0 ||
	    out_b64(fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0), FIDO2_SIG_MAX, false, res.sig,
	            sizeof(res.sig)) < 0) {
		r = FIDO2_INTERNAL;
		goto out;
	}
	*ret = res;
	r = FIDO2_OK;
out:
	fido_assert_free(&a);
	dev_close(&dev);
	return r;
}

int fido2_dev_make(const struct fido2_make_req *req, const struct fido2_ui *ui, struct fido2_make_res *ret)
{
	unsigned char ids[FIDO2_ALLOW_MAX][FIDO2_CRED_ID_MAX];
	unsigned char hash[FIDO2_CHALLENGE_LEN], user_id[FIDO2_USER_ID_MAX];
	size_t lens[FIDO2_ALLOW_MAX];
	struct fido2_make_res res;
	fido_cred_t *c = NULL;
	fido_dev_t *dev = NULL;
	fido_opt_t uv_opt;
	bool need_pin;
	const char *fmt;
	int r, k;

	if (!text_ok(req->rp_id, FIDO2_RP_ID_MAX, false) || !text_ok(req->rp_name, FIDO2_RP_NAME_MAX, true) ||
	    !text_ok(req->user_name, FIDO2_USER_NAME_MAX, false) || !timeout_ok(req->timeout_ms) ||
	    challenge_decode(req->challenge_b64, hash) < 0 || !req->user_id_b64 ||
	    (k = fido2_b64_decode(req->user_id_b64, user_id, sizeof(user_id))) < 1 ||
	    ids_decode(req->exclude_b64, req->n_exclude, ids, lens) < 0) {
		r = -EINVAL;
		goto out;
	}
	fido_init(0);
	if ((r = dev_pick(req->rp_id, ids, lens, 0, &dev)) != FIDO2_OK)
		goto out;
	if ((r = uv_plan(dev, req->uv, &need_pin, &uv_opt)) != FIDO2_OK)
		goto out;
	/* CTAP 2.0 wants the PIN for every MakeCredential once one is set:
	 * ask before the touch rather than after a refusal. */
	if (fido_dev_has_pin(dev))
		need_pin = true;
	if (!(c = fido_cred_new()) || fido_cred_set_type(c, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, hash, sizeof(hash)) != FIDO_OK ||
	    fido_cred_set_rp(c, req->rp_id, req->rp_name) != FIDO_OK ||
	    fido_cred_set_user(c, user_id, (size_t)k, req->user_name, NULL, NULL) != FIDO_OK ||
	    fido_cred_set_rk(c, req->resident ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_cred_set_uv(c, uv_opt) != FIDO_OK) {
		r = FIDO2_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < req->n_exclude; i++)
		if (fido_cred_exclude(c, ids[i], lens[i]) != FIDO_OK) {
			r = FIDO2_INTERNAL;
			goto out;
		}
	if ((r = dev_run(dev, req->timeout_ms, need_pin, ui, op_make, c)) != FIDO2_OK)
		goto out;
	fmt = fido_cred_fmt(c);
	if (!fmt || strlen(fmt) > FIDO2_FMT_MAX ||
	    out_b64(fido_cred_authdata_ptr(c), fido_cred_authdata_len(c), FIDO2_AUTHDATA_MAX, false, res.authdata,
	            sizeof(res.authdata)) < 0 ||
	    out_b64(fido_cred_x5c_ptr(c), fido_cred_x5c_len(c), FIDO2_X5C_MAX, true, res.x5c, sizeof(res.x5c)) < 0 ||
	    out_b64(fido_cred_sig_ptr(c), fido_cred_sig_len(c), FIDO2_SIG_MAX, true, res.sig, sizeof(res.sig)) < 0 ||
	    out_b64(fido_cred_id_ptr(c), fido_cred_id_len(c), FIDO2_CRED_ID_MAX, false, res.cred_id,
	            sizeof(res.cred_id)) < 0) {
		r = FIDO2_INTERNAL;
		goto out;
	}
	snprintf(res.fmt, sizeof(res.fmt), "%s", fmt);
	*ret = res;
	r = FIDO2_OK;
out:
	fido_cred_free(&c);
	dev_close(&dev);
	return r;
}
