/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ending sessions (see session_end.h).  Each end is one store transaction
 * (the row is closed with its cause only if it was still open: a session
 * is ended, and audited, once), then the process: a pidfd is opened on the
 * recorded pid and kept only if the pid's start time, read after the open,
 * is the recorded one; from then on every signal goes through the pidfd,
 * which names that process and no later holder of its pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-login.h>

#include "log.h"
#include "origin.h"
#include "session_end.h"

#define USEC_PER_SEC 1000000ULL
/* logind's answer to TerminateSession is not waited for longer. */
#define LOGIND_TIMEOUT_USEC (2 * USEC_PER_SEC)

/* One process on its way out: the next signal to send, by a timer. */
struct end_job {
	struct end_job *next;
	struct vigild *d;
	sd_event_source *timer;
	int pidfd;
	int stage; /* 0 SIGHUP, 1 SIGTERM, 2 SIGKILL */
	char id[VIGIL_LOGIN_ID_MAX + 1];
};

void session_audit(struct vigild *d, enum audit_event event, int priority, const struct store_session *s,
                   const char *result, const char *message, const char *by)
{
	struct audit_record r = {
	    .event = event,
	    .priority = priority,
	    .message = message,
	    .user = s->user,
	    .service = s->service,
	    .rhost = s->rhost[0] ? s->rhost : NULL,
	    .tty = s->tty[0] ? s->tty : NULL,
	    .caller = by,
	    .device = s->device[0] ? s->device : NULL,
	    .pam_pid = s->pid,
	    .login_id = s->login_id[0] ? s->login_id : NULL,
	    .session_id = s->id[0] ? s->id : NULL,
	    .result = result,
	};

	audit_emit(d->audit, &r);
}

static int pidfd_open_checked(uint32_t pid, uint64_t pid_start, int *ret)
{
	uint64_t start;
	int fd, r;

	if (pid == 0 || pid > INT32_MAX)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0)
		return -errno;
	/* Opened first, checked second: if the start time matches now, the
	 * pidfd holds the recorded process, whatever happens to the pid. */
	r = origin_pid_start((pid_t)pid, &start);
	if (r < 0 || start != pid_start) {
		close(fd);
		return -ESRCH;
	}
	*ret = fd;
	return 0;
}

static void job_free(struct end_job *j)
{
	struct end_job **p;

	for (p = &j->d->end_jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
	sd_event_source_disable_unref(j->timer);
	if (j->pidfd >= 0)
		close(j->pidfd);
	free(j);
}

static int on_stage(sd_event_source *src, uint64_t usec, void *userdata)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGKILL};
	struct end_job *j = userdata;

	if (syscall(SYS_pidfd_send_signal, j->pidfd, sigs[j->stage], NULL, 0) < 0) {
		/* ESRCH: it is gone (a zombie takes the signal and says 0). */
		if (errno != ESRCH)
			log_msg(LOG_WARNING, "signalling the process of session %s failed: %s", j->id, strerror(errno));
		job_free(j);
		return 0;
	}
	if (++j->stage >= (int)(sizeof(sigs) / sizeof(sigs[0]))) {
		job_free(j);
		return 0;
	}
	sd_event_source_set_time(src, usec + SESSION_END_GRACE_SEC * USEC_PER_SEC);
	return sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
}

static int on_logind(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	if (e)
		log_msg(LOG_WARNING, "logind TerminateSession failed (%s): the signals follow", e->name);
	return 0;
}

/* Where logind manages the process's session, asks it to terminate the
 * session (asynchronously: the loop never waits).  True if asked. */
static bool logind_terminate(struct vigild *d, uint32_t pid)
{
	char *sid = NULL;
	bool asked = false;
	int r;

	if (!d->event || sd_pid_get_session((pid_t)pid, &sid) < 0)
		goto out;
	if (!d->bus) {
		if ((r = sd_bus_open_system(&d->bus)) < 0 || (r = sd_bus_attach_event(d->bus, d->event, 0)) < 0) {
			log_msg(LOG_WARNING, "cannot reach logind on the system bus: %s", strerror(-r));
			d->bus = sd_bus_flush_close_unref(d->bus);
			goto out;
		}
	}
	r = sd_bus_call_method_async(d->bus, NULL, "org.freedesktop.login1", "/org/freedesktop/login1",
	                             "org.freedesktop.login1.Manager", "TerminateSession", on_logind, NULL, "s", sid);
	asked = r >= 0;
	if (r < 0)
		log_msg(LOG_WARNING, "asking logind to terminate session %s failed: %s", sid, strerror(-r));
out:
	free(sid);
	return asked;
}

