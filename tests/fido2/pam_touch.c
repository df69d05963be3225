/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test driver for pam/fido2.c with the real helper: pam_touch HELPER RP
 * CDH_B64 UV TIMEOUT_MS CRED_B64... runs pam_fido2_assert() on a libpam
 * handle whose conversation answers the PIN prompt with $VIGIL_TEST_PIN (a
 * test PIN) and writes every message it is shown to stderr as "conv STYLE
 * TEXT".  Prints "ok CRED AUTHDATA SIG" or "error STATUS" (exit 0), or
 * "fail ERRNO-NAME" (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "fido2.h"
#include "parse.h"

static int conv(int n, const struct pam_message **msg, struct pam_response **ret_resp, void *data)
{
	struct pam_response *resp = calloc((size_t)n, sizeof(*resp));
	const char *pin = getenv("VIGIL_TEST_PIN");

	if (!resp)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		fprintf(stderr, "conv %d %s\n", msg[i]->msg_style, msg[i]->msg);
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			resp[i].resp = strdup(pin ? pin : "");
	}
	*ret_resp = resp;
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	static struct pam_fido2_request req;
	static struct pam_fido2_response res;
	const struct pam_conv pc = {conv, NULL};
	char dir[] = "/tmp/vigil-pam-touch.XXXXXX", svc[64];
	pam_handle_t *pamh = NULL;
	uint64_t u;
	FILE *fp;
	int r;

	if (argc < 7 || !mkdtemp(dir))
		return 2;
	snprintf(svc, sizeof(svc), "%s/vigil-touch", dir);
	if (!(fp = fopen(svc, "w")))
		return 2;
	fclose(fp);
	if (pam_start_confdir("vigil-touch", "alice", &pc, dir, &pamh) != PAM_SUCCESS)
		return 2;
	snprintf(req.rp_id, sizeof(req.rp_id), "%s", argv[2]);
	snprintf(req.challenge, sizeof(req.challenge), "%s", argv[3]);
	req.uv = strcmp(argv[4], "1") == 0;
	if (parse_u64(argv[5], FIDO2_TIMEOUT_MAX_MS, &u) < 0)
		return 2;
	req.timeout_ms = (uint32_t)u;
	for (int i = 6; i < argc && req.n_allow < FIDO2_ALLOW_MAX; i++)
		snprintf(req.allow[req.n_allow++], sizeof(req.allow[0]), "%s", argv[i]);
	r = pam_fido2_assert(pamh, argv[1], &req, &res);
	pam_end(pamh, PAM_SUCCESS);
	unlink(svc);
	rmdir(dir);
	if (r < 0) {
		printf("fail %s\n", strerrorname_np(-r));
		return 1;
	}
	if (res.status == FIDO2_OK)
		printf("ok %s %s %s\n", res.cred_id, res.authdata, res.sig);
	else
		printf("error %s\n", fido2_status_name(res.status));
	return 0;
}
