/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's event loop (sd-event): three listening sockets, many clients
 * at once, every socket non-blocking.  The public socket (0666) serves user
 * self-service and may be flooded by any local user; the PAM socket and the
 * admin socket (0600) accept root only, and their work is dispatched before
 * any public work that is waiting, so that no local user can starve a login.
 * On the public socket each non-root uid has a bounded number of
 * connections, of accepts per round and a request rate (a token bucket);
 * past them its connections are closed and that is logged once in a while,
 * not once per request.  A connection reads one frame at a time into a
 * bounded buffer (the header is checked before the body is read), answers
 * it, and only then reads the next; a request whose peer has already hung
 * up is dropped unserved; a client that stalls mid-frame or idles too long
 * is closed by its own timer.  A bad frame closes only that connection.
 * Peer identity comes from SO_PEERCRED at accept time, never from a frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "dispatch.h"
#include "log.h"
#include "login.h"
#include "login_deferred.h"
#include "login_history.h"
#include "proto.h"
#include "prune.h"
#include "reload.h"
#include "session_end.h"
#include "session_watch.h"
#include "server.h"
#include "wipe.h"

#define CONN_MAX 1024 /* connections at once */
/* Of which the public socket may hold: the rest stays for root's PAM and
 * admin connections whatever many local users do. */
#define CONN_PUBLIC_MAX 768
/* Prompts waiting at once for one key (a local caller, or a user at an
 * address: login_pending_key()): parked su or sudo prompts must not be able
 * to use up the connections every other login needs, and never block a user
 * someone else named. */
#define PENDING_PER_KEY_MAX 8
#define CONN_PER_USER_MAX   16          /* for each non-root uid */
#define FRAME_TIMEOUT_USEC  10000000ULL /* to finish a frame once begun */
/* Between requests: a user may be reading a QR code or finding a phone;
 * as long as sshd's default LoginGraceTime, no longer. */
#define IDLE_TIMEOUT_USEC       120000000ULL
#define RECONCILE_INTERVAL_USEC 60000000ULL

/* Listen backlogs (when vigild binds the sockets itself; under socket
 * activation the units' Backlog= applies).  Separate queues are the point:
 * connects flooding the public socket's queue never delay a PAM connect. */
#define BACKLOG_PUBLIC 128
#define BACKLOG_PAM    128
#define BACKLOG_ADMIN  16

/* Request rate of one non-root uid on the public socket, as a token bucket
 * (kept as a theoretical arrival time, GCRA): a burst of 20, then 10 a
 * second.  vigilctl makes one to three requests per command and an
 * enrollment a few more, so a person never comes near it; a script polling
 * its own status once a second is fine; a flood is cut to 10 requests a
 * second, each a few SQLite reads. */
#define RATE_BURST         20
#define RATE_INTERVAL_USEC 100000ULL /* 10 a second */
/* uids tracked at once.  A full bucket carries no state and is reused
 * first, so only uids flooding right now hold a slot; past that the slot
 * nearest to full is reused (a uid then gets at most a fresh burst). */
#define RATE_SLOTS 64
/* A uid refused for one reason is logged at most this often, with the
 * count since. */
#define REFUSE_LOG_INTERVAL_USEC 5000000ULL

/* One accept round takes what is waiting on a public listener, up to this
 * many connections, and from one uid no more than the second number: the
 * rest of that uid's connections in the round are refused, so a connect
 * flood by one user costs one round of closes, not the whole loop. */
#define ACCEPT_ROUND_MAX     32
#define ACCEPT_PER_UID_ROUND 4

/* Root's PAM and admin work first: sd-event dispatches pending sources by
 * priority, lowest value first.  It polls again only once nothing is
 * pending, so a PAM event that arrives meanwhile waits for the public
 * events already pending: at most one each of the public listener and its
 * connections, each bounded (an accept round, one frame) and most of a
 * flood's only a close, thanks to the per-uid limits below. */
