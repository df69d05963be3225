/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The read-only admin verbs: `users`, `user show`, `history`, `daemon` and
 * `config`, over the admin socket (root only: the daemon checks the peer,
 * the socket's mode keeps others out).  None changes anything.  Long
 * answers come in pages of at most VIGIL_LIST_MAX entries, each one frame;
 * users and history are read page by page from a cursor, config by offset,
 * with a generation that must not change between pages (a reload in the
 * middle is read again).  Strings from the daemon are printed through
 * cli_put_safe() or the JSON escaper.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "parse.h"
#include "proto.h"

/* history --limit: default and bound (the daemon keeps at most about
 * 1000 logins a user; the bound only stops a typo from paging forever). */
#define HISTORY_LIMIT_DEFAULT 20
#define HISTORY_LIMIT_MAX     1000000
/* A configuration reloaded while its pages were read is read again, this
 * many times at most. */
#define CONFIG_TRIES 3

static int usage(const char *text)
{
	fprintf(stderr, "vigilctl: usage: %s\n", text);
	return CLI_EXIT_USAGE;
}

/* Parses the verb's options: --json always, the others when their
 * pointer is given.  Returns 0, or a usage error. */
struct read_opts {
	int json;
	const char *user, *service, *decision, *since, *limit;
};

static int read_opts_parse(int argc, char **argv, struct read_opts *ro, unsigned allowed, int operands)
{
	enum { O_JSON = 1, O_USER = 2, O_SERVICE = 4, O_DECISION = 8, O_SINCE = 16, O_LIMIT = 32 };
	static const struct option options[] = {
	    {"json", no_argument, NULL, O_JSON},
	    {"user", required_argument, NULL, O_USER},
	    {"service", required_argument, NULL, O_SERVICE},
	    {"decision", required_argument, NULL, O_DECISION},
	    {"since", required_argument, NULL, O_SINCE},
	    {"limit", required_argument, NULL, O_LIMIT},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	memset(ro, 0, sizeof(*ro));
	/* Options may follow the operand: "user show alice --json". */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?' || opt <= 0 || !(allowed & (unsigned)opt))
			return -EINVAL;
		switch (opt) {
		case O_JSON:
			ro->json = 1;
			break;
		case O_USER:
			if (cli_check_user(optarg) < 0)
				return -EINVAL;
			ro->user = optarg;
			break;
		case O_SERVICE:
			ro->service = optarg;
			break;
		case O_DECISION:
			ro->decision = optarg;
			break;
		case O_SINCE:
			ro->since = optarg;
			break;
		case O_LIMIT:
			ro->limit = optarg;
			break;
		}
	}
	return argc - optind == operands ? 0 : -EINVAL;
}

/* Opens a JSON answer that lists: {"name": [ */
static void json_list_begin(struct json *j, const char *name)
{
	json_begin(j, stdout);
	json_object_begin(j, NULL);
	json_array_begin(j, name);
}

/* ---- users ---- */

/* The name column: wide enough for most names; a longer one pushes its
 * row along rather than being cut. */
#define USERS_NAME_COL 16

static void users_header(void)
{
	printf("%-*s  %7s  %-25s  %-25s  %s\n", USERS_NAME_COL, "NAME", "FACTORS", "LAST LOGIN", "LAST ATTEMPT",
	       "LOCKED / SUSPENDED");
}

static void user_print(const struct vigil_user_summary *u, uint64_t now)
{
	char t1[CLI_TIME_MAX], t2[CLI_TIME_MAX], t3[CLI_TIME_MAX];
	size_t len = strlen(u->name);

	cli_put_safe(stdout, u->name);
	printf("%*s  %7u  %-25s  %-25s  %s%s%s\n", len < USERS_NAME_COL ? (int)(USERS_NAME_COL - len) : 0, "",
	       (unsigned)u->factors, cli_time_str(u->last_success, t1, sizeof(t1)),
	       cli_time_str(u->last_login, t2, sizeof(t2)), u->locked_until > now ? "until " : "no",
	       u->locked_until > now ? cli_time_str(u->locked_until, t3, sizeof(t3)) : "",
	       u->suspended ? ", suspended" : "");
}

static void user_json(struct json *j, const struct vigil_user_summary *u, uint64_t now)
{
	json_object_begin(j, NULL);
	json_str(j, "name", u->name);
	json_u64(j, "factors", u->factors);
	json_time(j, "first_seen", u->first_seen);
	json_time(j, "last_success", u->last_success);
	json_time(j, "last_login", u->last_login);
	json_time(j, "locked_until", u->locked_until > now ? u->locked_until : 0);
	json_bool(j, "locked", u->locked_until > now);
	json_bool(j, "suspended", u->suspended);
	json_object_end(j);
}

int verb_users(const struct cli_opts *o, int argc, char **argv)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	uint64_t now = (uint64_t)time(NULL);
	struct read_opts ro;
	struct json j = {0};
	size_t total = 0;
	int r = CLI_EXIT_FAIL;

	if (read_opts_parse(argc, argv, &ro, 1, 0) < 0)
		return usage("vigilctl users [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	if (ro.json)
		json_list_begin(&j, "users");
	req->type = VIGIL_MSG_ADMIN_USERS; /* the first page: after "" */
	for (;;) {
		const struct vigil_user_list *page = &reply->u.users;

		if ((r = cli_admin_ask(o, "users", NULL, req, reply, VIGIL_MSG_USER_LIST)) != 0)
			goto out;
		/* Names come sorted, after the cursor: anything else could page
		 * forever. */
		for (size_t i = 0; i < page->n_users; i++) {
			const char *prev = i ? page->users[i - 1].name : req->u.user.user;

			if (strcmp(page->users[i].name, prev) <= 0) {
				fputs("vigilctl: users: vigild sent a page out of order\n", stderr);
				r = CLI_EXIT_FAIL;
				goto out;
			}
		}
		if (!ro.json && total == 0 && page->n_users > 0)
			users_header();
		for (size_t i = 0; i < page->n_users; i++) {
			if (ro.json)
				user_json(&j, &page->users[i], now);
			else
				user_print(&page->users[i], now);
		}
		total += page->n_users;
		/* A page that claims more but holds nothing would loop. */
		if (!page->more || page->n_users == 0)
			break;
		snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", page->users[page->n_users - 1].name);
	}
	if (ro.json) {
		json_array_end(&j);
		json_object_end(&j);
		r = cli_json_done(&j);
	} else {
		if (total == 0)
			puts("no users yet");
		r = cli_out_flush();
	}
out:
	json_free(&j);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* ---- user show ---- */

int verb_user(const struct cli_opts *o, int argc, char **argv)
{
	static const char use[] = "vigilctl user show NAME [--json]";
	struct read_opts ro;

	if (argc >= 2 && (strcmp(argv[1], "suspend") == 0 || strcmp(argv[1], "resume") == 0))
		return cli_user_suspend(o, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "show") != 0)
		return usage(use);
	argc--;
	argv++;
	if (read_opts_parse(argc, argv, &ro, 1, 1) < 0)
		return usage(use);
	/* getopt moved the one operand last. */
	if (cli_check_user(argv[argc - 1]) < 0)
		return CLI_EXIT_USAGE;
	return cli_report_verb(o, "user show", o->admin_socket_path, argv[argc - 1], ro.json);
}

/* ---- history ---- */

int cli_since_parse(const char *s, uint64_t now, uint64_t *ret)
{
	static const char *const formats[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
	size_t len = strlen(s);
	uint64_t n, unit;
	char num[24];

	if (len >= 2 && len < sizeof(num) && strchr("smhdw", s[len - 1]) && s[0] >= '0' && s[0] <= '9') {
		unit = s[len - 1] == 's'   ? 1
		       : s[len - 1] == 'm' ? 60
		       : s[len - 1] == 'h' ? 3600
		       : s[len - 1] == 'd' ? 86400
		                           : 604800;
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		if (parse_u64(num, now / unit, &n) < 0)
			return -EINVAL;
		*ret = now - n * unit;
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm;
		const char *end;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (!end || *end)
			continue;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t < 0)
			return -EINVAL;
		*ret = (uint64_t)t;
		return 0;
	}
	return -EINVAL;
}

static int decision_parse(const char *s, uint8_t *ret)
{
	if (strcmp(s, "allow") == 0)
		*ret = VIGIL_HISTORY_ALLOW;
	else if (strcmp(s, "deny") == 0)
		*ret = VIGIL_HISTORY_DENY;
	else if (strcmp(s, "shadow") == 0)
		*ret = VIGIL_HISTORY_SHADOW;
	else if (strcmp(s, "learn") == 0)
		*ret = VIGIL_HISTORY_LEARN;
	else if (strcmp(s, "any") == 0)
		*ret = VIGIL_HISTORY_ANY;
	else
		return -EINVAL;
	return 0;
}

static void login_print(const struct vigil_history_entry *e)
{
	char t[CLI_TIME_MAX], sig[256], dec[128];

	printf("%s  ", cli_time_str(e->time, t, sizeof(t)));
	cli_put_safe(stdout, e->user);
	fputs("  ", stdout);
	cli_put_safe(stdout, e->service[0] ? e->service : "-");
	fputs(" from ", stdout);
	cli_put_safe(stdout, e->source[0] ? e->source : "local");
	(void)signals_format(e->signals, sig, sizeof(sig));
	printf("  %s%s  score %" PRIu32 "  signals %s  id %s\n",
	       cli_decision_str(e->outcome, e->reason, e->shadow, dec, sizeof(dec)),
	       e->stepped_up ? " (stepped up)" : "", e->score, sig[0] ? sig : "none", e->login_id);
}

static void login_json(struct json *j, const struct vigil_history_entry *e)
{
	json_object_begin(j, NULL);
	json_str(j, "login_id", e->login_id);
	json_time(j, "time", e->time);
	json_str(j, "user", e->user);
	json_str(j, "service", e->service);
	json_str(j, "source", e->source);
	json_str(j, "device", e->device);
	json_str(j, "decision", outcome_name(e->outcome));
	json_str(j, "reason", e->reason != VIGIL_REASON_NONE ? reason_name(e->reason) : NULL);
	json_str(j, "shadow", e->shadow != VIGIL_SHADOW_NONE ? shadow_name(e->shadow) : NULL);
	json_str(j, "mode", e->shadow != VIGIL_SHADOW_NONE ? shadow_mode_name(e->shadow) : NULL);
	json_bool(j, "stepped_up", e->stepped_up != 0);
	json_u64(j, "score", e->score);
	json_signals(j, "signals", e->signals);
	json_object_end(j);
}

int verb_history(const struct cli_opts *o, int argc, char **argv)
{
	static const char use[] = "vigilctl history [--user NAME] [--service S] [--decision allow|deny|shadow|learn] "
	                          "[--since DATE|DURATION] [--limit N] [--json]";
	struct vigil_msg *req = NULL, *reply = NULL;
	struct vigil_history_request *q;
	uint64_t limit = HISTORY_LIMIT_DEFAULT, shown = 0;
	struct read_opts ro;
	struct json j = {0};
	bool more = false;
	int r = CLI_EXIT_FAIL;

	if (read_opts_parse(argc, argv, &ro, 1 | 2 | 4 | 8 | 16 | 32, 0) < 0)
		return usage(use);
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_HISTORY;
	q = &req->u.history_req;
	if (ro.user)
		strcpy(q->user, ro.user); /* length checked */
	if (ro.service && (strlen(ro.service) == 0 || strlen(ro.service) > VIGIL_SERVICE_MAX)) {
		r = usage("--service wants a PAM service name (1 to 63 bytes)");
		goto out;
	}
	if (ro.service)
		strcpy(q->service, ro.service);
	if (ro.decision && decision_parse(ro.decision, &q->decision) < 0) {
		r = usage("--decision wants allow, deny, shadow or learn");
		goto out;
	}
	if (ro.since && cli_since_parse(ro.since, (uint64_t)time(NULL), &q->since) < 0) {
		r = usage("--since wants YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or a duration such as 30m, 12h, 7d, 2w");
		goto out;
	}
	if (ro.limit && (parse_u64(ro.limit, HISTORY_LIMIT_MAX, &limit) < 0 || limit == 0)) {
		r = usage("--limit wants a number from 1 to 1000000");
		goto out;
	}
	if (ro.json)
		json_list_begin(&j, "logins");
	for (;;) {
		const struct vigil_history_page *page = &reply->u.history;
		size_t i;

		if ((r = cli_admin_ask(o, "history", ro.user, req, reply, VIGIL_MSG_HISTORY_PAGE)) != 0)
			goto out;
		for (i = 0; i < page->n_logins && shown < limit; i++, shown++) {
			if (ro.json)
				login_json(&j, &page->logins[i]);
			else
				login_print(&page->logins[i]);
		}
		if (i < page->n_logins || (shown >= limit && page->more)) {
			more = true;
			break;
		}
		if (!page->more || page->n_logins == 0)
			break;
		/* The next page starts after the last login of this one. */
		q->before_time = page->logins[page->n_logins - 1].time;
		strcpy(q->before_id, page->logins[page->n_logins - 1].login_id);
	}
	if (ro.json) {
		json_array_end(&j);
		json_bool(&j, "more", more);
		json_object_end(&j);
		r = cli_json_done(&j);
	} else {
		if (shown == 0)
			puts("no logins match");
		if (more)
			printf("(older logins not shown: raise --limit, now %" PRIu64 ")\n", limit);
		r = cli_out_flush();
	}
out:
	json_free(&j);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* ---- daemon ---- */

static void daemon_print(const struct vigil_daemon_report *d)
{
	char t[CLI_TIME_MAX];

	fputs("version: ", stdout);
	cli_put_safe(stdout, d->version);
	printf("\npid: %" PRIu32 "\n", d->pid);
	printf("started: %s\n", cli_time_str(d->started, t, sizeof(t)));
	printf("uptime: %" PRIu64 " s\n", d->uptime);
	printf("configuration loaded: %s\n", cli_time_str(d->config_loaded, t, sizeof(t)));
	printf("decisions since start: allow %" PRIu64 ", deny %" PRIu64 ", step-up asked %" PRIu64
	       ", let in by shadow or learn mode %" PRIu64 "\n",
	       d->allowed, d->denied, d->stepups, d->shadowed);
	for (size_t i = 0; i < d->n_reasons; i++)
		printf("  denied for %s: %" PRIu64 "\n", reason_name(d->reasons[i].reason), d->reasons[i].count);
	printf("audit: %" PRIu32 " queued (of %" PRIu32 "), spill %s, %" PRIu64 " to stderr only, %" PRIu64 " lost\n",
	       d->audit_queued, d->audit_queue_max, d->audit_spill_pending ? "pending" : "empty", d->audit_undelivered,
	       d->audit_lost);
	printf("database: %" PRIu64 " bytes, write-ahead log %" PRIu64 " bytes\n", d->db_bytes, d->wal_bytes);
	printf("users: %" PRIu32 ", open sessions: %" PRIu32 ", login records: %" PRIu64 "\n", d->users,
	       d->sessions_open, d->logins);
}

static void daemon_json(struct json *j, const struct vigil_daemon_report *d)
{
	json_object_begin(j, NULL);
	json_str(j, "version", d->version);
	json_u64(j, "pid", d->pid);
	json_time(j, "started", d->started);
	json_u64(j, "uptime", d->uptime);
	json_time(j, "config_loaded", d->config_loaded);
	json_object_begin(j, "decisions");
	json_u64(j, "allow", d->allowed);
	json_u64(j, "deny", d->denied);
	json_u64(j, "stepup", d->stepups);
	json_u64(j, "shadow", d->shadowed);
	json_object_begin(j, "deny_reasons");
	for (size_t i = 0; i < d->n_reasons; i++)
		json_u64(j, reason_name(d->reasons[i].reason), d->reasons[i].count);
	json_object_end(j);
	json_object_end(j);
	json_object_begin(j, "audit");
	json_u64(j, "queued", d->audit_queued);
	json_u64(j, "queue_max", d->audit_queue_max);
	json_bool(j, "spill_pending", d->audit_spill_pending != 0);
	json_u64(j, "undelivered", d->audit_undelivered);
	json_u64(j, "lost", d->audit_lost);
	json_object_end(j);
	json_object_begin(j, "database");
	json_u64(j, "bytes", d->db_bytes);
	json_u64(j, "wal_bytes", d->wal_bytes);
	json_u64(j, "users", d->users);
	json_u64(j, "sessions_open", d->sessions_open);
	json_u64(j, "logins", d->logins);
	json_object_end(j);
	json_object_end(j);
}

int verb_daemon(const struct cli_opts *o, int argc, char **argv)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	struct read_opts ro;
	struct json j = {0};
	int r = CLI_EXIT_FAIL;

	if (read_opts_parse(argc, argv, &ro, 1, 0) < 0)
		return usage("vigilctl daemon [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_DAEMON;
	if ((r = cli_admin_ask(o, "daemon", NULL, req, reply, VIGIL_MSG_DAEMON_REPORT)) != 0)
		goto out;
	if (ro.json) {
		json_begin(&j, stdout);
		daemon_json(&j, &reply->u.daemon);
		r = cli_json_done(&j);
	} else {
		daemon_print(&reply->u.daemon);
		r = cli_out_flush();
	}
out:
	json_free(&j);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* ---- config ---- */

/* Reads every page of one generation into *ret (heap, caller frees) and
 * its count into *ret_n.  Returns 0 or an exit status. */
static int config_read(const struct cli_opts *o, struct vigil_msg *req, struct vigil_msg *reply,
                       struct vigil_config_entry **ret, size_t *ret_n)
{
	struct vigil_config_entry *all = NULL;
	int r = CLI_EXIT_FAIL;

	for (int tries = 0; tries < CONFIG_TRIES; tries++) {
		uint64_t generation = 0;
		size_t n = 0, total = 0;

		free(all);
		all = NULL;
		req->type = VIGIL_MSG_ADMIN_CONFIG;
		req->u.page_req.offset = 0;
		for (;;) {
			const struct vigil_config_page *page = &reply->u.config;

			if ((r = cli_admin_ask(o, "config", NULL, req, reply, VIGIL_MSG_CONFIG_PAGE)) != 0)
				goto out;
			if (n == 0) {
				generation = page->generation;
				total = page->total;
				all = calloc(total ? total : 1, sizeof(*all));
				if (!all) {
					fputs("vigilctl: out of memory\n", stderr);
					r = CLI_EXIT_FAIL;
					goto out;
				}
			}
			if (page->generation != generation || page->total != total || page->offset != n)
				break; /* reloaded meanwhile: read it again */
			if (n + page->n_entries > total) {
				fputs("vigilctl: config: vigild sent more entries than it announced\n", stderr);
				r = CLI_EXIT_FAIL;
				goto out;
			}
			memcpy(all + n, page->entries, page->n_entries * sizeof(*all));
			n += page->n_entries;
			if (n == total) {
				*ret = all;
				*ret_n = n;
				return 0;
			}
			if (page->n_entries == 0) {
				fputs("vigilctl: config: vigild sent an empty page\n", stderr);
				r = CLI_EXIT_FAIL;
				goto out;
			}
			req->u.page_req.offset = (uint16_t)n;
		}
	}
	fputs("vigilctl: config: the configuration kept being reloaded; try again\n", stderr);
	r = CLI_EXIT_FAIL;
out:
	free(all);
	return r;
}

int verb_config(const struct cli_opts *o, int argc, char **argv)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	struct vigil_config_entry *all = NULL;
	const char *section = "";
	struct read_opts ro;
	struct json j = {0};
	size_t n = 0;
	int r = CLI_EXIT_FAIL;

	if (read_opts_parse(argc, argv, &ro, 1, 0) < 0)
		return usage("vigilctl config [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	if ((r = config_read(o, req, reply, &all, &n)) != 0)
		goto out;
	if (ro.json) {
		json_list_begin(&j, "entries");
		for (size_t i = 0; i < n; i++) {
			json_object_begin(&j, NULL);
			json_str(&j, "section", all[i].section);
			json_str(&j, "key", all[i].key);
			json_str(&j, "value", all[i].value);
			json_str(&j, "file", all[i].file[0] ? all[i].file : NULL);
			if (all[i].line)
				json_u64(&j, "line", all[i].line);
			else
				json_null(&j, "line");
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		r = cli_json_done(&j);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int len;

		if (strcmp(section, all[i].section) != 0) {
			section = all[i].section;
			fputs(i ? "\n[" : "[", stdout);
			cli_put_safe(stdout, section);
			fputs("]\n", stdout);
		}
		/* key = value, then where it came from as a comment, so the
		 * output still reads as a vigil.conf. */
		len = printf("%s = ", all[i].key);
		cli_put_safe(stdout, all[i].value);
		len += (int)strlen(all[i].value);
		printf("%*s# ", len < 32 ? 32 - len : 1, "");
		if (all[i].file[0]) {
			cli_put_safe(stdout, all[i].file);
			printf(":%" PRIu32 "\n", all[i].line);
		} else {
			puts("default");
		}
	}
	r = cli_out_flush();
out:
	free(all);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}
