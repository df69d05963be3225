/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit writer (see audit.h); the only file that talks to journald.
 *
 * sd_journal_sendv() blocks for as long as journald is alive but not
 * reading, and returns 0 having sent nothing when its socket is absent.  So
 * the caller never sends: audit_emit() formats the record (every value
 * escaped and bounded) into one line of tab-separated KEY=value fields and
 * hands it to a writer thread through a bounded queue.  When the queue is
 * full, or while the spill file still holds records (order is kept), the line
 * is appended to the spill file instead; the writer replays that file into
 * journald once it has drained the queue, then truncates it.  A spill file
 * left by an earlier run is replayed at start.  Delivery is at least once: a
 * record being sent when shutdown gives up on a stuck journald is spilled
 * too, and a replay cut short is replayed whole by the next run.
 *
 * Where journald's socket is missing or a send fails, the record goes to
 * stderr as one line instead and is counted as not delivered to journald;
 * a record that can be neither queued nor spilled is written to stderr and
 * counted as lost.  Nothing is dropped silently.
 *
 * Trusts: nothing in a record (users choose user names, hosts and ttys: all
 * values are escaped); the spill file only after checking its type, owner
 * and mode (opened without blocking, so a FIFO is refused rather than waited
 * on) and, on replay, the shape of every field.  No record carries a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "audit.h"
#include "escape.h"
#include "safe_file.h"
#include "proto.h"

#define AUDIT_QUEUE_MAX 1024
/* Bytes of one escaped value; longer values are cut at a character and
 * marked (lib/escape.c). */
#define AUDIT_VALUE_MAX 1024
/* One record as a line: about 20 fields of at most AUDIT_VALUE_MAX. */
#define AUDIT_LINE_MAX   32768
#define AUDIT_FIELDS_MAX 32
/* How long the writer, woken for a record, waits for more (see writer()). */
#define AUDIT_LINGER_NS 2000000L
/* How long audit_free() waits for journald to take what is queued. */
#define AUDIT_DRAIN_MS 2000
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* One record: "KEY=value\tKEY=value...", NUL-terminated, no newline. */
struct audit_rec {
	size_t len;
	char line[];
};

struct audit {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* writer: work to do, or stop */
	pthread_cond_t idle; /* audit_free(): the writer has nothing left */
	pthread_t thread;

	/* Under lock. */
	struct audit_rec *queue[AUDIT_QUEUE_MAX];
	size_t head, count;
	struct audit_rec *inflight; /* taken off the queue, being sent */
	bool busy;                  /* the writer is inside a delivery */
	bool stop;
	bool detached; /* audit_free() gave up on the writer: it frees */
	bool waiting;  /* the writer sleeps on wake: only then is it signalled */
	int spill_fd;  /* -1: no spill file */
	bool spill_pending;
	off_t replay_off; /* how far the writer has replayed the spill */

	/* Writer thread only: when journald's socket was last seen
	 * (CLOCK_MONOTONIC, ns); 0 never. */
	uint64_t journal_seen_ns;

	_Atomic uint64_t undelivered; /* went to stderr, not journald */
	_Atomic uint64_t lost;        /* neither delivered nor spilled */
};

static const char *const event_names[AUDIT_EVENT_MAX_] = {
    [AUDIT_DECISION] = "decision",
    [AUDIT_STEPUP] = "stepup",
    [AUDIT_ENROLL] = "enroll",
    [AUDIT_SESSION_OPEN] = "session_open",
    [AUDIT_SESSION_CLOSE] = "session_close",
    [AUDIT_LOCKOUT] = "lockout",
    [AUDIT_FAIL_OPEN] = "fail_open",
    [AUDIT_ADMIN] = "admin",
    [AUDIT_SERVICE] = "service",
    [AUDIT_SESSION_WARN] = "session_warn",
};

/* Made once with `journalctl --new-id128`; documented in conf/vigil.catalog.
 * Never change a released one: searches and catalogs depend on them. */