#define PRIORITY_ROOT   SD_EVENT_PRIORITY_IMPORTANT
#define PRIORITY_PUBLIC SD_EVENT_PRIORITY_NORMAL
/* The sync of held replies (on_sync()) runs once root's ready connections
 * are served, so that the step-ups that arrived together share it, and
 * before public work, so that no flood there can hold a login's answer.
 * Under root's work that never lets up, it goes ahead of it after this
 * many requests: a batch that grows without end is no longer a batch. */
#define PRIORITY_SYNC  (PRIORITY_ROOT + 1)
#define SYNC_BATCH_MAX 64

enum listener {
	LISTENER_PUBLIC,
	LISTENER_PAM,
	LISTENER_ADMIN,
	LISTENER_N,
};

/* Why a uid was refused; each has its own notices. */
enum refusal {
	REFUSAL_PAM,     /* a non-root peer on the PAM socket */
	REFUSAL_ADMIN,   /* a non-root peer on the admin socket */
	REFUSAL_CONNS,   /* at CONN_PER_USER_MAX */
	REFUSAL_ACCEPTS, /* past ACCEPT_PER_UID_ROUND in one round */
	REFUSAL_RATE,    /* its token bucket empty */
	REFUSAL_HUNG_UP, /* a request whose peer already hung up */
	REFUSAL_N,
};

static const char *const refusal_text[REFUSAL_N] = {
    [REFUSAL_PAM] = "connected to the root-only PAM socket: closed",
    [REFUSAL_ADMIN] = "connected to the root-only admin socket: closed",
    [REFUSAL_CONNS] = "too many connections on the public socket: refused",
    [REFUSAL_ACCEPTS] = "connecting too fast on the public socket: refused",
    [REFUSAL_RATE] = "over its request rate on the public socket: connections closed",
    [REFUSAL_HUNG_UP] = "hung up before its requests were served: dropped",
};

/* Per-uid token bucket and the state of its refusal notices. */
struct rate_slot {
	uid_t uid;
	bool used;
	uint64_t tat;                    /* when the bucket is full again (CLOCK_MONOTONIC) */
	uint64_t logged_usec[REFUSAL_N]; /* last notice; 0: none yet */
	uint64_t refused[REFUSAL_N];     /* refusals since it */
};

struct conn {
	struct server *srv;
	struct conn *prev, *next;
	int fd;
	enum listener via;
	struct peer peer;
	struct exchange x;
	sd_event_source *io, *timer;
	uint8_t in[VIGIL_FRAME_MAX];
	size_t in_len;
	struct frame_header hdr;
	uint8_t out[VIGIL_FRAME_MAX];
	size_t out_len, out_off;
	/* The reply is ready but waits for the store's next sync: its
	 * request changed something that must be on the disk first. */
	bool held;
};

struct server {
	struct vigild *d;
	sd_event *event;
	int listen_fd[LISTENER_N];
	char *socket_path[LISTENER_N]; /* made by us, unlinked at exit; NULL if activated */
	sd_event_source *listen_src[LISTENER_N];
	sd_event_source *reconcile_timer;
	struct prune *prune;
	struct conn *conns;
	unsigned n_conns, n_public;
	unsigned n_held;           /* connections with a held reply */
	unsigned served_held;      /* requests served since the first of them */
	sd_event_source *sync_src; /* syncs the store, then sends held replies */
	struct rate_slot rate[RATE_SLOTS];
	uint64_t full_logged_usec;     /* last "too many connections" notice */
	struct vigil_msg *req, *reply; /* scratch: one request at a time */
};

