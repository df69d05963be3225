/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session-hold: a login that stays, for the demo's idle scene.  What sshd
 * does for a terminal session, without the network: a pseudo-terminal
 * whose slave is the user's (mode 0620, as a login's pty), PAM_TTY naming
 * it, then pam_authenticate, pam_acct_mgmt and pam_open_session through
 * one handle, so pam_vigil records this process (its pid and start time)
 * as the session's.  It then stays, copying whatever is written on the
 * terminal (vigild's warning line) to stdout, until a SIGHUP (vigild ending
 * the session) or SIGTERM, or the time limit.  Nothing reads the terminal,
 * so it goes idle from the open.  pamtester cannot do this: it exits after
 * pam_open_session, and vigild closes a session whose process is gone as
 * lost.
 *
 *   session-hold SERVICE USER UID RHOST SECONDS
 *
 * PAM prompts are answered with lines of stdin; PAM messages are printed.
 * Exit: 0 ended by SIGHUP or SIGTERM, 1 a PAM step failed, 2 the time limit
 * passed with the session still there, 3 a usage or system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **ret, void *data)
{
	struct pam_response *resp;
	char line[256];
	int i;

	(void)data;
	if (n <= 0 || !(resp = calloc((size_t)n, sizeof(*resp))))
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			/* The answer is never echoed. */
			printf("%s\n", msg[i]->msg);
			if (!fgets(line, sizeof(line), stdin))
				line[0] = '\0';
			line[strcspn(line, "\n")] = '\0';
			resp[i].resp = strdup(line);
			explicit_bzero(line, sizeof(line));
			break;
		default:
			printf("%s\n", msg[i]->msg);
			break;
		}
	}
	fflush(stdout);
	*ret = resp;
	return PAM_SUCCESS;
}

/* What was written on the terminal, without the CRs and the bell. */
static void copy_out(int master)
{
	char buf[512];
	ssize_t n, i;

	while ((n = read(master, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] != '\r' && buf[i] != '\a')
				putchar(buf[i]);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	struct pam_conv pc = {conv, NULL};
	struct sigaction sa = {.sa_handler = on_signal};
	pam_handle_t *h = NULL;
	char *slave_name;
	struct pollfd pf;
	time_t end;
	uid_t uid;
	int master, slave, r;

	if (argc != 6) {
		fprintf(stderr, "usage: session-hold SERVICE USER UID RHOST SECONDS\n");
		return 3;
	}
	uid = (uid_t)strtoul(argv[3], NULL, 10);
	end = time(NULL) + atoi(argv[5]);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The terminal, the user's as a login makes it. */
	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0 || grantpt(master) < 0 ||
	    unlockpt(master) < 0 || !(slave_name = ptsname(master)) || chown(slave_name, uid, (gid_t)-1) < 0 ||
	    chmod(slave_name, 0620) < 0) {
		perror("session-hold: the pseudo-terminal");
		return 3;
	}
	/* Held open, as a login shell would. */
	if ((slave = open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		perror("session-hold: the terminal");
		return 3;
	}
	if ((r = pam_start(argv[1], argv[2], &pc, &h)) != PAM_SUCCESS || (r = pam_set_item(h, PAM_TTY, slave_name)) ||
	    (argv[4][0] && (r = pam_set_item(h, PAM_RHOST, argv[4]))) || (r = pam_authenticate(h, 0)) ||
	    (r = pam_acct_mgmt(h, 0)) || (r = pam_open_session(h, 0))) {
		printf("session-hold: %s\n", h ? pam_strerror(h, r) : "pam_start failed");
		if (h)
			pam_end(h, r);
		return 1;
	}
	printf("session open on %s (pid %ld); nobody types on it\n", slave_name, (long)getpid());
	fflush(stdout);
	pf.fd = master;
	pf.events = POLLIN;
	while (!got_signal && time(NULL) < end) {
		if (poll(&pf, 1, 250) > 0)
			copy_out(master);
	}
	copy_out(master);
	if (got_signal) {
		printf("session-hold got %s: the session was ended\n", got_signal == SIGHUP ? "SIGHUP" : "SIGTERM");
		/* vigild closed the session: no pam_close_session of ours. */
		pam_end(h, PAM_SUCCESS | PAM_DATA_SILENT);
		return 0;
	}
	printf("session-hold: still open after %s s\n", argv[5]);
	pam_close_session(h, 0);
	pam_end(h, PAM_SUCCESS);
	close(slave);
	return 2;
}