static const char *const message_ids[AUDIT_EVENT_MAX_] = {
    [AUDIT_DECISION] = "7d08712441644c9cb0bd1e0ff535196a",
    [AUDIT_STEPUP] = "4ba070f5b0234c86aa5ee7eabb069504",
    [AUDIT_ENROLL] = "df7bca8e8f57491eb3c99ba0b84fbbe8",
    [AUDIT_SESSION_OPEN] = "064e6f11e46d427c998385b8b0a20528",
    [AUDIT_SESSION_CLOSE] = "55ec6188f0b841949a2aae58ca11d76e",
    [AUDIT_LOCKOUT] = "251c211a98b5425e85e7d672a3fd06d9",
    [AUDIT_FAIL_OPEN] = "12421ab96d62463b8b1b94e22c178191",
    [AUDIT_ADMIN] = "fc69997213f74426b35a943d9e9965bc",
    [AUDIT_SERVICE] = "d1f566eec278468da611750b559a908b",
    [AUDIT_SESSION_WARN] = "7bcf9521b3c44e80af88150c18cbdf68",
};

const char *audit_message_id(enum audit_event e)
{
	return (unsigned)e < AUDIT_EVENT_MAX_ ? message_ids[e] : NULL;
}

uint64_t audit_lost(const struct audit *a)
{
	return a ? atomic_load(&a->lost) : 0;
}

void audit_stats(struct audit *a, struct audit_stats *ret)
{
	struct audit_stats s = {.queue_max = AUDIT_QUEUE_MAX};

	if (a) {
		pthread_mutex_lock(&a->lock);
		s.queued = a->count + (a->inflight ? 1 : 0);
		s.spill_pending = a->spill_pending;
		pthread_mutex_unlock(&a->lock);
		s.undelivered = atomic_load(&a->undelivered);
		s.lost = atomic_load(&a->lost);
	}
	*ret = s;
}

/* ---- Formatting a record ---- */

struct linebuf {
	char *p;
	size_t len;
};

/* Appends KEY=value (value already safe: no tab, no newline). */
static void line_put(struct linebuf *b, const char *key, const char *value, size_t vlen)
{
	size_t klen = strlen(key);

	/* Cannot overflow: AUDIT_FIELDS_MAX fields of bounded values. */
	if (b->len + 1 + klen + 1 + vlen + 1 > AUDIT_LINE_MAX)
		return;
	if (b->len > 0)
		b->p[b->len++] = '\t';
	memcpy(b->p + b->len, key, klen);
	b->len += klen;
	b->p[b->len++] = '=';
	memcpy(b->p + b->len, value, vlen);
	b->len += vlen;
	b->p[b->len] = '\0';
}

static void line_str(struct linebuf *b, const char *key, const char *value)
{
	char esc[AUDIT_VALUE_MAX + 1];
	size_t n;

	if (!value)
		return;
	n = escape_string(value, esc, sizeof(esc));
	line_put(b, key, esc, n);
}

static void line_u32(struct linebuf *b, const char *key, uint32_t value)
{
	char v[16];
	int n = snprintf(v, sizeof(v), "%u", value);

	line_put(b, key, v, (size_t)n);
}

