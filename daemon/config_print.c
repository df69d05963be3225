/* SPDX-License-Identifier: BSD-3-Clause */
/* The effective configuration in vigil.conf syntax (see config_print.h). */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "config_entries.h"
#include "config_print.h"

static void print_cidrs(FILE *f, const char *key, const struct cidr *list, unsigned n)
{
	char text[INET6_ADDRSTRLEN];
	unsigned i;

	/* One entry a line: list keys append, and a long list must not make a
	 * line longer than the parser accepts. */
	for (i = 0; i < n; i++) {
		if (inet_ntop(list[i].family, list[i].addr, text, sizeof(text)))
			fprintf(f, "%s = %s/%u\n", key, text, list[i].prefix);
	}
}

void config_print(const struct vigil_config *c, FILE *f)
{
	unsigned i;

	fprintf(f, "[risk]\n");
	fprintf(f, "new_device = %u\nnew_source = %u\nnew_prefix = %u\n", c->new_device, c->new_source, c->new_prefix);
	fprintf(f, "stale_account = %u\nstale_account_days = %u\n", c->stale_account, c->stale_account_days);
	fprintf(f, "stale_device = %u\nstale_device_days = %u\n", c->stale_device, c->stale_device_days);
	fprintf(f, "user_failures = %u\nuser_failures_min = %u\n", c->user_failures, c->user_failures_min);
	fprintf(f, "source_failures = %u\nsource_failures_min = %u\n", c->source_failures, c->source_failures_min);
	fprintf(f, "failure_window = %u\nprivileged = %u\n", c->failure_window, c->privileged);

	fprintf(f, "\n[policy]\n");
	fprintf(f, "stepup_at = %u\ndeny_at = %u\nfresh_window = %u\ngrant_lifetime = %u\n", c->stepup_at, c->deny_at,
	        c->fresh_window, c->grant_lifetime);
	fprintf(f, "mode = %s\nno_factor = %s\nenroll_grace = %u\n", config_mode_name(c->mode),
	        config_no_factor_name(c->no_factor), c->enroll_grace);
	if (c->enroll_since) {
		time_t t = (time_t)c->enroll_since;
		struct tm tm;
		char date[16];

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		fprintf(f, "enroll_since = %s\n", date);
	}

	fprintf(f, "\n[totp]\n");
	fprintf(f, "digits = %u\nperiod = %u\nwindow = %u\nissuer = %s\n", c->totp_digits, c->totp_period,
	        c->totp_window, c->totp_issuer);

	fprintf(f, "\n[lockout]\n");
	fprintf(f, "deny = %u\ninterval = %u\nunlock = %u\nsource_max = %u\nsource_window = %u\n", c->lockout_deny,
	        c->lockout_interval, c->lockout_unlock, c->source_rate_max, c->source_rate_window);

	fprintf(f, "\n[network]\n");
	print_cidrs(f, "allow", c->allow, c->n_allow);
	print_cidrs(f, "deny", c->deny, c->n_deny);

	fprintf(f, "\n[session]\nmax_sessions = %u\n", c->max_sessions);
	fprintf(f, "\n[store]\nhistory_days = %u\n", c->history_days);

	for (i = 0; i < c->n_services; i++) {
		const struct service_policy *s = &c->services[i];

		fprintf(f, "\n[service.%s]\n", s->name);
		if (s->stepup_at >= 0)
			fprintf(f, "stepup_at = %d\n", (int)s->stepup_at);
		if (s->deny_at >= 0)
			fprintf(f, "deny_at = %d\n", (int)s->deny_at);
		if (s->fresh_window >= 0)
			fprintf(f, "fresh_window = %d\n", (int)s->fresh_window);
		if (s->privileged >= 0)
			fprintf(f, "privileged = %s\n", s->privileged ? "yes" : "no");
		if (s->mode >= 0)
			fprintf(f, "mode = %s\n", config_mode_name((enum vigil_mode)s->mode));
	}
}