static void conn_free(struct conn *c)
{
	struct server *s = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	if (c->via == LISTENER_PUBLIC)
		s->n_public--;
	if (c->held)
		s->n_held--;
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->timer);
	close(c->fd);
	/* An allowed auth whose account phase never came: its record. */
	login_deferred_flush(s->d, &c->x);
	exchange_clear(&c->x);
	/* The buffers may hold a code or an enrollment secret, but only in
	 * the bytes of a frame still there: each is wiped once served or
	 * sent, so the rest of 64 KiB is not zeroed again for every close. */
	wipe(c->in, c->in_len);
	wipe(c->out, c->out_len);
	free(c);
}

static int conn_arm_timer(struct conn *c, uint64_t usec)
{
	uint64_t now;

	sd_event_now(c->srv->event, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(c->timer, now + usec);
	return sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

static int on_conn_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct conn *c = userdata;

	log_msg(LOG_DEBUG, "closing idle connection of uid %u", (unsigned)c->peer.uid);
	conn_free(c);
	return 0;
}

static uint64_t server_now(const struct server *s)
{
	uint64_t now = 0;

	sd_event_now(s->event, CLOCK_MONOTONIC, &now);
	return now;
}

/* The slot of uid, made if need be (see RATE_SLOTS for which is reused). */
static struct rate_slot *rate_slot(struct server *s, uid_t uid, uint64_t now)
{
	struct rate_slot *r, *pick = &s->rate[0];

	for (r = s->rate; r < s->rate + RATE_SLOTS; r++)
		if (r->used && r->uid == uid)
			return r;
	for (r = s->rate; r < s->rate + RATE_SLOTS; r++) {
		if (!r->used || r->tat <= now) {
			pick = r;
			break;
		}
		if (r->tat < pick->tat)
			pick = r;
	}
	*pick = (struct rate_slot){.uid = uid, .used = true, .tat = now};
	return pick;
}

/* Takes one token of uid's bucket: false when it is empty. */
static bool rate_take(struct server *s, uid_t uid)
{
	uint64_t now = server_now(s);
	struct rate_slot *r = rate_slot(s, uid, now);

	if (r->tat < now)
		r->tat = now;
	if (r->tat - now > (RATE_BURST - 1) * RATE_INTERVAL_USEC)
		return false;
	r->tat += RATE_INTERVAL_USEC;
	return true;
}

/* Counts one refusal of uid and logs it, at most once per
 * REFUSE_LOG_INTERVAL_USEC with the count since the last notice: a flood
 * must not turn into a flood of the log. */
static void refuse_note(struct server *s, uid_t uid, enum refusal why)
{
	uint64_t now = server_now(s);
	struct rate_slot *r = rate_slot(s, uid, now);

	r->refused[why]++;
	if (r->logged_usec[why] != 0 && now - r->logged_usec[why] < REFUSE_LOG_INTERVAL_USEC)
		return;
	log_msg(LOG_WARNING, "uid %u: %s (%llu refused since the last notice; at most one every %llu s)", (unsigned)uid,
	        refusal_text[why], (unsigned long long)r->refused[why],
	        (unsigned long long)(REFUSE_LOG_INTERVAL_USEC / 1000000));
	r->logged_usec[why] = now;
	r->refused[why] = 0;
}

/* Logins waiting at a prompt for key on connections other than self. */
static unsigned pending_for_key(const struct server *s, const struct conn *self, const char *key)
{
	const struct conn *c;
	unsigned n = 0;

	for (c = s->conns; c; c = c->next)
		n += c != self && c->x.login && strcmp(login_pending_key(c->x.login), key) == 0;
	return n;
}

/* Decodes and answers the complete frame in c->in; queues the reply. */
static int conn_handle_frame(struct conn *c)
{
	struct server *s = c->srv;
	char desc[256];
	int64_t mark;
	int r;

	if (peer_hung_up_seen(&c->peer)) {
		/* The caller gave up (the module's timeout passed while we
		 * were busy): nobody waits for this answer, and serving it
		 * anyway would only add to the work that made it late. */
		if (c->peer.uid == 0)
			log_msg(LOG_NOTICE, "uid 0 pid %d hung up before its %s request was served: dropped",
			        (int)c->peer.pid, msg_type_name(c->hdr.type));
		else
			refuse_note(s, c->peer.uid, REFUSAL_HUNG_UP);
		r = -ECONNRESET;
		goto drop;
	}
	if (c->via == LISTENER_PUBLIC && c->peer.uid != 0 && !rate_take(s, c->peer.uid)) {
		refuse_note(s, c->peer.uid, REFUSAL_RATE);
		r = -EDQUOT;
		goto drop;
	}

	r = msg_decode(c->hdr.type, c->in + VIGIL_FRAME_HEADER_SIZE, c->hdr.body_len, s->req);
	wipe(c->in, c->in_len);
	c->in_len = 0;
	if (r < 0) {
		log_msg(LOG_NOTICE, "bad %s frame from uid %u: %s", msg_type_name(c->hdr.type), (unsigned)c->peer.uid,
		        strerror(-r));
		return r;
	}
	if (log_debug_enabled()) {
		msg_describe(s->req, desc, sizeof(desc));
		log_msg(LOG_DEBUG, "uid %u pid %d: %s", (unsigned)c->peer.uid, (int)c->peer.pid, desc);
	}
	mark = store_durable_mark(s->d->store);
	r = dispatch(s->d, &c->peer, &c->x, s->req, s->reply);
	/* Only a message that can carry a code or a seed is wiped, and only
	 * the bytes of its type: the rest of the 28 KiB never held it. */
	if (msg_type_has_secret(c->hdr.type))
		wipe(s->req, msg_size(c->hdr.type));
	if (r == 0 && c->x.login && pending_for_key(s, c, login_pending_key(c->x.login)) >= PENDING_PER_KEY_MAX) {
		/* Known only once the login is assessed (who is typing).  The
		 * prompt is not sent; closing fails the caller closed: the
		 * module never fails open once connected. */
		log_msg(LOG_WARNING, "too many logins waiting for a code from %s: refused",
		        login_pending_key(c->x.login));
		wipe(s->reply, sizeof(*s->reply));
		return -EBUSY;
	}
	if (r < 0) {
		log_msg(LOG_NOTICE, "protocol violation by uid %u: %s", (unsigned)c->peer.uid, strerror(-r));
		wipe(s->reply, sizeof(*s->reply));
		return r;
	}
	r = msg_encode(s->reply, c->hdr.request_id, c->out, sizeof(c->out), &c->out_len);
	if (msg_type_has_secret(s->reply->type))
		wipe(s->reply, msg_size(s->reply->type));
	if (r < 0) {
		log_msg(LOG_ERR, "encoding a reply failed: %s", strerror(-r));
		return r;
	}
	c->out_off = 0;
	/* A request that wrote more than history is answered once that is on
	 * the disk: after the sync that on_sync() runs for every reply held
	 * in this round of the loop together. */
	if (store_durable_mark(s->d->store) != mark) {
		c->held = true;
		s->n_held++;
		sd_event_source_set_enabled(s->sync_src, SD_EVENT_ONESHOT);
	}
	if (s->n_held > 0 && ++s->served_held == SYNC_BATCH_MAX)
		sd_event_source_set_priority(s->sync_src, PRIORITY_ROOT - 1);
	return 0;
drop:
	wipe(c->in, c->in_len);
	c->in_len = 0;
	return r;
}

static int conn_read(struct conn *c)
{
	size_t want;
	ssize_t n;
	int r;

	for (;;) {
		want = c->in_len < VIGIL_FRAME_HEADER_SIZE ? VIGIL_FRAME_HEADER_SIZE
		                                           : VIGIL_FRAME_HEADER_SIZE + c->hdr.body_len;
		if (c->in_len == want && c->in_len >= VIGIL_FRAME_HEADER_SIZE) {
			/* Header complete with its body (possibly empty). */
			return conn_handle_frame(c);
		}
		n = read(c->fd, c->in + c->in_len, want - c->in_len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (n == 0)
			return -ECONNRESET;
		if (c->in_len == 0)
			conn_arm_timer(c, FRAME_TIMEOUT_USEC);
		c->in_len += (size_t)n;
		if (c->in_len == VIGIL_FRAME_HEADER_SIZE) {
			/* Checked before a single body byte is read. */
			if ((r = frame_header_decode(c->in, &c->hdr)) < 0)
				return r;
			if (!msg_type_is_request(c->hdr.type))
				return -EBADMSG;
		}
	}
}

static int conn_write(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->out_off += (size_t)n;
	}
	wipe(c->out, c->out_len);
	c->out_len = c->out_off = 0;
	return 0;
}

/* Sends what is queued and waits for what comes next: the rest of the
 * reply, or the next request.  Reading waits while a reply is on its way
 * or held for the disk. */
static int conn_flush(struct conn *c)
{
	int r;

	if (c->out_len > 0 && !c->held && (r = conn_write(c)) < 0)
		return r;
	sd_event_source_set_io_events(c->io, c->held ? 0 : c->out_len > 0 ? EPOLLOUT : EPOLLIN | EPOLLRDHUP);
	if (c->out_len == 0 && c->in_len == 0)
		conn_arm_timer(c, IDLE_TIMEOUT_USEC);
	return 0;
}

static void conn_close(struct conn *c, int r)
{
	if (r != -ECONNRESET && r != -EDQUOT)
		log_msg(LOG_DEBUG, "closing connection of uid %u: %s", (unsigned)c->peer.uid, strerror(-r));
	conn_free(c);
}

static int on_conn_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	int r = 0;

	if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLIN)) {
		conn_free(c);
		return 0;
	}
	/* A request that came with the hang-up is served to nobody. */
	c->peer.hung_up = (revents & (EPOLLRDHUP | EPOLLHUP)) != 0;
	if (c->out_len == 0 && (revents & EPOLLIN) && (r = conn_read(c)) < 0)
		goto close;
	if ((r = conn_flush(c)) < 0)
		goto close;
	return 0;
