/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl status` (and the report of `vigilctl user show`): asks the
 * daemon for a user's state (STATUS_QUERY) and prints the STATUS_REPORT,
 * as text or JSON.  The report is checked by lib/proto.c; its strings
 * (remote hosts, fingerprints, services) may have been chosen by an
 * attacker at a login prompt, so they are printed through cli_put_safe()
 * or the JSON escaper.  Times are local ISO 8601 in text, Unix seconds in
 * JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "proto.h"

int cli_report_print(const struct vigil_status_report *s)
{
	char t1[CLI_TIME_MAX], t2[CLI_TIME_MAX], sig[256], dec[128];

	fputs("user: ", stdout);
	cli_put_safe(stdout, s->user);
	if (s->locked_until)
		printf("\nlocked: until %s\n", cli_time_str(s->locked_until, t1, sizeof(t1)));
	else
		fputs("\nlocked: not locked\n", stdout);
	if (s->suspended)
		fputs("suspended: yes (no login until vigilctl user resume)\n", stdout);

	fputs("factors:\n", stdout);
	if (s->n_factors == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_factors; i++) {
		const struct vigil_factor_info *f = &s->factors[i];

		printf("  %-6s ", cli_factor_name(f->type));
		if (f->type == VIGIL_FACTOR_FIDO2 || f->type == VIGIL_FACTOR_SSH_SK) {
			cli_put_safe(stdout, f->name);
			fputs("  ", stdout);
		} else if (f->type == VIGIL_FACTOR_RECOVERY) {
			printf("%u codes left, ", (unsigned)f->remaining);
		}
		printf("enrolled %s, last used %s\n", cli_time_str(f->created, t1, sizeof(t1)),
		       cli_time_str(f->last_used, t2, sizeof(t2)));
	}

	fputs("known devices:\n", stdout);
	if (s->n_devices == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_devices; i++) {
		fputs("  ", stdout);
		cli_put_safe(stdout, s->devices[i].fingerprint);
		printf("  first seen %s, last seen %s\n", cli_time_str(s->devices[i].first_seen, t1, sizeof(t1)),
		       cli_time_str(s->devices[i].last_seen, t2, sizeof(t2)));
	}

	fputs("known sources:\n", stdout);
	if (s->n_sources == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_sources; i++) {
		fputs("  ", stdout);
		cli_put_safe(stdout, s->sources[i].addr);
		printf("  first seen %s, last seen %s\n", cli_time_str(s->sources[i].first_seen, t1, sizeof(t1)),
		       cli_time_str(s->sources[i].last_seen, t2, sizeof(t2)));
	}

	fputs("step-up grants:\n", stdout);
	if (s->n_grants == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_grants; i++) {
		fputs("  device ", stdout);
		cli_put_safe(stdout, s->grants[i].device);
		fputs(" from ", stdout);
		cli_put_safe(stdout, s->grants[i].source[0] ? s->grants[i].source : "local");
		printf("  granted %s, expires %s\n", cli_time_str(s->grants[i].granted, t1, sizeof(t1)),
		       cli_time_str(s->grants[i].expires, t2, sizeof(t2)));
	}

	fputs("last logins:\n", stdout);
	if (s->n_logins == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < s->n_logins; i++) {
		const struct vigil_login_info *l = &s->logins[i];

		printf("  %s  ", cli_time_str(l->time, t1, sizeof(t1)));
		cli_put_safe(stdout, l->service[0] ? l->service : "-");
		fputs(" from ", stdout);
		cli_put_safe(stdout, l->rhost[0] ? l->rhost : "local");
		(void)signals_format(l->signals, sig, sizeof(sig));
		printf("  %s  score %" PRIu32 "  signals %s\n",
		       cli_decision_str(l->outcome, l->reason, l->shadow, dec, sizeof(dec)), l->score,
		       sig[0] ? sig : "none");
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "vigilctl: cannot write the report: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int cli_report_json(const struct vigil_status_report *s)
{
	struct json j;

	json_begin(&j, stdout);
	json_object_begin(&j, NULL);
	json_str(&j, "user", s->user);
	json_time(&j, "locked_until", s->locked_until);
	json_bool(&j, "suspended", s->suspended);
	json_array_begin(&j, "factors");
	for (size_t i = 0; i < s->n_factors; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "type", cli_factor_name(s->factors[i].type));
		if (s->factors[i].type == VIGIL_FACTOR_FIDO2 || s->factors[i].type == VIGIL_FACTOR_SSH_SK)
			json_str(&j, "name", s->factors[i].name);
		if (s->factors[i].type == VIGIL_FACTOR_RECOVERY)
			json_u64(&j, "remaining", s->factors[i].remaining);
		json_time(&j, "created", s->factors[i].created);
		json_time(&j, "last_used", s->factors[i].last_used);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "devices");
	for (size_t i = 0; i < s->n_devices; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "fingerprint", s->devices[i].fingerprint);
		json_time(&j, "first_seen", s->devices[i].first_seen);
		json_time(&j, "last_seen", s->devices[i].last_seen);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "sources");
	for (size_t i = 0; i < s->n_sources; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "address", s->sources[i].addr);
		json_time(&j, "first_seen", s->sources[i].first_seen);
		json_time(&j, "last_seen", s->sources[i].last_seen);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "grants");
	for (size_t i = 0; i < s->n_grants; i++) {
		json_object_begin(&j, NULL);
		json_str(&j, "device", s->grants[i].device);
		json_str(&j, "source", s->grants[i].source);
		json_time(&j, "granted", s->grants[i].granted);
		json_time(&j, "expires", s->grants[i].expires);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "logins");
	for (size_t i = 0; i < s->n_logins; i++) {
		const struct vigil_login_info *l = &s->logins[i];

		json_object_begin(&j, NULL);
		json_time(&j, "time", l->time);
		json_str(&j, "service", l->service);
		json_str(&j, "source", l->rhost);
		json_str(&j, "decision", outcome_name(l->outcome));
		json_str(&j, "reason", l->reason != VIGIL_REASON_NONE ? reason_name(l->reason) : NULL);
		json_str(&j, "shadow", l->shadow != VIGIL_SHADOW_NONE ? shadow_name(l->shadow) : NULL);
		json_str(&j, "mode", l->shadow != VIGIL_SHADOW_NONE ? shadow_mode_name(l->shadow) : NULL);
		json_u64(&j, "score", l->score);
		json_signals(&j, "signals", l->signals);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	if (json_end(&j) < 0) {
		fprintf(stderr, "vigilctl: cannot write the report: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int cli_report_verb(const struct cli_opts *o, const char *what, const char *path, const char *user, int json)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	int r = CLI_EXIT_FAIL;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_STATUS_QUERY;
	strcpy(req->u.user.user, user); /* length checked by the caller */
	if ((r = cli_request(path, o->timeout_ms, req, reply)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		cli_refused(what, user, reply->u.result.status,
		            reply->u.result.status == VIGIL_STATUS_PERMISSION ? "only root may ask about another user"
		                                                              : NULL);
		goto out;
	}
	if (reply->type != VIGIL_MSG_STATUS_REPORT) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	r = json ? cli_report_json(&reply->u.report) : cli_report_print(&reply->u.report);
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

int verb_status(const struct cli_opts *o, int argc, char **argv)
{
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	const char *user = "";
	int json = 0, opt;

	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'u' && cli_check_user(optarg) == 0)
			user = optarg;
		else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	return cli_report_verb(o, "status", o->socket_path, user, json);
usage:
	fputs("vigilctl: usage: vigilctl status [--user NAME] [--json]\n", stderr);
	return CLI_EXIT_USAGE;
}
