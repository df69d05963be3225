/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test driver for helper/fido2_dev.c's MakeCredential (what vigilctl key
 * enroll runs): make_cred RP USER USER_ID_B64 CDH_B64 [uv] [rk] [exclude=B64]
 * prints, on success, the input fido2-cred -V reads (client data hash, rp
 * id, fmt, authenticator data, credential id, signature, x5c if any) and
 * exits 0; otherwise prints "error STATUS" and exits 1 (2 for a bad
 * request).  The PIN, when the key wants one, comes from $VIGIL_TEST_PIN
 * (a test PIN, never a real one).  "pin" and "touch" are written to stderr
 * when the PIN is asked and when the touch wait starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fido2_dev.h"

static int pin_from_env(void *userdata, char *buf, size_t cap)
{
	const char *p = getenv("VIGIL_TEST_PIN");

	fputs("pin\n", stderr);
	if (!p || strlen(p) >= cap)
		return -ECANCELED;
	memcpy(buf, p, strlen(p) + 1);
	return 0;
}

static void touch(void *userdata)
{
	fputs("touch\n", stderr);
}

int main(int argc, char **argv)
{
	static struct fido2_make_res res;
	const struct fido2_ui ui = {.pin = pin_from_env, .touch = touch};
	const char *exclude[FIDO2_ALLOW_MAX];
	struct fido2_make_req req = {.rp_name = "Vigil test", .timeout_ms = 5000};
	int st;

	if (argc < 5) {
		fputs("usage: make_cred RP USER USER_ID_B64 CDH_B64 [uv] [rk] [exclude=B64]...\n", stderr);
		return 2;
	}
	req.rp_id = argv[1];
	req.user_name = argv[2];
	req.user_id_b64 = argv[3];
	req.challenge_b64 = argv[4];
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "uv") == 0)
			req.uv = true;
		else if (strcmp(argv[i], "rk") == 0)
			req.resident = true;
		else if (strncmp(argv[i], "exclude=", 8) == 0 && req.n_exclude < FIDO2_ALLOW_MAX)
			exclude[req.n_exclude++] = argv[i] + 8;
		else
			return 2;
	}
	req.exclude_b64 = exclude;
	st = fido2_dev_make(&req, &ui, &res);
	if (st < 0) {
		puts("error internal");
		return 2;
	}
	if (st != FIDO2_OK) {
		printf("error %s\n", fido2_status_name(st));
		return 1;
	}
	printf("%s\n%s\n%s\n%s\n%s\n%s\n", req.challenge_b64, req.rp_id, res.fmt, res.authdata, res.cred_id, res.sig);
	if (res.x5c[0])
		printf("%s\n", res.x5c);
	return 0;
}
