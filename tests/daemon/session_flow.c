/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigild ending sessions, against the real daemon on a private tree
 * (tests/daemon/session_flow.sh makes it and the nss_wrapper users).  Each
 * session is opened over the PAM socket by a child of this test, which
 * then execs sleep: the session's recorded process (SO_PEERCRED pid and
 * its start time) is that child.  A terminal is a pty of openpty(),
 * handed to the user; idleness is made with utimensat() and short times
 * from the configuration (one [service.NAME] section per scenario, one
 * user per scenario so that limits do not mix).  Checks: the idle warning
 * on the pty and the end that follows (SIGHUP, audit idle_end, once); a
 * session without a terminal ended idle; the lifetime end; end_oldest; 50
 * opens at once under max_sessions = 2 leave exactly 2; a session whose
 * recorded start time is wrong (its pid "reused") closed as lost and its
 * process never signalled; vigild restarted in the middle of a countdown
 * keeps it (one warning, the end on time).
 *
 * Prints "ok - ..." or "not ok - ..." per check and "N passed, N failed";
 * exits 1 if any failed.  Every process it starts is its own child,
 * stopped by pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"

#define DEADLINE_MS 5000
#define WARN_TEXT   "Vigil: this session has been idle"
#define RACE_N      50

static unsigned passed, failed;
static const char *tmp, *vigild_bin;

static struct daemon {
	pid_t pid;
	char dir[512], pam[800], log[800], db[800], conf[800];
} D = {.pid = -1};

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void die(const char *what)
{
	fprintf(stderr, "session_flow: %s\n", what);
	if (D.pid > 0)
		kill(D.pid, SIGTERM);
	exit(99);
}

/* ---------------------------------------------------------------- vigild */

static const char conf_text[] = "[policy]\nmode = learn\n"
                                "[session]\nidle_timeout = 0\n"
                                /* A terminal: warned at 3 s idle, ended at 6 s. */
                                "[service.idle]\nidle_timeout = 6\nidle_warning = 3\n"
                                /* No terminal: ended at 3 s without CPU or I/O. */
                                "[service.quiet]\nidle_timeout = 3\nnopty_idle = yes\n"
                                "[service.life]\nlifetime = 3\n"
                                "[service.oldest]\nmax_sessions = 2\non_excess = end_oldest\n"
                                "[service.race]\nmax_sessions = 2\non_excess = refuse\n"
                                "[service.plain]\nmax_sessions = 0\n"
                                "[service.countdown]\nidle_timeout = 10\nidle_warning = 6\n";

