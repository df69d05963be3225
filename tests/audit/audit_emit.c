/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives the audit writer for tests/audit/run.sh: emits a scripted set of
 * records through audit_emit(), then audit_free(), and prints the lost
 * counter.  Exit 0 only when nothing was lost.
 *
 *   audit_emit SPILL full USER       one record of each event, every field set,
 *                                    then a denial and a sparse record
 *   audit_emit SPILL many N TAG      N decisions, login ids TAG-0000 ...
 *   audit_emit SPILL replay          nothing new: replays what SPILL holds
 *   audit_emit SPILL ids             prints "event id" for each event
 *
 * With --hold FILE before the mode, it prints "emitted" after emitting and
 * waits (at most 30 s) for FILE to exist before audit_free(), so that the
 * script can let journald run again while the writer is still alive.
 * SPILL "-" means no spill file.  The records carry no secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "parse.h"
#include "vigil/proto.h"

static const char *const names[AUDIT_EVENT_MAX_] = {
    "decision", "stepup",    "enroll", "session_open", "session_close",
    "lockout",  "fail_open", "admin",  "service",      "session_warn",
};

static int usage(void)
{
	fprintf(stderr, "usage: audit_emit [--hold FILE] SPILL full USER | many N TAG | replay | ids\n");
	return 2;
}

static void emit_full(struct audit *a, const char *user)
{
	char login_id[32];
	int e;

	for (e = 0; e < AUDIT_EVENT_MAX_; e++) {
		snprintf(login_id, sizeof(login_id), "full-%d", e);
		audit_emit(a, &(struct audit_record){
		                  .event = (enum audit_event)e,
		                  .priority = LOG_NOTICE,
		                  .message = "test record",
		                  .user = user,
		                  .service = "sshd",
		                  .rhost = "192.0.2.7",
		                  .tty = "ssh",
		                  .device = "SHA256:AAAAtestkeyfingerprint",
		                  .pam_pid = 4242,
		                  .login_id = login_id,
		                  .session_id = "0123456789abcdef",
		                  .decision = "stepup",
		                  .reason = "risk",
		                  .method = "totp",
		                  .result = "ok",
		                  .score = 42,
		                  .signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_PRIVILEGED,
		                  .shadow = 1,
		              });
	}
	/* A denial as login.c writes one. */
	audit_emit(a, &(struct audit_record){
	                  .event = AUDIT_DECISION,
	                  .priority = LOG_WARNING,
	                  .message = "login denied, the source is not allowed",
	                  .user = "bob",
	                  .service = "sudo",
	                  .rhost = "198.51.100.1",
	                  .login_id = "deny",
	                  .decision = "deny",
	                  .reason = "network",
	              });
	/* NULL strings are left out. */
	audit_emit(a, &(struct audit_record){
	                  .event = AUDIT_SERVICE,
	                  .priority = LOG_INFO,
	                  .message = "sparse record",
	                  .login_id = "sparse",
	              });
}

static void emit_many(struct audit *a, uint64_t n, const char *tag)
{
	char login_id[64];
	uint64_t i;

	for (i = 0; i < n; i++) {
		snprintf(login_id, sizeof(login_id), "%s-%04llu", tag, (unsigned long long)i);
		audit_emit(a, &(struct audit_record){
		                  .event = AUDIT_DECISION,
		                  .priority = LOG_INFO,
		                  .message = "load record",
		                  .user = "load",
		                  .service = "sshd",
		                  .login_id = login_id,
		                  .decision = "allow",
		              });
	}
}

static void hold(const char *file)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	int i;

	printf("emitted\n");
	fflush(stdout);
	for (i = 0; i < 600 && access(file, F_OK) != 0; i++)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *hold_file = NULL, *spill, *mode;
	struct audit *a = NULL;
	uint64_t n = 0, lost;
	int e, r;

	if (argc >= 3 && strcmp(argv[1], "--hold") == 0) {
		hold_file = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3)
		return usage();
	spill = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
	mode = argv[2];

	if (strcmp(mode, "ids") == 0) {
		for (e = 0; e < AUDIT_EVENT_MAX_; e++)
			printf("%s %s\n", names[e], audit_message_id((enum audit_event)e));
		return audit_message_id(AUDIT_EVENT_MAX_) == NULL ? 0 : 1;
	}
	if (strcmp(mode, "full") == 0     ? argc != 4
	    : strcmp(mode, "many") == 0   ? argc != 5 || parse_u64(argv[3], 100000, &n) < 0
	    : strcmp(mode, "replay") == 0 ? argc != 3
	                                  : true)
		return usage();

	if ((r = audit_new(spill, &a)) < 0) {
		fprintf(stderr, "audit_new: %s\n", strerror(-r));
		return 1;
	}
	if (strcmp(mode, "full") == 0)
		emit_full(a, argv[3]);
	else if (strcmp(mode, "many") == 0)
		emit_many(a, n, argv[4]);
	if (hold_file)
		hold(hold_file);
	/* What audit_free() itself cannot keep it reports on stderr. */
	lost = audit_lost(a);
	audit_free(a);
	printf("lost=%llu\n", (unsigned long long)lost);
	return lost == 0 ? 0 : 1;
}