/* Appends to msg (cap bytes) what fits; *len may reach cap - 1, never more. */
static void msg_add(char *msg, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void msg_add(char *msg, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < cap - 1 ? *len + (size_t)n : cap - 1;
}

/* The human summary: the caller's text, who it is about, and then what was
 * decided and why in the words of the VIGIL_* fields, so that a reader of
 * `journalctl -u vigild` (or of stderr) sees the decision and its reason on
 * the one line: "login denied, the source is not allowed by [network]: user
 * alice, service sshd, from 192.0.2.7 (decision deny, reason network)". */
static void line_message(struct linebuf *b, const struct audit_record *r, const char *event)
{
	char msg[AUDIT_VALUE_MAX + 1];
	const char *sep = " (";
	size_t len = 0;

	/* The daemon's words first (summary, decision, reason, result), then
	 * what users chose (name, host): a name can neither push the outcome
	 * out of the field nor pose as it, since anything it imitates comes
	 * after the real one. */
	msg[0] = '\0';
	msg_add(msg, sizeof(msg), &len, "%.*s", 512, r->message ? r->message : event);
	if (r->decision) {
		msg_add(msg, sizeof(msg), &len, "%sdecision %.*s", sep, 32, r->decision);
		sep = ", ";
	}
	if (r->reason) {
		msg_add(msg, sizeof(msg), &len, "%sreason %.*s", sep, 32, r->reason);
		sep = ", ";
	}
	if (r->result) {
		msg_add(msg, sizeof(msg), &len, "%sresult %.*s", sep, 32, r->result);
		sep = ", ";
	}
	if (sep[0] == ',')
		msg_add(msg, sizeof(msg), &len, ")");
	if (r->user)
		msg_add(msg, sizeof(msg), &len, ": user %.*s", 256, r->user);
	if (r->service)
		msg_add(msg, sizeof(msg), &len, ", service %.*s", 64, r->service);
	if (r->rhost)
		msg_add(msg, sizeof(msg), &len, ", from %.*s", 256, r->rhost);
	line_str(b, "MESSAGE", msg);
}

static struct audit_rec *record_format(const struct audit_record *r)
{
	struct audit_rec *rec, *shrunk;
	const char *event = (unsigned)r->event < AUDIT_EVENT_MAX_ ? event_names[r->event] : "unknown";
	const char *id = audit_message_id(r->event);
	char signals[256];
	struct linebuf b;
	int priority = r->priority < 0 ? 0 : r->priority > 7 ? 7 : r->priority;

	rec = malloc(sizeof(*rec) + AUDIT_LINE_MAX + 1);
	if (!rec)
		return NULL;
	b = (struct linebuf){rec->line, 0};
	rec->line[0] = '\0';
	if (id)
		line_put(&b, "MESSAGE_ID", id, strlen(id));
	line_put(&b, "PRIORITY", (char[]){(char)('0' + priority)}, 1);
	line_put(&b, "SYSLOG_IDENTIFIER", "vigild", 6);
	line_put(&b, "VIGIL_EVENT", event, strlen(event));
	line_message(&b, r, event);
	line_str(&b, "VIGIL_USER", r->user);
	line_str(&b, "VIGIL_SERVICE", r->service);
	line_str(&b, "VIGIL_RHOST", r->rhost);
	line_str(&b, "VIGIL_TTY", r->tty);
	line_str(&b, "VIGIL_CALLER", r->caller);
	line_str(&b, "VIGIL_DEVICE", r->device);
	if (r->pam_pid)
		line_u32(&b, "VIGIL_PAM_PID", r->pam_pid);
	line_str(&b, "VIGIL_LOGIN_ID", r->login_id);
	line_str(&b, "VIGIL_SESSION_ID", r->session_id);
	line_str(&b, "VIGIL_DECISION", r->decision);
	line_str(&b, "VIGIL_REASON", r->reason);
	line_str(&b, "VIGIL_METHOD", r->method);
	line_str(&b, "VIGIL_RESULT", r->result);
	/* A score means something for what was scored; elsewhere only if set. */
	if (r->event == AUDIT_DECISION || r->event == AUDIT_STEPUP || r->score || r->signals) {
		line_u32(&b, "VIGIL_SCORE", r->score);
		(void)signals_format(r->signals, signals, sizeof(signals));
		line_put(&b, "VIGIL_SIGNALS", signals, strlen(signals));
	}
	/* A verdict not enforced says so in every mode (VIGIL_ENFORCED=0);
	 * VIGIL_SHADOW=1 stays for shadow mode, as before learn mode. */
	if (r->shadow && !(r->mode && strcmp(r->mode, "learn") == 0))
		line_put(&b, "VIGIL_SHADOW", "1", 1);
	if (r->shadow)
		line_put(&b, "VIGIL_ENFORCED", "0", 1);
	line_str(&b, "VIGIL_MODE", r->mode);
	line_str(&b, "VIGIL_KEY_NAME", r->key_name);
	line_str(&b, "VIGIL_KEY_ID", r->key_id);
	if (r->recovery_told)
		line_u32(&b, "VIGIL_RECOVERY_LEFT", r->recovery_left);
	rec->len = b.len;
	shrunk = realloc(rec, sizeof(*rec) + rec->len + 1);
	return shrunk ? shrunk : rec;
}

/* ---- Output ---- */

/* Writes all of buf to fd, retrying short writes.  0 or -errno. */
static int write_all(int fd, const char *buf, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, buf, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Splits a line into fields, keeping only well-formed ones: KEY of
 * [A-Z0-9_] not starting with a digit or '_' (journald's trusted fields),
 * '=', then
 * bytes no lower than 0x20 and not 0x7f.  Returns the field count. */
static int line_split(char *line, size_t len, struct iovec *iov, int max)
{
	char *p = line, *end = line + len, *tab, *q;
	int n = 0;
	bool ok;

	while (p < end && n < max) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (!tab)
			tab = end;
		ok = p < tab && *p != '_' && !(*p >= '0' && *p <= '9');
		for (q = p; ok && q < tab && *q != '='; q++)
			ok = (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_';
		ok = ok && q < tab && q > p && q - p <= 64;
		for (q = q + 1; ok && q < tab; q++)
			ok = (unsigned char)*q >= 0x20 && *q != 0x7f;
		if (ok) {
			iov[n].iov_base = p;
			iov[n].iov_len = (size_t)(tab - p);
			n++;
		}
		p = tab + 1;
	}
	return n;
}

/* Writes the fields as "vigild: audit EVENT KEY=value ..." on stderr, in
 * one write; values with blanks or quotes are quoted, quotes as \x22. */
static int fields_to_stderr(const struct iovec *iov, int n)
{
	char *out = malloc(AUDIT_LINE_MAX * 2);
	const char *event = "unknown", *f, *eq;
	size_t len, flen, i, vlen;
	int k, r, elen = 7;

	if (!out)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		f = iov[k].iov_base;
		if (iov[k].iov_len > 12 && iov[k].iov_len <= 12 + 32 && strncmp(f, "VIGIL_EVENT=", 12) == 0) {
			event = f + 12;
			elen = (int)(iov[k].iov_len - 12);
		}
	}
	/* At most 14 + 32 bytes: an event name is short or "unknown". */
	len = (size_t)snprintf(out, 64, "vigild: audit %.*s", elen, event);
	for (k = 0; k < n; k++) {
		f = iov[k].iov_base;
		flen = iov[k].iov_len;
		if ((flen >= 12 && strncmp(f, "VIGIL_EVENT=", 12) == 0) ||
		    (flen >= 18 && strncmp(f, "SYSLOG_IDENTIFIER=", 18) == 0))
			continue;
		eq = memchr(f, '=', flen);
		vlen = flen - (size_t)(eq + 1 - f);
		if (len + flen * 4 + 4 >= AUDIT_LINE_MAX * 2)
			break;
		out[len++] = ' ';
		memcpy(out + len, f, (size_t)(eq + 1 - f));
		len += (size_t)(eq + 1 - f);
		if (vlen > 0 && !memchr(eq + 1, ' ', vlen) && !memchr(eq + 1, '"', vlen)) {
			memcpy(out + len, eq + 1, vlen);
			len += vlen;
			continue;
		}
		out[len++] = '"';
		for (i = 0; i < vlen; i++) {
			if (eq[1 + i] == '"') {
				memcpy(out + len, "\\x22", 4);
				len += 4;
			} else {
				out[len++] = eq[1 + i];
			}
		}
		out[len++] = '"';
	}
	out[len++] = '\n';
	r = write_all(STDERR_FILENO, out, len);
	free(out);
	return r;
}

static void line_to_stderr(struct audit *a, char *line, size_t len)
{
	struct iovec iov[AUDIT_FIELDS_MAX];
	int n = line_split(line, len, iov, AUDIT_FIELDS_MAX);

	if (fields_to_stderr(iov, n) < 0)
		atomic_fetch_add(&a->lost, 1);
}

/* Whether journald's socket is there.  Without it sd_journal_sendv()
 * reports success and sends nothing, so it is looked for; once seen, again
 * only after JOURNAL_RECHECK_NS, not for every record (the socket belongs
 * to the service manager and outlives a restart of journald). */
#define JOURNAL_RECHECK_NS 1000000000ULL
static bool journal_present(struct audit *a)
{
	struct timespec ts;
	struct stat st;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (a->journal_seen_ns != 0 && now - a->journal_seen_ns < JOURNAL_RECHECK_NS)
		return true;
	if (stat(JOURNAL_SOCKET, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		a->journal_seen_ns = 0;
		return false;
	}
	a->journal_seen_ns = now;
	return true;
}

/* Sends one line to journald (writer thread only: this may block for as
 * long as journald does not read), or to stderr where it cannot. */
static void deliver(struct audit *a, char *line, size_t len)
{
	struct iovec iov[AUDIT_FIELDS_MAX];
	int n = line_split(line, len, iov, AUDIT_FIELDS_MAX);

	if (n == 0) {
		static const char msg[] = "vigild: audit: a malformed spilled record was skipped\n";

		atomic_fetch_add(&a->lost, 1);
		(void)write_all(STDERR_FILENO, msg, sizeof(msg) - 1);
		return;
	}
	if (journal_present(a) && sd_journal_sendv(iov, n) >= 0)
		return;
	atomic_fetch_add(&a->undelivered, 1);
	if (fields_to_stderr(iov, n) < 0)
		atomic_fetch_add(&a->lost, 1);
}

/* ---- Spill file (under lock) ---- */

/* Appends a line; on failure undoes a partial write.  0 or -errno. */
static int spill_append(struct audit *a, const struct audit_rec *rec)
{
	off_t end;
	char *buf;
	int r;

	if (a->spill_fd < 0)
		return -EBADF;
	end = lseek(a->spill_fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	/* One write per line: the replay reads whole lines under the lock. */
	buf = malloc(rec->len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, rec->line, rec->len);
	buf[rec->len] = '\n';
	r = write_all(a->spill_fd, buf, rec->len + 1);
	free(buf);
	if (r < 0) {
		/* Cut the partial line off; failing that, end it so that the
		 * next record does not run into it (the replay sends what is
		 * well-formed of it). */
		if (ftruncate(a->spill_fd, end) < 0) {
			(void)write_all(a->spill_fd, "\n", 1);
			a->spill_pending = true;
		}
		return r;
	}
	a->spill_pending = true;
	return 0;
}

/* Reads the line at replay_off into buf (AUDIT_LINE_MAX + 1 bytes).
 * Returns 1 with *ret_len and *ret_next, 0 at the end, -errno on error.
 * An over-long line is skipped: its *ret_len is 0. */
static int spill_read_line(struct audit *a, char *buf, size_t *ret_len, off_t *ret_next)
{
	off_t off = a->replay_off;
	ssize_t got;
	char *nl;

	got = pread(a->spill_fd, buf, AUDIT_LINE_MAX + 1, off);
	if (got < 0)
		return -errno;
	if (got == 0)
		return 0;
	nl = memchr(buf, '\n', (size_t)got);
	if (nl) {
		*ret_len = (size_t)(nl - buf);
		*ret_next = off + (nl - buf) + 1;
		return 1;
	}
	if (got <= AUDIT_LINE_MAX) {
		/* A last line without its newline (a crash while spilling). */
		*ret_len = (size_t)got;
		*ret_next = off + got;
		return 1;
	}
	/* Longer than any record we write: skip to the next newline. */
	for (off += got;; off += got) {
		got = pread(a->spill_fd, buf, AUDIT_LINE_MAX + 1, off);
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		nl = memchr(buf, '\n', (size_t)got);
		if (nl) {
			off += nl - buf + 1;
			break;
		}
	}
	*ret_len = 0;
	*ret_next = off;
	return 1;
}

/* ---- The writer ---- */

static void audit_destroy(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		free(a->queue[(a->head + i) % AUDIT_QUEUE_MAX]);
	if (a->spill_fd >= 0)
		close(a->spill_fd);
	pthread_cond_destroy(&a->wake);
	pthread_cond_destroy(&a->idle);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static void *writer_main(void *arg)
{
	struct audit *a = arg;
	struct audit_rec *rec;
	char *buf = NULL;
	size_t len = 0;
	off_t next = 0;
	bool detached;
	int r;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		bool woke = false;

		while (!a->stop && a->count == 0 && !a->spill_pending) {
			pthread_cond_broadcast(&a->idle);
			a->waiting = woke = true;
			pthread_cond_wait(&a->wake, &a->lock);
			a->waiting = false;
		}
		if (a->stop)
			break;
		if (woke) {
			/* Woken for one record: let the ones right behind it
			 * (the other logins of a busy second) join it, so the
			 * event loop wakes this thread once for them all, not
			 * once each.  A record reaches journald that much later. */
			pthread_mutex_unlock(&a->lock);
			nanosleep(&(struct timespec){0, AUDIT_LINGER_NS}, NULL);
			pthread_mutex_lock(&a->lock);
		}

		if (a->count > 0) {
			rec = a->queue[a->head];
			a->head = (a->head + 1) % AUDIT_QUEUE_MAX;
			a->count--;
			a->inflight = rec;
			a->busy = true;
			pthread_mutex_unlock(&a->lock);
			deliver(a, rec->line, rec->len);
			pthread_mutex_lock(&a->lock);
			a->busy = false;
			a->inflight = NULL;
			free(rec);
			if (a->detached)
				break;
			continue;
		}

		/* The queue is empty: replay the spill, one line at a time. */
		if (!buf && !(buf = malloc(AUDIT_LINE_MAX + 1))) {
			a->spill_pending = false; /* stays on disk for the next run */
			continue;
		}
		r = spill_read_line(a, buf, &len, &next);
		if (r <= 0) {
			if (r == 0 && ftruncate(a->spill_fd, 0) == 0)
				a->replay_off = 0;
			/* On a read error the file stays for the next run. */
			a->spill_pending = false;
			continue;
		}
		if (len == 0) {
			a->replay_off = next;
			continue;
		}
		a->busy = true;
		pthread_mutex_unlock(&a->lock);
		deliver(a, buf, len);
		pthread_mutex_lock(&a->lock);
		a->busy = false;
		a->replay_off = next;
		if (a->detached)
			break;
	}
	detached = a->detached;
	pthread_mutex_unlock(&a->lock);
	free(buf);
	if (detached)
		audit_destroy(a);
	return NULL;
}

/* ---- Public ---- */

int audit_new(const char *spill_path, struct audit **ret)
{
	return audit_new_why(spill_path, ret, NULL, 0);
}

int audit_new_why(const char *spill_path, struct audit **ret, char *why, size_t whylen)
{
	struct audit *a = NULL;
	pthread_condattr_t ca;
	sigset_t all, old;
	struct stat st;
	bool ca_init = false, lock_init = false, wake_init = false, idle_init = false;
	int r;

	if (!ret)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->spill_fd = -1;
	if ((r = -pthread_condattr_init(&ca)) < 0)
		goto out;
	ca_init = true;
	if ((r = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) < 0)
		goto out;
	if ((r = -pthread_mutex_init(&a->lock, NULL)) < 0)
		goto out;
	lock_init = true;
	if ((r = -pthread_cond_init(&a->wake, NULL)) < 0)
		goto out;
	wake_init = true;
	if ((r = -pthread_cond_init(&a->idle, &ca)) < 0)
		goto out;
	idle_init = true;

	if (spill_path) {
		/* Never blocks: a FIFO planted as the spill file is refused. */
		r = safe_file_open(AT_FDCWD, spill_path, O_RDWR | O_APPEND | O_CREAT, 0600,
		                   SAFE_FILE_OURS | SAFE_FILE_SECRET, spill_path, &a->spill_fd, &st, why, whylen);
		if (r < 0)
			goto out;
		/* Left by an earlier run: replayed first. */
		a->spill_pending = st.st_size > 0;
	}

	/* Signals are the event loop's business, not the writer's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&a->thread, NULL, writer_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto out;
	*ret = a;
	a = NULL;
	r = 0;
out:
	if (ca_init)
		pthread_condattr_destroy(&ca);
	if (a) {
		if (a->spill_fd >= 0)
			close(a->spill_fd);
		if (idle_init)
			pthread_cond_destroy(&a->idle);
		if (wake_init)
			pthread_cond_destroy(&a->wake);
		if (lock_init)
			pthread_mutex_destroy(&a->lock);
		free(a);
	}
	return r;
}

/* A record that could be neither queued nor spilled: stderr, and counted. */
static void record_lost(struct audit *a, struct audit_rec *rec)
{
	atomic_fetch_add(&a->lost, 1);
	line_to_stderr(a, rec->line, rec->len);
}

void audit_emit(struct audit *a, const struct audit_record *r)
{
	static const char nomem[] = "vigild: audit: out of memory: a record was lost\n";
	struct audit_rec *rec;
	bool spill_failed = false;

	if (!a || !r)
		return;
	rec = record_format(r);
	if (!rec) {
		atomic_fetch_add(&a->lost, 1);
		(void)write_all(STDERR_FILENO, nomem, sizeof(nomem) - 1);
		return;
	}
	pthread_mutex_lock(&a->lock);
	/* Behind spilled records, new ones are spilled too: order is kept. */
	if (!a->stop && !a->spill_pending && a->count < AUDIT_QUEUE_MAX) {
		a->queue[(a->head + a->count) % AUDIT_QUEUE_MAX] = rec;
		a->count++;
		rec = NULL;
	} else if (spill_append(a, rec) < 0) {
		spill_failed = true;
	}
	if (a->waiting)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	/* stderr may block: never while holding the lock. */
	if (spill_failed)
		record_lost(a, rec);
	free(rec);
}

/* Moves every queued record (and the one being sent) to the spill file. */
static void spill_queue(struct audit *a, bool include_inflight)
{
	struct audit_rec *rec;

	if (include_inflight && a->inflight && spill_append(a, a->inflight) < 0)
		record_lost(a, a->inflight);
	while (a->count > 0) {
		rec = a->queue[a->head];
		a->head = (a->head + 1) % AUDIT_QUEUE_MAX;
		a->count--;
		if (spill_append(a, rec) < 0)
			record_lost(a, rec);
		free(rec);
	}
}

static void report_counters(uint64_t undelivered, uint64_t lost, bool stuck)
{
	char line[256];
	int n;

	if (stuck) {
		n = snprintf(line, sizeof(line), "vigild: audit: journald is not reading: queued records spilled\n");
		(void)write_all(STDERR_FILENO, line, (size_t)n);
	}
	if (undelivered == 0 && lost == 0)
		return;
	n = snprintf(line, sizeof(line),
	             "vigild: audit: %llu records not delivered to journald (written to stderr), %llu lost\n",
	             (unsigned long long)undelivered, (unsigned long long)lost);
	(void)write_all(STDERR_FILENO, line, (size_t)n);
}

void audit_free(struct audit *a)
{
	struct timespec deadline;
	uint64_t undelivered, lost;
	int r = 0;

	if (!a)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += AUDIT_DRAIN_MS / 1000;
	deadline.tv_nsec += (AUDIT_DRAIN_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&a->lock);
	pthread_cond_signal(&a->wake);
	while ((a->count > 0 || a->busy || a->spill_pending) && r == 0)
		r = pthread_cond_timedwait(&a->idle, &a->lock, &deadline);

	if (a->busy) {
		/* Stuck in journald: keep what it has not taken, and leave
		 * the thread behind; it frees everything if it ever returns. */
		spill_queue(a, true);
		a->stop = true;
		a->detached = true;
		undelivered = atomic_load(&a->undelivered);
		lost = atomic_load(&a->lost);
		pthread_detach(a->thread);
		pthread_mutex_unlock(&a->lock);
		report_counters(undelivered, lost, true);
		return;
	}
	a->stop = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);

	spill_queue(a, false);
	report_counters(atomic_load(&a->undelivered), atomic_load(&a->lost), false);
	audit_destroy(a);
}
