/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl report`: what enforcement would have decided of the logins of a
 * period, the numbers to read before switching a roll-out from learn to
 * shadow and from shadow to enforce.  Root on the admin socket (the daemon
 * checks the peer); changes nothing.  Names from the daemon (users,
 * services) are printed through cli_put_safe() or the JSON escaper.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "proto.h"

static int usage(void)
{
	fputs("vigilctl: usage: vigilctl report [--since DATE|DURATION] [--json]\n", stderr);
	return CLI_EXIT_USAGE;
}

/* One table: a name column, then allow (unless a reasons table, whose
 * allow is always 0), step-up and deny. */
static void rows_print(const char *title, const struct vigil_report_rows *t, int with_allow)
{
	printf("\n%-24s %s%8s %8s\n", title, with_allow ? "   allow" : "", "stepup", "deny");
	if (t->n == 0)
		puts("  (none)");
	for (uint16_t i = 0; i < t->n; i++) {
		const struct vigil_report_row *e = &t->rows[i];
		int len = (int)strlen(e->name);

		fputs("  ", stdout);
		cli_put_safe(stdout, e->name);
		/* A long name pushes its row along rather than being cut. */
		printf("%*s", len < 22 ? 22 - len : 0, "");
		if (with_allow)
			printf(" %8" PRIu64, e->allow);
		printf("%8" PRIu64 " %8" PRIu64 "\n", e->stepup, e->deny);
	}
	if (t->more)
		puts("  (more rows not shown: those with the fewest step-ups and denials)");
}

static void report_print(const struct vigil_rollout_report *p)
{
	char a[CLI_TIME_MAX], b[CLI_TIME_MAX];

	printf("Logins from %s to %s: %" PRIu64 " (decided under learn %" PRIu64 ", shadow %" PRIu64
	       ", enforce %" PRIu64 ")\n",
	       p->since ? cli_time_str(p->since, a, sizeof(a)) : "the oldest kept",
	       cli_time_str(p->until, b, sizeof(b)), p->logins, p->by_mode[VIGIL_MODE_LEARN],
	       p->by_mode[VIGIL_MODE_SHADOW], p->by_mode[VIGIL_MODE_ENFORCE]);
	printf("As enforcement would decide: allow %" PRIu64 ", step up %" PRIu64 ", deny %" PRIu64 "\n", p->allow,
	       p->stepup, p->deny);
	printf("Let in only by learn or shadow mode: %" PRIu64 "\n", p->waived);
	rows_print("Would not allow, by reason", &p->reasons, 0);
	rows_print("By service", &p->services, 1);
	rows_print("By user", &p->users, 1);
}

static void rows_json(struct json *j, const char *key, const struct vigil_report_rows *t)
{
	json_array_begin(j, key);
	for (uint16_t i = 0; i < t->n; i++) {
		json_object_begin(j, NULL);
		json_str(j, "name", t->rows[i].name);
		json_u64(j, "allow", t->rows[i].allow);
		json_u64(j, "stepup", t->rows[i].stepup);
		json_u64(j, "deny", t->rows[i].deny);
		json_object_end(j);
	}
	json_array_end(j);
}

/* The fields are those of vigilctl(1). */
static int report_json(const struct vigil_rollout_report *p)
{
	struct json j = {0};
	int r;

	json_begin(&j, stdout);
	json_object_begin(&j, NULL);
	json_time(&j, "since", p->since);
	json_time(&j, "until", p->until);
	json_u64(&j, "logins", p->logins);
	json_object_begin(&j, "would");
	json_u64(&j, "allow", p->allow);
	json_u64(&j, "stepup", p->stepup);
	json_u64(&j, "deny", p->deny);
	json_object_end(&j);
	json_object_begin(&j, "mode");
	json_u64(&j, "enforce", p->by_mode[VIGIL_MODE_ENFORCE]);
	json_u64(&j, "shadow", p->by_mode[VIGIL_MODE_SHADOW]);
	json_u64(&j, "learn", p->by_mode[VIGIL_MODE_LEARN]);
	json_object_end(&j);
	json_u64(&j, "waived", p->waived);
	rows_json(&j, "reasons", &p->reasons);
	rows_json(&j, "services", &p->services);
	rows_json(&j, "users", &p->users);
	json_bool(&j, "more", p->reasons.more || p->services.more || p->users.more);
	json_object_end(&j);
	r = cli_json_done(&j);
	json_free(&j);
	return r;
}

int verb_report(const struct cli_opts *o, int argc, char **argv)
{
	enum { O_JSON = 1, O_SINCE };
	static const struct option options[] = {
	    {"json", no_argument, NULL, O_JSON},
	    {"since", required_argument, NULL, O_SINCE},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *since = NULL;
	int json = 0, opt, r = CLI_EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == O_JSON)
			json = 1;
		else if (opt == O_SINCE)
			since = optarg;
		else
			return usage();
	}
	if (optind != argc)
		return usage();
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_REPORT;
	if (since && cli_since_parse(since, (uint64_t)time(NULL), &req->u.report_req.since) < 0) {
		fputs("vigilctl: usage: --since wants YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or a duration such as 12h, "
		      "7d, 2w\n",
		      stderr);
		r = CLI_EXIT_USAGE;
		goto out;
	}
	if ((r = cli_admin_ask(o, "report", NULL, req, reply, VIGIL_MSG_ROLLOUT_REPORT)) != 0)
		goto out;
	if (json) {
		r = report_json(&reply->u.rollout);
		goto out;
	}
	report_print(&reply->u.rollout);
	r = cli_out_flush();
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}