close:
	conn_close(c, r);
	return 0;
}

/* Once the connections that were ready together have been served, if one
 * of their requests changed more than history: one fdatasync puts it and
 * everything before it on the disk, then every reply that waited for it
 * goes.  If the disk refuses, no held reply is sent (their callers fail
 * closed) and vigild exits: after a failed sync the kernel may have dropped
 * the pages, and only a fresh start knows what the disk holds (the service
 * manager restarts it). */
static int on_sync(sd_event_source *src, void *userdata)
{
	struct server *s = userdata;
	struct conn *c, *next;
	int r;

	s->served_held = 0;
	sd_event_source_set_priority(s->sync_src, PRIORITY_SYNC);
	sd_event_source_set_enabled(s->sync_src, SD_EVENT_OFF);
	if (s->n_held == 0 && !store_durable_pending(s->d->store))
		return 0;
	if ((r = store_sync(s->d->store)) < 0) {
		log_msg(LOG_CRIT, "the database cannot be synced to the disk: %s; %u answers withheld, exiting",
		        strerror(-r), s->n_held);
		for (c = s->conns; c; c = next) {
			next = c->next;
			if (c->held)
				conn_free(c);
		}
		return sd_event_exit(s->event, r);
	}
	for (c = s->conns; c && s->n_held > 0; c = next) {
		next = c->next;
		if (!c->held)
			continue;
		c->held = false;
		s->n_held--;
		if ((r = conn_flush(c)) < 0)
			conn_close(c, r);
	}
	return 0;
}

