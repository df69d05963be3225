/* SPDX-License-Identifier: BSD-3-Clause */
/* The few helpers every handler shares (see vigild.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "enroll.h"
#include "keys.h"
#include "log.h"
#include "login.h"
#include "origin.h"
#include "proof.h"
#include "session_end.h"
#include "vigild.h"

void exchange_clear(struct exchange *x)
{
	login_pending_free(x->login);
	enroll_pending_free(x->enroll);
	proof_pending_free(x->proof);
	key_pending_free(x->key);
	*x = (struct exchange){0};
}

/* A session's process is alive only as the same process: a pid reused by
 * another process (another start time) does not keep the session open. */
static bool pid_alive(uint32_t pid, uint64_t pid_start)
{
	uint64_t start;

	if (pid == 0 || pid > INT32_MAX || origin_pid_start((pid_t)pid, &start) < 0)
		return false;
	return start == pid_start;
}

static void lost(const struct store_session *x, void *userdata)
{
	session_end_closed(userdata, x, NULL);
}

void vigild_reconcile_sessions(struct vigild *d)
{
	unsigned closed = 0;
	int r;

	if ((r = store_session_reconcile(d->store, pid_alive, vigild_now(), lost, d, &closed)) < 0)
		log_msg(LOG_ERR, "reconciling sessions failed: %s", strerror(-r));
	else if (closed > 0)
		log_msg(LOG_NOTICE, "closed %u session(s) whose process has ended", closed);
}

uint64_t vigild_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

int vigild_new_id(char *out, size_t cap)
{
	unsigned char id[16];
	size_t i;

	if (cap < 2 * sizeof(id) + 1 || RAND_bytes(id, sizeof(id)) != 1)
		return -EIO;
	for (i = 0; i < sizeof(id); i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
	return 0;
}

void vigild_reply_status(struct vigil_msg *reply, uint16_t status)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_RESULT;
	reply->u.result.status = status;
}
