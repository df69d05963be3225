/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every request handler of the daemon shares: the loaded configuration,
 * the store, the audit writer and the host sealing key, plus who is asking
 * (the peer, from SO_PEERCRED, never from a message) and the state one
 * connection carries between its requests (a login waiting for a code, an
 * enrollment waiting for its confirmation).
 */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vigil/proto.h"
#include "audit.h"
#include "config.h"
#include "seal.h"
#include "stats.h"
#include "store.h"

/* Recovery code sets vigild makes in any minute, all users together. */
#define RECOVERY_SETS_PER_MINUTE 6

struct vigild {
	struct vigil_config *config; /* replaced on SIGHUP */
	struct store *store;
	struct audit *audit;
	uint8_t seal_key[SEAL_KEY_SIZE]; /* wiped at exit */
	const char *config_path;         /* what a reload reads (reload.h) */
	struct stats stats;              /* since start: vigilctl daemon */
	/* When the last RECOVERY_SETS_PER_MINUTE recovery code sets were
	 * made (recovery_cmd.c): each costs ten scrypt runs on the event loop. */
	uint64_t recovery_made[RECOVERY_SETS_PER_MINUTE];
	/* Sessions (session_end.h, session_watch.h): the loop their timers
	 * run on (NULL until the server is up), the system bus for logind
	 * (opened when first needed), the processes being ended, and what the
	 * watcher saw at its last pass. */
	struct sd_event *event;
	struct sd_bus *bus;
	struct end_job *end_jobs;
	struct session_watch *watch;
	/* Allowed auth decisions waiting for their account phase
	 * (login_deferred.h). */
	struct login_deferred *deferred;
	/* Known-device login records waiting to be written together
	 * (login_history.h); NULL until the first. */
	struct login_history *history;
};

/* The kernel's word on who is connected, and through which socket. */
struct peer {
	int fd; /* the connection, owned by the server: only to be polled */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool admin_socket;
	/* The readiness that brought the request being served said the
	 * caller had hung up (EPOLLRDHUP): its own answer, at no cost. */
	bool hung_up;
	char name[VIGIL_USER_MAX + 1]; /* user name of uid, "" if it has none */
};

/* True when the peer has closed (or shut down the writing half of) its
 * connection: the module gave up after its timeout, so nobody is waiting
 * for the answer.  Asked right before trust is committed after work that
 * takes time (a factor checked), so that an abandoned login never counts.
 * Never blocks. */
static inline bool peer_hung_up(const struct peer *p)
{
	struct pollfd pf = {.fd = p->fd, .events = POLLRDHUP};

	if (p->fd < 0 || p->hung_up)
		return true;
	if (poll(&pf, 1, 0) < 0)
		return false;
	return (pf.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* The same, as the event loop saw it when the request came: for answers
 * that take no time to make (a request just read, a login allowed without
 * a factor), where asking the kernel again would tell nothing new. */
static inline bool peer_hung_up_seen(const struct peer *p)
{
	return p->fd < 0 || p->hung_up;
}

struct login_pending;
struct login_deferred;
struct login_history;
struct enroll_pending;
struct proof_pending;
struct key_pending;

/* Per-connection state between requests; dies with the connection. */
struct exchange {
	struct login_pending *login;    /* after a PROMPT, until the DECISION */
	struct enroll_pending *enroll;  /* after ENROLL_PENDING, until activated */
	struct proof_pending *proof;    /* after FACTOR_PROVE's PROMPT, until its RESULT */
	struct key_pending *key;        /* after KEY_CHALLENGE, until KEY_ENROLL_FINISH */
	struct login_deferred *decided; /* after an allowed AUTH_BEGIN, until its account phase */
	/* The user this connection proved a factor of, and when (proof.h):
	 * good for one factor change. */
	int64_t proved_user_id;
	uint64_t proved_at;
};

/* Frees (and wipes) what x holds; x itself stays. */
void exchange_clear(struct exchange *x);

/* Closes the registered sessions whose process is gone (cause "lost",
 * audited; nothing is signalled); logs how many.
 * Run at start and periodically (a session whose sshd was killed never
 * sends SESSION_CLOSE, and its pid may be reused). */
void vigild_reconcile_sessions(struct vigild *d);

/* Current wall-clock time in seconds (the daemon's one clock for policy). */
uint64_t vigild_now(void);

/* Fills out (cap >= 33) with a fresh random 128-bit id in hex.  0 or -EIO. */
int vigild_new_id(char *out, size_t cap);

/* Makes *reply a RESULT with status and an empty id, every other byte zero
 * (a reply may have held a secret before). */
void vigild_reply_status(struct vigil_msg *reply, uint16_t status);

/* Root on the admin socket: the only peer the admin verbs serve. */
static inline bool peer_is_admin(const struct peer *p)
{
	return p->admin_socket && p->uid == 0;
}