static unsigned conns_of_uid(const struct server *s, uid_t uid)
{
	const struct conn *c;
	unsigned n = 0;

	for (c = s->conns; c; c = c->next)
		n += c->peer.uid == uid;
	return n;
}

static void peer_name(uid_t uid, char *out, size_t cap)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	out[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res && strlen(res->pw_name) < cap)
		strcpy(out, res->pw_name);
}

/* Takes over cfd, accepted on listener via from the peer cred: serves it
 * or closes it.  n_round: connections of the same uid already taken in this
 * accept round. */
static void conn_new(struct server *s, enum listener via, int cfd, const struct ucred *cred, unsigned n_round)
{
	struct conn *c = NULL;
	int64_t prio = via == LISTENER_PUBLIC ? PRIORITY_PUBLIC : PRIORITY_ROOT;

	if (via != LISTENER_PUBLIC && cred->uid != 0) {
		refuse_note(s, cred->uid, via == LISTENER_PAM ? REFUSAL_PAM : REFUSAL_ADMIN);
		goto refuse;
	}
	if (s->n_conns >= CONN_MAX || (via == LISTENER_PUBLIC && s->n_public >= CONN_PUBLIC_MAX)) {
		uint64_t now = server_now(s);

		if (s->full_logged_usec == 0 || now - s->full_logged_usec >= REFUSE_LOG_INTERVAL_USEC) {
			log_msg(LOG_WARNING, "too many connections (%u, %u public): refusing new ones", s->n_conns,
			        s->n_public);
			s->full_logged_usec = now;
		}
		goto refuse;
	}
	if (via == LISTENER_PUBLIC && cred->uid != 0) {
		if (conns_of_uid(s, cred->uid) >= CONN_PER_USER_MAX) {
			refuse_note(s, cred->uid, REFUSAL_CONNS);
			goto refuse;
		}
		if (n_round >= ACCEPT_PER_UID_ROUND) {
			refuse_note(s, cred->uid, REFUSAL_ACCEPTS);
			goto refuse;
		}
	}
	/* Not calloc(): the two frame buffers need no zeroes (in_len and
	 * out_len say what they hold), only the fields before them. */
	c = malloc(sizeof(*c));
	if (!c)
		goto refuse;
	memset(c, 0, offsetof(struct conn, in));
	c->in_len = c->out_len = c->out_off = 0;
	c->hdr = (struct frame_header){0};
	c->held = false;
	c->srv = s;
	c->fd = cfd;
	c->via = via;
	c->peer.fd = cfd;
	c->peer.uid = cred->uid;
	c->peer.gid = cred->gid;
	c->peer.pid = cred->pid;
	c->peer.admin_socket = via == LISTENER_ADMIN;
	/* Root is root: no NSS lookup (an open of /etc/passwd, or a network
	 * round trip with LDAP) for every PAM connection. */
	if (cred->uid == 0)
		strcpy(c->peer.name, "root");
	else
		peer_name(cred->uid, c->peer.name, sizeof(c->peer.name));
	if (sd_event_add_io(s->event, &c->io, cfd, EPOLLIN | EPOLLRDHUP, on_conn_io, c) < 0 ||
	    sd_event_add_time(s->event, &c->timer, CLOCK_MONOTONIC, 0, 0, on_conn_timer, c) < 0 ||
	    sd_event_source_set_priority(c->io, prio) < 0 || sd_event_source_set_priority(c->timer, prio) < 0) {
		sd_event_source_disable_unref(c->io);
		sd_event_source_disable_unref(c->timer);
		free(c);
		goto refuse;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	if (via == LISTENER_PUBLIC)
		s->n_public++;
	conn_arm_timer(c, IDLE_TIMEOUT_USEC);
	return;
refuse:
	close(cfd);
}

/* One accept round: what is waiting, up to ACCEPT_ROUND_MAX; then the other
 * sources get their turn. */
static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct server *s = userdata;
	enum listener via = fd == s->listen_fd[LISTENER_PAM]     ? LISTENER_PAM
	                    : fd == s->listen_fd[LISTENER_ADMIN] ? LISTENER_ADMIN
	                                                         : LISTENER_PUBLIC;
	uid_t round_uid[ACCEPT_ROUND_MAX];
	unsigned i, j, n_round;

	for (i = 0; i < ACCEPT_ROUND_MAX; i++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int cfd;

		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			break;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
			close(cfd);
			round_uid[i] = (uid_t)-1;
			continue;
		}
		round_uid[i] = cred.uid;
		for (j = 0, n_round = 0; j < i; j++)
			n_round += round_uid[j] == cred.uid;
		conn_new(s, via, cfd, &cred, n_round);
	}
	return 0;
}