static void daemon_start(void)
{
	char state[700], run[700];
	int64_t deadline;
	struct stat st;
	FILE *f;
	int fd;

	snprintf(D.dir, sizeof(D.dir), "%s/sessions", tmp);
	snprintf(state, sizeof(state), "%s/state", D.dir);
	snprintf(run, sizeof(run), "%s/run", D.dir);
	snprintf(D.pam, sizeof(D.pam), "%s/" VIGIL_PAM_SOCKET_NAME, run);
	snprintf(D.log, sizeof(D.log), "%s/vigild.log", D.dir);
	snprintf(D.db, sizeof(D.db), "%s/vigil.db", state);
	snprintf(D.conf, sizeof(D.conf), "%s/vigil.conf", D.dir);
	if (stat(D.dir, &st) < 0) {
		if (mkdir(D.dir, 0755) < 0 || mkdir(state, 0700) < 0 || mkdir(run, 0755) < 0)
			die("mkdir");
		if (!(f = fopen(D.conf, "we")))
			die("writing the configuration");
		fputs(conf_text, f);
		fclose(f);
		chmod(D.conf, 0644);
	}
	fflush(NULL);
	if ((D.pid = fork()) < 0)
		die("fork");
	if (D.pid == 0) {
		const char *preload = getenv("VT_VIGILD_PRELOAD");
		const char *argv[] = {vigild_bin,      "--config", D.conf,    "--state-dir", state,
		                      "--runtime-dir", run,        "--debug", NULL};
		int log = open(D.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (log < 0 || dup2(log, STDERR_FILENO) < 0)
			_exit(127);
		if (preload && preload[0])
			setenv("LD_PRELOAD", preload, 1);
		execv(vigild_bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	deadline = clock_now_ms() + 10000;
	while (client_connect(D.pam, 0, clock_now_ms() + 1000, &fd) < 0) {
		if (clock_now_ms() > deadline || waitpid(D.pid, NULL, WNOHANG) == D.pid)
			die("vigild did not start");
		usleep(20000);
	}
	close(fd);
}

static void daemon_stop(void)
{
	if (D.pid <= 0)
		return;
	kill(D.pid, SIGTERM);
	waitpid(D.pid, NULL, 0);
	D.pid = -1;
}

/* Audit lines of vigild's stderr holding every one of the words (NULL
 * ended), counted after waiting up to wait_ms for at least one. */
static unsigned log_count(int wait_ms, ...)
{
	const char *words[8];
	char line[8192];
	int64_t deadline = clock_now_ms() + wait_ms;
	unsigned found;
	size_t n = 0;
	va_list ap;

	va_start(ap, wait_ms);
	while (n < 7 && (words[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	for (;;) {
		FILE *f = fopen(D.log, "re");

		found = 0;
		while (f && fgets(line, sizeof(line), f)) {
			bool all = strstr(line, "vigild: audit ") != NULL;

			for (size_t i = 0; all && i < n; i++)
				all = strstr(line, words[i]) != NULL;
			found += all;
		}
		if (f)
			fclose(f);
		if (found || clock_now_ms() > deadline)
			return found;
		usleep(100000);
	}
}

/* One number from the store (sqlite3 reads beside vigild: WAL). */
static long long db_int(const char *fmt, ...)
{
	char sql[512], cmd[1400], out[64] = "";
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", D.db, sql);
	if (!(p = popen(cmd, "r")))
		die("popen sqlite3");
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return strtoll(out, NULL, 10);
}

static void db_exec(const char *fmt, ...)
{
	char sql[512], cmd[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", D.db, sql);
	if (system(cmd) != 0)
		die("sqlite3");
}

/* ---------------------------------------------------------------- users */

static uid_t user_uid(const char *user)
{
	const char *path = getenv("NSS_WRAPPER_PASSWD");
	char line[512];
	size_t len = strlen(user);
	FILE *f;

	if (!path || !(f = fopen(path, "re")))
		die("no NSS_WRAPPER_PASSWD");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, user, len) == 0 && line[len] == ':') {
			char *p = strchr(line + len + 1, ':');

			fclose(f);
			if (!p)
				break;
			return (uid_t)strtoul(p + 1, NULL, 10);
		}
	die("user not in the nss_wrapper passwd");
	return 0;
}

/* ---------------------------------------------------------------- sessions */

struct child {
	pid_t pid;
	int master; /* -1: no terminal */
	char tty[64];
	uint16_t status;
	char id[VIGIL_LOGIN_ID_MAX + 1];
};

/* A child that opens a session of user through service, with a pty of
 * its own (tty) or none, then sleeps as the session's process; its answer
 * comes back through a pipe.  A refused child exits. */
static void child_open(const char *user, const char *service, bool tty, struct child *c)
{
	struct {
		uint16_t status;
		char id[VIGIL_LOGIN_ID_MAX + 1];
	} answer = {0};
	int pipefd[2], slave = -1;

	memset(c, 0, sizeof(*c));
	c->master = -1;
	snprintf(c->tty, sizeof(c->tty), "ssh");
	if (tty) {
		if (openpty(&c->master, &slave, c->tty, NULL, NULL) < 0)
			die("openpty");
		if (fchown(slave, user_uid(user), (gid_t)-1) < 0)
			die("fchown pty");
		fcntl(c->master, F_SETFD, FD_CLOEXEC);
		fcntl(c->master, F_SETFL, O_NONBLOCK);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe");
	fflush(NULL);
	if ((c->pid = fork()) < 0)
		die("fork");
	if (c->pid == 0) {
		struct vigil_msg req = {0}, reply = {0};
		int fd, devnull = open("/dev/null", O_RDWR);

		req.type = VIGIL_MSG_SESSION_OPEN;
		snprintf(req.u.session.user, sizeof(req.u.session.user), "%s", user);
		snprintf(req.u.session.service, sizeof(req.u.session.service), "%s", service);
		snprintf(req.u.session.tty, sizeof(req.u.session.tty), "%s", c->tty);
		snprintf(req.u.session.rhost, sizeof(req.u.session.rhost), "192.0.2.44");
		if (client_connect(D.pam, 0, clock_now_ms() + DEADLINE_MS, &fd) == 0 &&
		    client_call(fd, 1, &req, &reply, clock_now_ms() + DEADLINE_MS) == 0 &&
		    reply.type == VIGIL_MSG_RESULT) {
			answer.status = reply.u.result.status;
			snprintf(answer.id, sizeof(answer.id), "%s", reply.u.result.id);
		} else {
			answer.status = 0xffff;
		}
		if (write(pipefd[1], &answer, sizeof(answer)) != (ssize_t)sizeof(answer) ||
		    answer.status != VIGIL_STATUS_OK)
			_exit(0);
		/* The sleeper keeps nothing of ours but the pty. */
		dup2(slave >= 0 ? slave : devnull, 0);
		dup2(slave >= 0 ? slave : devnull, 1);
		dup2(devnull, 2);
		execl("/bin/sleep", "sleep", "120", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (slave >= 0)
		close(slave);
	if (read(pipefd[0], &answer, sizeof(answer)) != (ssize_t)sizeof(answer))
		die("no answer from a session child");
	close(pipefd[0]);
	c->status = answer.status;
	snprintf(c->id, sizeof(c->id), "%s", answer.id);
}

/* Waits up to ms for c to end; the signal that ended it, 0 if it is still
 * running, -1 if it exited. */
static int child_wait(struct child *c, int ms)
{
	int64_t deadline = clock_now_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid) {
			c->pid = -1;
			return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		}
		if (clock_now_ms() > deadline)
			return 0;
		usleep(50000);
	}
}

static void child_kill(struct child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = -1;
	}
	if (c->master >= 0)
		close(c->master);
	c->master = -1;
}

/* Everything on c's pty master so far, appended to buf. */
static void pty_drain(struct child *c, char *buf, size_t cap)
{
	size_t len = strlen(buf);
	ssize_t n;

	while (c->master >= 0 && len + 1 < cap && (n = read(c->master, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void tty_age(const struct child *c, int seconds)
{
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= seconds;
	ts[1] = ts[0];
	if (utimensat(AT_FDCWD, c->tty, ts, 0) < 0)
		die("utimensat");
}

/* ---------------------------------------------------------------- parts */

/* Idle with a terminal, idle without one, and the lifetime, side by side. */
static void part_idle_lifetime(void)
{
	struct child idle, quiet, life;
	char out[4096] = "";
	int64_t t0 = clock_now_ms(), t_warn = 0;
	int sig;

	child_open("alice", "idle", true, &idle);
	child_open("gina", "quiet", false, &quiet);
	child_open("bob", "life", false, &life);
	check(idle.status == VIGIL_STATUS_OK && quiet.status == VIGIL_STATUS_OK && life.status == VIGIL_STATUS_OK,
	      "three sessions opened (tty %s)", idle.tty);
	tty_age(&idle, 3600);

	while (clock_now_ms() - t0 < 5500 && !strstr(out, WARN_TEXT)) {
		pty_drain(&idle, out, sizeof(out));
		usleep(100000);
	}
	if (strstr(out, WARN_TEXT))
		t_warn = clock_now_ms();
	check(t_warn && t_warn - t0 >= 2000, "the idle warning appears on the pty after about 3 s (%lld ms)",
	      (long long)(t_warn - t0));
	check(child_wait(&idle, 0) == 0, "the session is still there while the warning runs");
	sig = child_wait(&idle, 6000);
	check(sig == SIGHUP, "the idle session's process is ended by SIGHUP (got %d) %lld ms after the warning", sig,
	      (long long)(clock_now_ms() - t_warn));
	pty_drain(&idle, out, sizeof(out));
	check(count_of(out, WARN_TEXT) == 1, "one warning line, with only Vigil's text");
	check(log_count(2000, "session_warn", idle.id, "VIGIL_RESULT=idle_warning", NULL) == 1,
	      "audit: one idle_warning");
	check(log_count(2000, "session_close", idle.id, "VIGIL_RESULT=idle_end", NULL) == 1, "audit: one idle_end");
	check(db_int("SELECT count(*) FROM sessions WHERE id = '%s' AND closed IS NOT NULL AND end_cause = 'idle_end'",
	             idle.id) == 1,
	      "store: closed with cause idle_end");

	sig = child_wait(&quiet, 4000);
	check(sig == SIGHUP, "a session without a terminal, no CPU or I/O, ended idle (signal %d)", sig);
	check(log_count(2000, "session_close", quiet.id, "VIGIL_RESULT=idle_end", NULL) == 1,
	      "audit: the no-terminal session's idle_end");
	sig = child_wait(&life, 4000);
	check(sig == SIGHUP, "the lifetime session ended (signal %d) %lld ms after its open", sig,
	      (long long)(clock_now_ms() - t0));
	check(log_count(2000, "session_close", life.id, "VIGIL_RESULT=lifetime_end", NULL) == 1,
	      "audit: one lifetime_end");
	child_kill(&idle);
	child_kill(&quiet);
	child_kill(&life);
}

static void part_end_oldest(void)
{
	struct child a, b, c;
	int sig;

	child_open("carol", "oldest", false, &a);
	child_open("carol", "oldest", false, &b);
	child_open("carol", "oldest", false, &c);
	check(a.status == VIGIL_STATUS_OK && b.status == VIGIL_STATUS_OK && c.status == VIGIL_STATUS_OK,
	      "end_oldest: the third session is let in");
	sig = child_wait(&a, 3000);
	check(sig == SIGHUP, "end_oldest: the oldest session's process is ended (signal %d)", sig);
	check(child_wait(&b, 0) == 0 && child_wait(&c, 0) == 0, "end_oldest: the other two run on");
	check(log_count(2000, "session_close", a.id, "VIGIL_RESULT=ended_oldest", NULL) == 1,
	      "audit: one ended_oldest");
	check(db_int("SELECT count(*) FROM sessions WHERE user = 'carol' AND closed IS NULL") == 2,
	      "end_oldest: two open sessions left");
	child_kill(&a);
	child_kill(&b);
	child_kill(&c);
}

static void part_race(void)
{
	struct child *c = calloc(RACE_N, sizeof(*c));
	pid_t pids[RACE_N];
	unsigned ok = 0, limit = 0, i;
	int gate[2];

	if (!c)
		die("out of memory");
	/* Every opener forks first and waits on one gate, so the 50 opens
	 * reach vigild together. */
	if (pipe(gate) < 0)
		die("pipe");
	for (i = 0; i < RACE_N; i++) {
		int res[2];

		if (pipe(res) < 0)
			die("pipe");
		fflush(NULL);
		if ((pids[i] = fork()) == 0) {
			struct child me;
			char byte;

			close(gate[1]);
			close(res[0]);
			if (read(gate[0], &byte, 1) < 0)
				_exit(1);
			child_open("dave", "race", false, &me);
			(void)!write(res[1], &me, sizeof(me));
			/* Keep the session's process (me.pid) alive: wait for it. */
			if (me.pid > 0)
				waitpid(me.pid, NULL, 0);
			_exit(0);
		}
		close(res[1]);
		c[i].master = res[0];
	}
	close(gate[0]);
	close(gate[1]); /* EOF: everyone goes */
	for (i = 0; i < RACE_N; i++) {
		struct child got;

		if (read(c[i].master, &got, sizeof(got)) == (ssize_t)sizeof(got)) {
			ok += got.status == VIGIL_STATUS_OK;
			limit += got.status == VIGIL_STATUS_SESSION_LIMIT;
		}
		close(c[i].master);
	}
	check(ok == 2 && limit == RACE_N - 2,
	      "%d opens at once with max_sessions = 2: %u let in, %u refused by the limit", RACE_N, ok, limit);
	check(db_int("SELECT count(*) FROM sessions WHERE user = 'dave' AND closed IS NULL") == 2,
	      "race: exactly 2 open sessions in the store");
	check(log_count(2000, "session_open", "dave", "VIGIL_RESULT=session_limit", NULL) == RACE_N - 2,
	      "race: every refusal audited");
	/* The openers' sleepers are their children: kill the group's sleepers
	 * through the openers (each waits for its sleeper). */
	for (i = 0; i < RACE_N; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	/* Orphaned sleepers of the 2 that got in: by pid from the store. */
	{
		char cmd[1200];
		FILE *p;
		long pid;

		snprintf(cmd, sizeof(cmd),
		         "sqlite3 '%s' \"SELECT pid FROM sessions WHERE user = 'dave' AND closed IS NULL\"", D.db);
		if ((p = popen(cmd, "r"))) {
			while (fscanf(p, "%ld", &pid) == 1)
				if (pid > 1)
					kill((pid_t)pid, SIGKILL);
			pclose(p);
		}
	}
	free(c);
}

/* A session whose recorded start time is not its pid's: the pid names
 * another process now.  Closed as lost at start, that process untouched. */
static void part_lost(void)
{
	struct child c;

	child_open("erin", "plain", false, &c);
	check(c.status == VIGIL_STATUS_OK, "lost: session opened");
	daemon_stop();
	db_exec("UPDATE sessions SET pid_start = pid_start + 7 WHERE id = '%s'", c.id);
	daemon_start();
	check(log_count(3000, "session_close", c.id, "VIGIL_RESULT=lost", NULL) == 1,
	      "lost: closed as lost (audit) when vigild starts");
	check(db_int("SELECT count(*) FROM sessions WHERE id = '%s' AND end_cause = 'lost'", c.id) == 1,
	      "lost: store says lost");
	check(child_wait(&c, 3000) == 0, "lost: the process holding that pid was never signalled");
	child_kill(&c);
}

/* vigild stopped after the warning and started again before the end: the
 * same countdown ends the session, with no second warning. */
static void part_restart(void)
{
	struct child c;
	char out[4096] = "";
	int64_t t0, t_warn = 0, t_start;
	long long warned;
	int sig;

	child_open("frank", "countdown", true, &c);
	check(c.status == VIGIL_STATUS_OK, "restart: session opened");
	tty_age(&c, 3600);
	t0 = clock_now_ms();
	while (clock_now_ms() - t0 < 7000 && !strstr(out, WARN_TEXT)) {
		pty_drain(&c, out, sizeof(out));
		usleep(100000);
	}
	if (strstr(out, WARN_TEXT))
		t_warn = clock_now_ms();
	check(t_warn != 0, "restart: warned after about 4 s");
	daemon_stop();
	warned = db_int("SELECT warned_at FROM sessions WHERE id = '%s'", c.id);
	check(warned > 0, "restart: the warning time is in the store");
	sleep(2);
	daemon_start();
	t_start = clock_now_ms();
	sig = child_wait(&c, 8000);
	check(sig == SIGHUP,
	      "restart: the session is ended (signal %d) %lld ms after the warning, %lld ms after the "
	      "restart",
	      sig, (long long)(clock_now_ms() - t_warn), (long long)(clock_now_ms() - t_start));
	check(clock_now_ms() - t_warn < 6000 + 2500, "restart: on the first countdown's time, not a new one");
	pty_drain(&c, out, sizeof(out));
	check(count_of(out, WARN_TEXT) == 1, "restart: one warning only");
	check(log_count(2000, "session_close", c.id, "VIGIL_RESULT=idle_end", NULL) == 1, "restart: one idle_end");
	child_kill(&c);
}

int main(void)
{
	tmp = getenv("VT_TMP");
	vigild_bin = getenv("VT_VIGILD");
	if (!tmp || !vigild_bin)
		die("VT_TMP and VT_VIGILD must be set (run tests/daemon/session_flow.sh)");
	signal(SIGPIPE, SIG_IGN);
	daemon_start();
	part_idle_lifetime();
	part_end_oldest();
	part_race();
	part_lost();
	part_restart();
	daemon_stop();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
