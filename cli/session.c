/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigilctl sessions, session end, user suspend and user resume.  Sessions
 * are asked for on the public socket, where vigild shows a user its own and
 * root everyone's; suspension is an admin verb (admin socket).  Strings from
 * the daemon (a host, a device) are printed through cli_put_safe().
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static int usage(const char *use)
{
	fprintf(stderr, "vigilctl: usage: %s\n", use);
	return CLI_EXIT_USAGE;
}

static const char *band_name(uint8_t band)
{
	switch (band) {
	case VIGIL_BAND_PLAIN:
		return "plain";
	case VIGIL_BAND_STEPPED_UP:
		return "stepped_up";
	case VIGIL_BAND_NEW_DEVICE:
		return "new_device";
	default:
		return "unknown";
	}
}

/* "-" for an empty string, else the string made safe. */
static void put_field(const char *s)
{
	if (s[0])
		cli_put_safe(stdout, s);
	else
		fputs("-", stdout);
	fputs("  ", stdout);
}

static void session_print(const struct vigil_session_info *e)
{
	char t1[CLI_TIME_MAX], t2[CLI_TIME_MAX], t3[CLI_TIME_MAX];

	printf("%s  ", e->id);
	put_field(e->user);
	put_field(e->service);
	put_field(e->source);
	put_field(e->device);
	put_field(e->tty);
	printf("started %s  active %s  idle %llus  ends %s  %s\n", cli_time_str(e->started, t1, sizeof(t1)),
	       cli_time_str(e->last_activity, t2, sizeof(t2)), (unsigned long long)e->idle,
	       e->ends_at ? cli_time_str(e->ends_at, t3, sizeof(t3)) : "-", band_name(e->band));
}

static void session_json(struct json *j, const struct vigil_session_info *e)
{
	json_object_begin(j, NULL);
	json_str(j, "id", e->id);
	json_str(j, "user", e->user);
	json_str(j, "service", e->service);
	json_str(j, "source", e->source);
	json_str(j, "device", e->device);
	json_str(j, "tty", e->tty);
	json_time(j, "started", e->started);
	json_time(j, "last_activity", e->last_activity);
	json_u64(j, "idle", e->idle);
	json_time(j, "ends_at", e->ends_at);
	json_str(j, "band", band_name(e->band));
	json_object_end(j);
}

/* Parses [--user NAME] [--json] and no operands. */
static int list_opts(int argc, char **argv, const char **ret_user, int *ret_json)
{
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	const char *user = "";
	int json = 0, opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'u') {
			if (cli_check_user(optarg) < 0)
				return -EINVAL;
			user = optarg;
		} else if (opt == 'j')
			json = 1;
		else
			return -EINVAL;
	}
	if (optind != argc)
		return -EINVAL;
	*ret_user = user;
	*ret_json = json;
	return 0;
}

int verb_sessions(const struct cli_opts *o, int argc, char **argv)
{
	static const char use[] = "vigilctl sessions [--user NAME] [--json]";
	struct vigil_msg *req = NULL, *reply = NULL;
	struct json j = {0};
	const char *user;
	size_t total = 0;
	int json, r = CLI_EXIT_FAIL;

	if (list_opts(argc, argv, &user, &json) < 0)
		return usage(use);
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	if (json) {
		json_begin(&j, stdout);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "sessions");
	}
	req->type = VIGIL_MSG_SESSION_LIST;
	strcpy(req->u.session_list_req.user, user); /* length checked */
	for (;;) {
		const struct vigil_session_list *page = &reply->u.sessions;

		if ((r = cli_request(o->socket_path, o->timeout_ms, req, reply)) != 0)
			goto out;
		if (reply->type == VIGIL_MSG_RESULT) {
			r = cli_refused("sessions", user[0] ? user : NULL, reply->u.result.status,
			                reply->u.result.status == VIGIL_STATUS_PERMISSION
			                    ? "only root sees others' sessions"
			                    : NULL);
			goto out;
		}
		if (reply->type != VIGIL_MSG_SESSION_LIST_REPLY) {
			cli_print_unexpected("sessions", reply->type);
			r = CLI_EXIT_FAIL;
			goto out;
		}
		/* Ids come sorted, after the cursor: anything else could page
		 * forever. */
		for (size_t i = 0; i < page->n_sessions; i++) {
			const char *prev = i ? page->sessions[i - 1].id : req->u.session_list_req.after_id;

			if (strcmp(page->sessions[i].id, prev) <= 0) {
				fputs("vigilctl: sessions: vigild sent a page out of order\n", stderr);
				r = CLI_EXIT_FAIL;
				goto out;
			}
		}
		for (size_t i = 0; i < page->n_sessions; i++) {
			if (json)
				session_json(&j, &page->sessions[i]);
			else
				session_print(&page->sessions[i]);
		}
		total += page->n_sessions;
		if (!page->more || page->n_sessions == 0)
			break;
		snprintf(req->u.session_list_req.after_id, sizeof(req->u.session_list_req.after_id), "%s",
		         page->sessions[page->n_sessions - 1].id);
	}
	if (json) {
		json_array_end(&j);
		json_object_end(&j);
		r = cli_json_done(&j);
	} else {
		if (total == 0)
			puts("no open sessions");
		r = cli_out_flush();
	}