/* Makes the recorded process of x go: logind first where it manages it,
 * the signals in any case (logind's stop may not reach a process outside
 * the scope, and its answer is not waited for). */
static void process_end(struct vigild *d, const struct store_session *x)
{
	struct end_job *j;
	bool logind;
	int fd = -1, r;

	if ((r = pidfd_open_checked(x->pid, x->pid_start, &fd)) < 0) {
		if (r != -ESRCH)
			log_msg(LOG_WARNING, "cannot hold the process of session %s: %s", x->id, strerror(-r));
		return;
	}
	logind = logind_terminate(d, x->pid);
	j = calloc(1, sizeof(*j));
	if (!j) {
		close(fd);
		return;
	}
	j->d = d;
	j->pidfd = fd;
	snprintf(j->id, sizeof(j->id), "%s", x->id);
	if (!d->event) {
		/* No loop yet (reconcile at start): one SIGHUP, no sequence. */
		(void)syscall(SYS_pidfd_send_signal, fd, SIGHUP, NULL, 0);
		close(fd);
		free(j);
		return;
	}
	j->next = d->end_jobs;
	d->end_jobs = j;
	if (logind)
		r = sd_event_add_time_relative(d->event, &j->timer, CLOCK_MONOTONIC,
		                               SESSION_END_GRACE_SEC * USEC_PER_SEC, 0, on_stage, j);
	else
		r = sd_event_add_time_relative(d->event, &j->timer, CLOCK_MONOTONIC, 0, 0, on_stage, j);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot schedule the end of session %s: %s", x->id, strerror(-r));
		job_free(j);
	}
}

static const char *cause_message(const char *cause)
{
	if (strcmp(cause, SESSION_END_IDLE) == 0)
		return "session ended: idle";
	if (strcmp(cause, SESSION_END_LIFETIME) == 0)
		return "session ended: its lifetime ran out";
	if (strcmp(cause, SESSION_END_REVOKED) == 0)
		return "session ended: revoked";
	if (strcmp(cause, SESSION_END_OLDEST) == 0)
		return "session ended: the oldest over the concurrent-session limit";
	if (strcmp(cause, SESSION_END_SUSPEND) == 0)
		return "session ended: the account is suspended";
	if (strcmp(cause, SESSION_END_LOST) == 0)
		return "session closed: its process is gone";
	return "session ended";
}

void session_end_closed(struct vigild *d, const struct store_session *x, const char *by)
{
	session_audit(d, AUDIT_SESSION_CLOSE, LOG_NOTICE, x, x->end_cause, cause_message(x->end_cause), by);
	if (strcmp(x->end_cause, SESSION_END_LOST) != 0)
		process_end(d, x);
}

int session_end(struct vigild *d, const char *session_id, const char *cause, const char *by)
{
	struct store_session x;
	int r;

	if (!session_id || !cause)
		return -EINVAL;
	if ((r = store_session_end(d->store, session_id, cause, vigild_now(), &x)) < 0) {
		if (r != -ENOENT)
			log_msg(LOG_ERR, "ending session %s failed: %s", session_id, strerror(-r));
		return r;
	}
	session_end_closed(d, &x, by);
	return 0;
}

int session_end_user(struct vigild *d, const char *user, const char *cause, const char *by)
{
	struct store_session page[64];
	char after[VIGIL_LOGIN_ID_MAX + 1] = "";
	size_t n, i;
	int ended = 0, r;

	do {
		if ((r = store_session_list(d->store, user, page, sizeof(page) / sizeof(page[0]), &n, after)) < 0)
			return r;
		for (i = 0; i < n; i++)
			if (session_end(d, page[i].id, cause, by) == 0)
				ended++;
		if (n > 0)
			snprintf(after, sizeof(after), "%s", page[n - 1].id);
	} while (n == sizeof(page) / sizeof(page[0]));
	return ended;
}

void session_end_shutdown(struct vigild *d)
{
	while (d->end_jobs)
		job_free(d->end_jobs);
}
