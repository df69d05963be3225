/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A touch for vigild's PROMPT_FIDO2, through pam/fido2.c's helper.  The
 * prompt's fields come from the daemon (trusted, bounded by the codec) and
 * are copied, never truncated; the helper's answer is base64 text checked
 * by pam/fido2.c and bounded again here by the wire's limits, which are
 * tighter than the helper's.  Never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fido2.h"
#include "touch.h"
#include "wipe.h"

/* Copies src into dst of cap bytes; -E2BIG rather than a cut. */
static int copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap);

	if (n == 0 || n >= cap)
		return -E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* The helper's request from the prompt.  Returns 0; -E2BIG for a field the
 * helper cannot take (the helper would refuse it too). */
static int request_fill(const struct vigil_prompt *p, struct pam_fido2_request *req)
{
	int r;

	if ((r = copy_field(req->rp_id, sizeof(req->rp_id), p->rp_id)) < 0 ||
	    (r = copy_field(req->challenge, sizeof(req->challenge), p->challenge)) < 0)
		return r;
	if (p->n_creds == 0 || p->n_creds > FIDO2_ALLOW_MAX || p->n_creds > VIGIL_KEYS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < p->n_creds; i++)
		if ((r = copy_field(req->allow[i], sizeof(req->allow[i]), p->creds[i].id)) < 0)
			return r;
	req->n_allow = p->n_creds;
	req->uv = p->uv != 0;
	req->timeout_ms = (uint32_t)p->timeout * 1000;
	return 0;
}

int touch_answer(pam_handle_t *pamh, const char *helper, const struct vigil_prompt *p, struct vigil_assertion *ret)
{
	struct pam_fido2_request *req = NULL;
	struct pam_fido2_response *res = NULL;
	struct vigil_assertion *a = NULL;
	int r;

	req = calloc(1, sizeof(*req));
	res = calloc(1, sizeof(*res));
	a = calloc(1, sizeof(*a));
	if (!req || !res || !a) {
		r = -ENOMEM;
		goto out;
	}
	a->status = VIGIL_FIDO2_INTERNAL;
	if (request_fill(p, req) < 0)
		goto done;
	r = pam_fido2_assert(pamh, helper, req, res);
	if (r == -ECOMM || r == -ENOMEM)
		goto out;
	if (r == -ETIMEDOUT)
		/* Killed at its deadline: nobody touched a key that kept
		 * the helper waiting. */
		a->status = VIGIL_FIDO2_TIMEOUT;
	if (r < 0)
		goto done;
	a->status = fido2_status_wire(res->status);
	if (a->status != VIGIL_FIDO2_OK)
		goto done;
	if (copy_field(a->cred_id, sizeof(a->cred_id), res->cred_id) < 0 ||
	    copy_field(a->authdata, sizeof(a->authdata), res->authdata) < 0 ||
	    copy_field(a->sig, sizeof(a->sig), res->sig) < 0) {
		/* More than the wire carries: no OK without all three. */
		wipe(a, sizeof(*a));
		a->status = VIGIL_FIDO2_INTERNAL;
	}
done:
	*ret = *a;
	r = 0;
out:
	free(req);
	wipe_free(res, sizeof(*res));
	wipe_free(a, sizeof(*a));
	return r;
}
