/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl status`: asks the daemon for a user's state (STATUS_QUERY) and
 * prints the STATUS_REPORT.  The report is checked by lib/proto.c; its
 * strings (remote hosts, fingerprints, services) may have been chosen by an
 * attacker at a login prompt, so they are printed through cli_put_safe().
 * Times are local ISO 8601.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "proto.h"

/* "2024-05-01T13:45:07+02:00": room for years past 9999 too. */
#define TIME_STR_MAX 48

/* Formats a Unix time in local ISO 8601; 0 is "never". */
static const char *time_str(uint64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;

	if (t == 0) {
		snprintf(buf, cap, "never");
		return buf;
	}
	if ((uint64_t)tt != t || !localtime_r(&tt, &tm) || (n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S%z", &tm)) < 5) {
		snprintf(buf, cap, "@%" PRIu64, t);
		return buf;
	}
	/* strftime's %z is +hhmm; ISO 8601's extended form is +hh:mm. */
	if (n + 1 < cap) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
	return buf;
}

static const char *factor_name(uint8_t type)
{
	switch (type) {
	case VIGIL_FACTOR_TOTP:
		return "totp";
	case VIGIL_FACTOR_FIDO2:
		return "fido2";
	default:
		return "unknown";
	}
}

static void print_report(const struct vigil_status_report *s)
{
	char t1[TIME_STR_MAX], t2[TIME_STR_MAX], sig[256];

	fputs("user: ", stdout);
	cli_put_safe(stdout, s->user);
	if (s->locked_until)
		printf("\nlocked: until %s\n", time_str(s->locked_until, t1, sizeof(t1)));
	else
		fputs("\nlocked: not locked\n", stdout);

	fputs("factors:\n", stdout);
	if (s->n_factors == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_factors; i++)
		printf("  %-6s enrolled %s, last used %s\n", factor_name(s->factors[i].type),
		       time_str(s->factors[i].created, t1, sizeof(t1)),
		       time_str(s->factors[i].last_used, t2, sizeof(t2)));

	fputs("known devices:\n", stdout);
	if (s->n_devices == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_devices; i++) {
		fputs("  ", stdout);
		cli_put_safe(stdout, s->devices[i].fingerprint);
		printf("  first seen %s, last seen %s\n", time_str(s->devices[i].first_seen, t1, sizeof(t1)),
		       time_str(s->devices[i].last_seen, t2, sizeof(t2)));
	}

	fputs("known sources:\n", stdout);
	if (s->n_sources == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_sources; i++) {
		fputs("  ", stdout);
		cli_put_safe(stdout, s->sources[i].addr);
		printf("  first seen %s, last seen %s\n", time_str(s->sources[i].first_seen, t1, sizeof(t1)),
		       time_str(s->sources[i].last_seen, t2, sizeof(t2)));
	}

	fputs("last logins:\n", stdout);
	if (s->n_logins == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_logins; i++) {
		const struct vigil_login_info *l = &s->logins[i];

		printf("  %s  ", time_str(l->time, t1, sizeof(t1)));
		cli_put_safe(stdout, l->service[0] ? l->service : "-");
		fputs(" from ", stdout);
		cli_put_safe(stdout, l->rhost[0] ? l->rhost : "local");
		(void)signals_format(l->signals, sig, sizeof(sig));
		printf("  %s  score %" PRIu32 "  signals %s\n", l->outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny",
		       l->score, sig[0] ? sig : "none");
	}
}

int verb_status(const struct cli_opts *o, int argc, char **argv)
{
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = "";
	int r = CLI_EXIT_FAIL;

	if (cli_user_option(argc, argv, "vigilctl status [--user NAME]", &user) < 0)
		return CLI_EXIT_USAGE;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_STATUS_QUERY;
	strcpy(req->u.user.user, user); /* length checked above */
	if (cli_conn_open(&c, o->socket_path, o->timeout_ms) < 0 || cli_conn_call(&c, req, reply) < 0)
		goto out;
	if (reply->type == VIGIL_MSG_RESULT) {
		cli_print_status(
		    "status", reply->u.result.status,
		    reply->u.result.status == VIGIL_STATUS_PERMISSION ? "only root may ask about another user" : NULL);
		goto out;
	}
	if (reply->type != VIGIL_MSG_STATUS_REPORT) {
		cli_print_unexpected("status", reply->type);
		goto out;
	}
	print_report(&reply->u.report);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "vigilctl: cannot write the report: %s\n", strerror(errno));
		goto out;
	}
	r = CLI_EXIT_OK;
out:
	cli_conn_close(&c);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}