/* Binds a fresh socket at dir/name with the given mode. */
static int listen_unix(const char *dir, const char *name, mode_t mode, int backlog, int *ret_fd, char **ret_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char *path = NULL;
	int fd = -1, r;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket of ours may go; anything else is not ours to remove. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			r = -EEXIST;
			goto out;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, mode) < 0 || listen(fd, backlog) < 0) {
		r = -errno;
		goto out;
	}
	*ret_fd = fd;
	*ret_path = path;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

/* Sockets passed by systemd, named "public", "pam" and "admin" (or, unnamed,
 * public then admin then pam: a setup from before the PAM socket passes the
 * first two).  Returns the number found. */
static int listen_activated(struct server *s)
{
	char **names = NULL;
	int n, i, found = 0;

	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i, slot, flags;

		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			slot = -1;
		else if (names && strcmp(names[i], "admin") == 0)
			slot = LISTENER_ADMIN;
		else if (names && strcmp(names[i], "pam") == 0)
			slot = LISTENER_PAM;
		else if (names && strcmp(names[i], "public") == 0)
			slot = LISTENER_PUBLIC;
		else
			slot = i == 0 ? LISTENER_PUBLIC : i == 1 ? LISTENER_ADMIN : i == 2 ? LISTENER_PAM : -1;
		if (slot < 0 || s->listen_fd[slot] >= 0) {
			log_msg(LOG_WARNING, "ignoring passed file descriptor %d", fd);
			close(fd);
			continue;
		}
		/* Passed sockets are blocking: an accept round must stop at
		 * an empty queue, never wait on it. */
		flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
			log_msg(LOG_WARNING, "passed socket %d: cannot make it non-blocking: %s", fd, strerror(errno));
		s->listen_fd[slot] = fd;
		found++;
	}
	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	return found;
}