out:
	json_free(&j);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

int verb_session(const struct cli_opts *o, int argc, char **argv)
{
	static const char use[] = "vigilctl session end ID | vigilctl session end --user NAME";
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = NULL, *id = NULL;
	int r = CLI_EXIT_FAIL;

	if (argc == 4 && strcmp(argv[1], "end") == 0 && strcmp(argv[2], "--user") == 0)
		user = argv[3];
	else if (argc == 3 && strcmp(argv[1], "end") == 0 && strncmp(argv[2], "--user=", 7) == 0)
		user = argv[2] + 7;
	else if (argc == 3 && strcmp(argv[1], "end") == 0 && argv[2][0] != '-')
		id = argv[2];
	else
		return usage(use);
	if (user && cli_check_user(user) < 0)
		return CLI_EXIT_USAGE;
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_SESSION_END;
	if (id && cli_field_copy(req->u.session_end.id, sizeof(req->u.session_end.id), id) < 0) {
		fprintf(stderr, "vigilctl: session end: no such session: ");
		cli_put_safe(stderr, id);
		fputc('\n', stderr);
		goto out;
	}
	if (user)
		strcpy(req->u.session_end.user, user); /* length checked */
	if ((r = cli_request(o->socket_path, o->timeout_ms, req, reply)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected("session end", reply->type);
		goto out;
	}
	if (reply->u.result.status == VIGIL_STATUS_NOT_FOUND && id) {
		/* Also what a user hears of another's session. */
		fputs("vigilctl: session end: no such session: ", stderr);
		cli_put_safe(stderr, id);
		fputc('\n', stderr);
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		r = cli_refused("session end", user, reply->u.result.status,
		                reply->u.result.status == VIGIL_STATUS_PERMISSION ? "only root ends others' sessions"
		                                                                  : NULL);
		goto out;
	}
	if (id)
		printf("session %s ended\n", reply->u.result.id);
	else {
		printf("%u session%s of ", (unsigned)reply->u.result.remaining,
		       reply->u.result.remaining == 1 ? "" : "s");
		cli_put_safe(stdout, user);
		puts(" ended");
	}
	r = cli_out_flush();
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

int cli_user_suspend(const struct cli_opts *o, int argc, char **argv)
{
	bool on = strcmp(argv[0], "suspend") == 0;
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *what = on ? "user suspend" : "user resume";
	int r = CLI_EXIT_FAIL;

	if (argc != 2 || argv[1][0] == '-')
		return usage(on ? "vigilctl user suspend NAME" : "vigilctl user resume NAME");
	if (cli_check_user(argv[1]) < 0)
		return CLI_EXIT_USAGE;
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = on ? VIGIL_MSG_ADMIN_USER_SUSPEND : VIGIL_MSG_ADMIN_USER_RESUME;
	strcpy(req->u.user.user, argv[1]); /* length checked */
	if ((r = cli_request(o->admin_socket_path, o->timeout_ms, req, reply)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	if (reply->u.result.status == VIGIL_STATUS_NOT_FOUND) {
		fputs("vigilctl: user resume: not suspended, never seen here: ", stderr);
		cli_put_safe(stderr, argv[1]);
		fputc('\n', stderr);
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		r = cli_refused(what, argv[1], reply->u.result.status, NULL);
		goto out;
	}
	cli_put_safe(stdout, argv[1]);
	if (on)
		printf(" suspended: new logins denied, %u session%s ended\n", (unsigned)reply->u.result.remaining,
		       reply->u.result.remaining == 1 ? "" : "s");
	else
		puts(" resumed: may log in again");
	r = cli_out_flush();
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}
