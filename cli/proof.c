/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proof a user gives before changing factors (see proof.h): vigild
 * answers a change with RESULT PROOF_REQUIRED, we send FACTOR_PROVE on the
 * same connection and answer its prompts (a touch of an enrolled key, or a
 * TOTP or recovery code), then send the change again.  What the daemon asks
 * for is only as trusted as lib/proto.c checked it: the FIDO2 request is
 * bounded again by fido2_dev.c before any key sees it.  Codes are secrets:
 * read with echo off on a terminal, wiped with the frame that carried them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fido2_make.h"
#include "proof.h"
#include "wipe.h"

/* Prompts a proof may take: a touch, a fallback to a code, a retry. */
#define PROOF_STEPS_MAX 4

/* Touches a key for a FIDO2 prompt and fills req with the AUTH_ASSERTION
 * (a status alone when no key answered). */
static void proof_touch(const struct vigil_prompt *p, struct vigil_msg *req)
{
	const char *allow[VIGIL_KEYS_MAX];
	struct fido2_assert_res res;
	struct fido2_assert_req a = {
	    .rp_id = p->rp_id,
	    .challenge_b64 = p->challenge,
	    .allow_b64 = allow,
	    .n_allow = p->n_creds,
	    .uv = p->uv != 0,
	    .timeout_ms = p->timeout ? (int)p->timeout * 1000 : 30000,
	};
	int st;

	for (size_t i = 0; i < p->n_creds && i < VIGIL_KEYS_MAX; i++)
		allow[i] = p->creds[i].id;
	if (a.timeout_ms > FIDO2_TIMEOUT_MAX_MS)
		a.timeout_ms = FIDO2_TIMEOUT_MAX_MS;
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_AUTH_ASSERTION;
	st = cli_fido2_assert(&a, &res);
	req->u.assertion.status = st < 0 ? VIGIL_FIDO2_INTERNAL : fido2_status_wire(st);
	if (st == FIDO2_OK &&
	    (cli_field_copy(req->u.assertion.cred_id, sizeof(req->u.assertion.cred_id), res.cred_id) < 0 ||
	     cli_field_copy(req->u.assertion.authdata, sizeof(req->u.assertion.authdata), res.authdata) < 0 ||
	     cli_field_copy(req->u.assertion.sig, sizeof(req->u.assertion.sig), res.sig) < 0)) {
		/* More than the protocol carries: no key of ours made it. */
		fputs("vigilctl: security key: its answer is larger than vigild accepts\n", stderr);
		memset(&req->u.assertion, 0, sizeof(req->u.assertion));
		req->u.assertion.status = VIGIL_FIDO2_INTERNAL;
	}
	wipe(&res, sizeof(res));
}

/* Reads a code for a code prompt into req (AUTH_STEP).  Returns 0, or an
 * enum cli_exit after saying why there is none. */
static int proof_code(const char *what, const struct vigil_prompt *p, struct vigil_msg *req)
{
	bool totp = p->methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP);
	bool recovery = p->methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	const char *prompt = totp && recovery ? "Enter a code from your app, or a recovery code: "
	                     : recovery       ? "Enter a recovery code: "
	                                      : "Enter a code from your app: ";
	int r;

	if (p->why == VIGIL_WHY_FALLBACK)
		puts("No security key was used; a code instead.");
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_AUTH_STEP;
	r = cli_secret_read(prompt, req->u.answer.answer, sizeof(req->u.answer.answer), false);
	if (r == 0 || r == -ENODATA) {
		fprintf(stderr, "vigilctl: %s: no code entered; nothing changed\n", what);
		return CLI_EXIT_FAIL;
	}
	if (r < 0 && r != -E2BIG) {
		fprintf(stderr, "vigilctl: %s: cannot read the code: %s\n", what, strerror(-r));
		return CLI_EXIT_FAIL;
	}
	/* An over-long line is sent cut: the daemon counts it as wrong. */
	return 0;
}

/* What a RESULT to the proof means.  Returns an enum cli_exit. */
static int proof_result(const char *what, const struct vigil_result *res)
{
	switch (res->status) {
	case VIGIL_STATUS_OK:
		if (res->remaining > 0)
			printf("Recovery code accepted: %u left.\n", (unsigned)res->remaining);
		return CLI_EXIT_OK;
	case VIGIL_STATUS_BAD_CODE:
		fprintf(stderr,
		        "vigilctl: %s: the proof failed (a wrong or used code, or a key not yours); "
		        "nothing changed\n",
		        what);
		break;
	case VIGIL_STATUS_LOCKED:
		fprintf(stderr, "vigilctl: %s: locked after too many failed proofs; try again later\n", what);
		break;
	case VIGIL_STATUS_DENIED:
		fprintf(stderr,
		        "vigilctl: %s: no security key was used and you have no code to give instead; "
		        "nothing changed\n",
		        what);
		break;
	case VIGIL_STATUS_PERMISSION:
		cli_print_status(what, res->status, "you can prove only your own factors");
		break;
	default:
		cli_print_status(what, res->status, NULL);
		break;
	}
	return CLI_EXIT_FAIL;
}

int cli_proof_run(struct cli_conn *c, const char *user, const char *what)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	int r = CLI_EXIT_FAIL, err;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_FACTOR_PROVE;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", user);
	for (int step = 0; step < PROOF_STEPS_MAX; step++) {
		err = cli_conn_call(c, req, reply);
		wipe(req, sizeof(*req));
		if (err < 0) {
			r = cli_conn_exit(err);
			goto out;
		}
		if (reply->type == VIGIL_MSG_RESULT) {
			r = proof_result(what, &reply->u.result);
			goto out;
		}
		if (reply->type != VIGIL_MSG_PROMPT) {
			cli_print_unexpected(what, reply->type);
			goto out;
		}
		if (reply->u.prompt.kind == VIGIL_PROMPT_FIDO2) {
			proof_touch(&reply->u.prompt, req);
		} else if (reply->u.prompt.kind == VIGIL_PROMPT_TOTP) {
			if ((r = proof_code(what, &reply->u.prompt, req)) != 0)
				goto out;
			r = CLI_EXIT_FAIL;
		} else {
			cli_print_unexpected(what, reply->type);
			goto out;
		}
		wipe(reply, sizeof(*reply));
	}
	fprintf(stderr, "vigilctl: %s: vigild kept asking; nothing changed\n", what);
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

int cli_change_call(struct cli_conn *c, const struct vigil_msg *req, struct vigil_msg *ret_reply, const char *user,
                    const char *what)
{
	int r;

	if ((r = cli_conn_call(c, req, ret_reply)) < 0)
		return cli_conn_exit(r);
	if (ret_reply->type != VIGIL_MSG_RESULT || ret_reply->u.result.status != VIGIL_STATUS_PROOF_REQUIRED)
		return 0;
	puts("Prove one of your factors first:");
	fflush(stdout);
	if ((r = cli_proof_run(c, user, what)) != CLI_EXIT_OK)
		return r;
	if ((r = cli_conn_call(c, req, ret_reply)) < 0)
		return cli_conn_exit(r);
	return 0;
}
