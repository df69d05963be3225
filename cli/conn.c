/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigilctl's side of the daemon socket: lib/client.c does the checks (root
 * socket, root directory, root peer) and the framing; this file turns each
 * failure into the one line the user sees.  Replies are trusted only as far
 * as lib/proto.c checked them; strings in them are printed through
 * cli_put_safe().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "cli.h"
#include "client.h"
#include "escape.h"
#include "proto.h"
#include "wipe.h"

/* The daemon runs as root; nothing else may answer on its sockets. */
#define VIGILD_UID 0

/* True when this user may not search the directory holding path: then the
 * directory, not the socket or the user's rights on vigild, is what to fix
 * (a runtime directory made 0700 under a tight umask, say). */
static bool socket_dir_denied(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) < 0)
		return errno == EACCES || errno == EPERM;
	return faccessat(AT_FDCWD, dir, X_OK, AT_EACCESS) < 0 && (errno == EACCES || errno == EPERM);
}

int cli_conn_open(struct cli_conn *c, const char *path, int64_t timeout_ms)
{
	char dir[PATH_MAX];
	int fd = -1, r;

	*c = (struct cli_conn){.fd = -1, .path = path, .timeout_ms = timeout_ms, .next_id = 1};
	r = client_connect(path, VIGILD_UID, clock_now_ms() + timeout_ms, &fd);
	if ((r == -EACCES || r == -EPERM) && socket_dir_denied(path, dir, sizeof(dir))) {
		fprintf(stderr, "vigilctl: cannot reach vigild at %s: permission denied on the socket directory %s\n",
		        path, dir);
		/* A setup to fix, not a refusal of this user: unreachable. */
		r = -ENXIO;
		goto out;
	}
	if (r == -EPERM) {
		fprintf(stderr, "vigilctl: refusing to talk to %s: not a root-owned socket in a root-owned directory\n",
		        path);
		goto out;
	}
	if (r == -EACCES) {
		fprintf(stderr, "vigilctl: cannot reach vigild at %s: %s (not allowed for this user)\n", path,
		        strerror(-r));
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "vigilctl: cannot reach vigild at %s: %s (is vigild running?)\n", path, strerror(-r));
		goto out;
	}
	c->fd = fd;
	r = 0;
out:
	return r;
}

int cli_conn_call(struct cli_conn *c, const struct vigil_msg *req, struct vigil_msg *ret_reply)
{
	int r;

	r = client_call(c->fd, c->next_id++, req, ret_reply, clock_now_ms() + c->timeout_ms);
	if (r == -ETIMEDOUT)
		fprintf(stderr, "vigilctl: no answer from vigild at %s within %lld s\n", c->path,
		        (long long)(c->timeout_ms / 1000));
	else if (r == -ECONNRESET || r == -EPIPE)
		fprintf(stderr, "vigilctl: vigild at %s closed the connection\n", c->path);
	else if (r < 0)
		fprintf(stderr, "vigilctl: bad answer from vigild at %s: %s\n", c->path, strerror(-r));
	return r;
}

void cli_conn_close(struct cli_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int cli_conn_exit(int err)
{
	return err == -EACCES ? CLI_EXIT_FAIL : CLI_EXIT_UNREACHABLE;
}

int cli_request(const char *path, int64_t timeout_ms, const struct vigil_msg *req, struct vigil_msg *reply)
{
	struct cli_conn c = {.fd = -1};
	int r;

	if ((r = cli_conn_open(&c, path, timeout_ms)) < 0 || (r = cli_conn_call(&c, req, reply)) < 0)
		r = cli_conn_exit(r);
	cli_conn_close(&c);
	return r;
}

struct vigil_msg *cli_msg_new(void)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));

	if (!m)
		fputs("vigilctl: out of memory\n", stderr);
	return m;
}

void cli_msg_free(struct vigil_msg *m)
{
	wipe_free(m, sizeof(*m));
}

void cli_print_status(const char *what, uint16_t status, const char *hint)
{
	fprintf(stderr, "vigilctl: %s: vigild refused: %s%s%s%s\n", what, status_name(status), hint ? " (" : "",
	        hint ? hint : "", hint ? ")" : "");
}

void cli_print_unexpected(const char *what, uint8_t type)
{
	fprintf(stderr, "vigilctl: %s: unexpected answer %s from vigild\n", what, msg_type_name(type));
}

int cli_refused(const char *what, const char *name, uint16_t status, const char *hint)
{
	if (status == VIGIL_STATUS_UNKNOWN_USER && name && name[0]) {
		fprintf(stderr, "vigilctl: %s: no such user: ", what);
		cli_put_safe(stderr, name);
		fputc('\n', stderr);
	} else {
		cli_print_status(what, status, hint);
	}
	return CLI_EXIT_FAIL;
}

int cli_admin_ask(const struct cli_opts *o, const char *what, const char *name, const struct vigil_msg *req,
                  struct vigil_msg *reply, uint8_t want)
{
	int r = cli_request(o->admin_socket_path, o->timeout_ms, req, reply);

	if (r != 0)
		return r;
	if (reply->type == VIGIL_MSG_RESULT)
		return cli_refused(what, name, reply->u.result.status,
		                   reply->u.result.status == VIGIL_STATUS_PERMISSION ? "the admin socket is for root"
		                                                                     : NULL);
	if (reply->type != want) {
		cli_print_unexpected(what, reply->type);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

void cli_put_safe(FILE *f, const char *s)
{
	mbstate_t st;
	size_t left = strlen(s);

	memset(&st, 0, sizeof(st));
	while (left > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, left, &st);

		/* Invalid or cut-off sequences, C0 and C1 controls, anything the
		 * locale cannot print, and characters that reorder or hide text
		 * (bidirectional overrides, zero-width) become one '?' a byte. */
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0 || !iswprint((wint_t)wc) ||
		    escape_cp_unsafe((uint32_t)wc)) {
			fputc('?', f);
			memset(&st, 0, sizeof(st));
			n = 1;
		} else {
			fwrite(s, 1, n, f);
		}
		s += n;
		left -= n;
	}
}

int cli_user_option(int argc, char **argv, const char *usage, const char **ret_user)
{
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	const char *user = "";
	int opt;

	while ((opt = getopt_long(argc, argv, "+u:", options, NULL)) != -1) {
		if (opt != 'u' || cli_check_user(optarg) < 0)
			goto usage;
		user = optarg;
	}
	if (optind != argc)
		goto usage;
	*ret_user = user;
	return 0;
usage:
	fprintf(stderr, "vigilctl: usage: %s\n", usage);
	return -EINVAL;
}

int cli_check_user(const char *user)
{
	size_t n = strlen(user);

	if (n == 0 || n > VIGIL_USER_MAX) {
		fprintf(stderr, "vigilctl: invalid user name (1 to %d bytes)\n", VIGIL_USER_MAX);
		return -EINVAL;
	}
	return 0;
}

int cli_field_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}
