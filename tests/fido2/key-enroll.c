/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test only: enrolls the first security key attached for a user, as root,
 * the way `vigilctl key enroll --user NAME` will (KEY_ENROLL_BEGIN, the
 * touch through helper/fido2_dev.c, KEY_ENROLL_FINISH), until that verb is
 * on main.  Usage: key-enroll SOCKET USER NAME [uv].  The PIN, if the key
 * asks for one, is read from $VIGIL_TEST_PIN (a test key's PIN, no secret of
 * anyone's).  Prints the daemon's RESULT status and message; exits 0 only
 * on RESULT OK.  `key-enroll SOCKET USER --recovery` generates USER's
 * recovery codes instead (RECOVERY_GENERATE as root) and prints them, one a
 * line: test codes of a test user, for a test to type.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "fido2_dev.h"
#include "proto.h"

static int pin_env(void *userdata, char *buf, size_t cap)
{
	const char *pin = getenv("VIGIL_TEST_PIN");

	(void)userdata;
	if (!pin || strlen(pin) >= cap)
		return -ECANCELED;
	strcpy(buf, pin);
	return 0;
}

/* A field of the attestation: refused if the wire cannot carry it. */
static int put(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}

static int recovery(int fd, const char *user)
{
	static struct vigil_msg req, reply;
	int r;

	req.type = VIGIL_MSG_RECOVERY_GENERATE;
	snprintf(req.u.user.user, sizeof(req.u.user.user), "%s", user);
	if ((r = client_call(fd, 1, &req, &reply, clock_now_ms() + 5000)) < 0 ||
	    reply.type != VIGIL_MSG_RECOVERY_CODES) {
		fprintf(stderr, "RECOVERY_GENERATE: %s, reply type %u\n", r < 0 ? strerror(-r) : "ok", reply.type);
		return 1;
	}
	for (unsigned i = 0; i < reply.u.recovery.n_codes; i++)
		printf("%s\n", reply.u.recovery.codes[i].code);
	return 0;
}

int main(int argc, char **argv)
{
	static struct vigil_msg req, reply;
	static struct fido2_make_res res;
	const char *exclude[VIGIL_KEYS_MAX];
	struct fido2_ui ui = {.pin = pin_env};
	struct fido2_make_req mk;
	struct vigil_key_challenge *kc;
	int fd = -1, r;

	if (argc < 4) {
		fprintf(stderr, "usage: key-enroll SOCKET USER NAME [uv]\n");
		return 2;
	}
	if ((r = client_connect(argv[1], 0, clock_now_ms() + 5000, &fd)) < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-r));
		return 1;
	}
	if (strcmp(argv[3], "--recovery") == 0)
		return recovery(fd, argv[2]);
	req.type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	snprintf(req.u.key_enroll.user, sizeof(req.u.key_enroll.user), "%s", argv[2]);
	snprintf(req.u.key_enroll.name, sizeof(req.u.key_enroll.name), "%s", argv[3]);
	req.u.key_enroll.uv = argc > 4 && strcmp(argv[4], "uv") == 0;
	if ((r = client_call(fd, 1, &req, &reply, clock_now_ms() + 5000)) < 0) {
		fprintf(stderr, "KEY_ENROLL_BEGIN: %s\n", strerror(-r));
		return 1;
	}
	if (reply.type != VIGIL_MSG_KEY_CHALLENGE) {
		fprintf(stderr, "KEY_ENROLL_BEGIN: reply type %u status %u %s\n", reply.type, reply.u.result.status,
		        reply.type == VIGIL_MSG_RESULT ? reply.u.result.message : "");
		return 1;
	}
	kc = &reply.u.key_challenge;
	for (size_t i = 0; i < kc->n_exclude; i++)
		exclude[i] = kc->exclude[i].id;
	mk = (struct fido2_make_req){
	    .rp_id = kc->rp_id,
	    .rp_name = "Vigil",
	    .user_id_b64 = kc->user_handle,
	    .user_name = kc->user,
	    .challenge_b64 = kc->challenge,
	    .exclude_b64 = exclude,
	    .n_exclude = kc->n_exclude,
	    .uv = kc->uv,
	    .resident = kc->resident,
	    .timeout_ms = kc->timeout * 1000,
	};
	if ((r = fido2_dev_make(&mk, &ui, &res)) != FIDO2_OK) {
		fprintf(stderr, "MakeCredential: %d\n", r);
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.type = VIGIL_MSG_KEY_ENROLL_FINISH;
	if (put(req.u.attestation.fmt, sizeof(req.u.attestation.fmt), res.fmt) < 0 ||
	    put(req.u.attestation.authdata, sizeof(req.u.attestation.authdata), res.authdata) < 0 ||
	    put(req.u.attestation.x5c, sizeof(req.u.attestation.x5c), res.x5c) < 0 ||
	    put(req.u.attestation.sig, sizeof(req.u.attestation.sig), res.sig) < 0) {
		fprintf(stderr, "the attestation is larger than the protocol carries\n");
		return 1;
	}
	if ((r = client_call(fd, 2, &req, &reply, clock_now_ms() + 5000)) < 0) {
		fprintf(stderr, "KEY_ENROLL_FINISH: %s\n", strerror(-r));
		return 1;
	}
	if (reply.type != VIGIL_MSG_RESULT) {
		fprintf(stderr, "KEY_ENROLL_FINISH: reply type %u\n", reply.type);
		return 1;
	}
	printf("status=%s message=%s\n", status_name(reply.u.result.status), reply.u.result.message);
	close(fd);
	return reply.u.result.status == VIGIL_STATUS_OK ? 0 : 1;
}