static int on_reconcile(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct server *s = userdata;

	vigild_reconcile_sessions(s->d);
	sd_event_source_set_time(src, usec + RECONCILE_INTERVAL_USEC);
	return sd_event_source_set_enabled(src, SD_EVENT_ON);
}

static int on_reload(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	struct server *s = userdata;
	char err[VIGIL_MESSAGE_MAX + 1];

	(void)vigild_reload(s->d, "SIGHUP", err, sizeof(err));
	return 0;
}

static int on_terminate(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	struct server *s = userdata;

	sd_notify(0, "STOPPING=1");
	return sd_event_exit(s->event, 0);
}

int server_new(struct vigild *d, const char *runtime_dir, struct server **ret)
{
	static const char *const names[LISTENER_N] = {
	    [LISTENER_PUBLIC] = VIGIL_PUBLIC_SOCKET_NAME,
	    [LISTENER_PAM] = VIGIL_PAM_SOCKET_NAME,
	    [LISTENER_ADMIN] = VIGIL_ADMIN_SOCKET_NAME,
	};
	static const mode_t modes[LISTENER_N] = {
	    [LISTENER_PUBLIC] = 0666, [LISTENER_PAM] = 0600, [LISTENER_ADMIN] = 0600};
	static const int backlogs[LISTENER_N] = {
	    [LISTENER_PUBLIC] = BACKLOG_PUBLIC,
	    [LISTENER_PAM] = BACKLOG_PAM,
	    [LISTENER_ADMIN] = BACKLOG_ADMIN,
	};
	struct server *s;
	sigset_t mask;
	int r, i;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->d = d;
	for (i = 0; i < LISTENER_N; i++)
		s->listen_fd[i] = -1;
	s->req = calloc(1, sizeof(*s->req));
	s->reply = calloc(1, sizeof(*s->reply));
	if (!s->req || !s->reply) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = sd_event_new(&s->event)) < 0)
		goto fail;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((r = sd_event_add_signal(s->event, NULL, SIGHUP, on_reload, s)) < 0 ||
	    (r = sd_event_add_signal(s->event, NULL, SIGTERM, on_terminate, s)) < 0 ||
	    (r = sd_event_add_signal(s->event, NULL, SIGINT, on_terminate, s)) < 0)
		goto fail;

	listen_activated(s);
	for (i = 0; i < LISTENER_N; i++) {
		if (s->listen_fd[i] < 0 && (r = listen_unix(runtime_dir, names[i], modes[i], backlogs[i],
		                                            &s->listen_fd[i], &s->socket_path[i])) < 0) {
			log_msg(LOG_ERR, "cannot listen on %s/%s: %s", runtime_dir, names[i], strerror(-r));
			goto fail;
		}
		if ((r = sd_event_add_io(s->event, &s->listen_src[i], s->listen_fd[i], EPOLLIN, on_accept, s)) < 0 ||
		    (r = sd_event_source_set_priority(s->listen_src[i],
		                                      i == LISTENER_PUBLIC ? PRIORITY_PUBLIC : PRIORITY_ROOT)) < 0)
			goto fail;
	}
	/* Enabled when a reply is held (see PRIORITY_SYNC). */
	if ((r = sd_event_add_defer(s->event, &s->sync_src, on_sync, s)) < 0 ||
	    (r = sd_event_source_set_priority(s->sync_src, PRIORITY_SYNC)) < 0 ||
	    (r = sd_event_source_set_enabled(s->sync_src, SD_EVENT_OFF)) < 0)
		goto fail;
	if ((r = prune_start(d, s->event, &s->prune)) < 0)
		goto fail;
	d->event = s->event;
	if ((r = session_watch_start(d)) < 0)
		goto fail;
	if ((r = sd_event_add_time_relative(s->event, &s->reconcile_timer, CLOCK_MONOTONIC, RECONCILE_INTERVAL_USEC, 0,
	                                    on_reconcile, s)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	server_free(s);
	return r;
}

int server_run(struct server *s)
{
	sd_notify(0, "READY=1\nSTATUS=Serving logins");
	return sd_event_loop(s->event);
}

void server_free(struct server *s)
{
	int i;

	if (!s)
		return;
	/* Held answers go out if the disk takes them; the rest fail closed. */
	if (s->n_held > 0 && s->sync_src)
		on_sync(s->sync_src, s);
	while (s->conns)
		conn_free(s->conns);
	/* The known-device records that wait, before the store closes. */
	login_history_close(s->d);
	sd_event_source_disable_unref(s->sync_src);
	for (i = 0; i < LISTENER_N; i++) {
		sd_event_source_disable_unref(s->listen_src[i]);
		if (s->listen_fd[i] >= 0)
			close(s->listen_fd[i]);
		if (s->socket_path[i])
			unlink(s->socket_path[i]);
		free(s->socket_path[i]);
	}
	prune_free(s->prune);
	sd_event_source_disable_unref(s->reconcile_timer);
	session_watch_stop(s->d);
	session_end_shutdown(s->d);
	s->d->bus = sd_bus_flush_close_unref(s->d->bus);
	s->d->event = NULL;
	sd_event_unref(s->event);
	wipe_free(s->req, sizeof(*s->req));
	wipe_free(s->reply, sizeof(*s->reply));
	free(s);
}
