/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The effective configuration as entries (see config_entries.h).  Trusts
 * the configuration (config.c checked it); every string is still written
 * with snprintf into its bounded field.  A service key left to inherit is
 * not listed: the [policy] value it inherits is.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "config_entries.h"

struct walk {
	const struct vigil_config *c;
	struct vigil_config_entry *out;
	size_t cap, n;
};

static void add(struct walk *w, const char *section, const char *key, unsigned nth, const char *value)
{
	struct vigil_config_entry *e;
	uint32_t line = 0;
	const char *file;

	if (w->n < w->cap) {
		e = &w->out[w->n];
		memset(e, 0, sizeof(*e));
		snprintf(e->section, sizeof(e->section), "%s", section);
		snprintf(e->key, sizeof(e->key), "%s", key);
		snprintf(e->value, sizeof(e->value), "%s", value);
		file = config_origin_find(&w->c->origins, section, key, nth, &line);
		snprintf(e->file, sizeof(e->file), "%s", file);
		e->line = line;
	}
	w->n++;
}

static void add_u32(struct walk *w, const char *section, const char *key, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	add(w, section, key, 0, buf);
}

/* The session keys a [service.NAME] or [session.BAND] section set. */
static void add_session_policy(struct walk *w, const char *section, const struct session_policy *p)
{
	if (p->max_sessions >= 0)
		add_u32(w, section, "max_sessions", (uint32_t)p->max_sessions);
	if (p->max_sessions_per_source >= 0)
		add_u32(w, section, "max_sessions_per_source", (uint32_t)p->max_sessions_per_source);
	if (p->on_excess >= 0)
		add(w, section, "on_excess", 0, p->on_excess == ON_EXCESS_END_OLDEST ? "end_oldest" : "refuse");
	if (p->idle_timeout >= 0)
		add_u32(w, section, "idle_timeout", (uint32_t)p->idle_timeout);
	if (p->idle_warning >= 0)
		add_u32(w, section, "idle_warning", (uint32_t)p->idle_warning);
	if (p->lifetime >= 0)
		add_u32(w, section, "lifetime", (uint32_t)p->lifetime);
	if (p->nopty_idle >= 0)
		add(w, section, "nopty_idle", 0, p->nopty_idle ? "yes" : "no");
}

const char *config_no_factor_name(enum no_factor_action a)
{
	switch (a) {
	case NO_FACTOR_ENROLL:
		return "enroll";
	case NO_FACTOR_ALLOW:
		return "allow";
	case NO_FACTOR_DENY:
		break;
	}
	return "deny";
}

static void add_nets(struct walk *w, const char *key, const struct cidr *list, unsigned n)
{
	char text[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];

	for (unsigned i = 0; i < n; i++) {
		if (!inet_ntop(list[i].family, list[i].addr, text, sizeof(text)))
			continue;
		snprintf(buf, sizeof(buf), "%s/%u", text, list[i].prefix);
		add(w, "network", key, i, buf);
	}
}

size_t config_entries(const struct vigil_config *c, struct vigil_config_entry *out, size_t cap)
{
	struct walk w = {.c = c, .out = out, .cap = cap, .n = 0};
	char section[VIGIL_CONF_SECTION_MAX + 1];
	char methods[64];

	add_u32(&w, "risk", "new_device", c->new_device);
	add_u32(&w, "risk", "new_source", c->new_source);
	add_u32(&w, "risk", "new_prefix", c->new_prefix);
	add_u32(&w, "risk", "stale_account", c->stale_account);
	add_u32(&w, "risk", "stale_account_days", c->stale_account_days);
	add_u32(&w, "risk", "stale_device", c->stale_device);
	add_u32(&w, "risk", "stale_device_days", c->stale_device_days);
	add_u32(&w, "risk", "user_failures", c->user_failures);
	add_u32(&w, "risk", "user_failures_min", c->user_failures_min);
	add_u32(&w, "risk", "source_failures", c->source_failures);
	add_u32(&w, "risk", "source_failures_min", c->source_failures_min);
	add_u32(&w, "risk", "failure_window", c->failure_window);
	add_u32(&w, "risk", "privileged", c->privileged);

	add_u32(&w, "policy", "stepup_at", c->stepup_at);
	add_u32(&w, "policy", "deny_at", c->deny_at);
	add_u32(&w, "policy", "fresh_window", c->fresh_window);
	add_u32(&w, "policy", "grant_lifetime", c->grant_lifetime);
	add(&w, "policy", "mode", 0, config_mode_name(c->mode));
	add(&w, "policy", "no_factor", 0, config_no_factor_name(c->no_factor));
	add_u32(&w, "policy", "enroll_grace", c->enroll_grace);
	if (c->enroll_since) {
		time_t t = (time_t)c->enroll_since;
		struct tm tm;
		char date[16];

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		add(&w, "policy", "enroll_since", 0, date);
	}

	method_list_format(&c->methods, methods, sizeof(methods));
	add(&w, "policy", "methods", 0, methods);
	add_u32(&w, "policy", "strong_at", c->strong_at);
	method_list_format(&c->strong_methods, methods, sizeof(methods));
	add(&w, "policy", "strong_methods", 0, methods);

	add(&w, "fido2", "rp_id", 0, c->fido2_rp_id);
	add(&w, "fido2", "user_verification", 0, c->fido2_uv ? "yes" : "no");
	add(&w, "fido2", "allow_none_attestation", 0, c->fido2_allow_none ? "yes" : "no");
	add_u32(&w, "fido2", "touch_timeout", c->fido2_timeout);

	add_u32(&w, "totp", "digits", c->totp_digits);
	add_u32(&w, "totp", "period", c->totp_period);
	add_u32(&w, "totp", "window", c->totp_window);
	add(&w, "totp", "issuer", 0, c->totp_issuer);

	add_u32(&w, "lockout", "deny", c->lockout_deny);
	add_u32(&w, "lockout", "interval", c->lockout_interval);
	add_u32(&w, "lockout", "unlock", c->lockout_unlock);
	add_u32(&w, "lockout", "source_max", c->source_rate_max);
	add_u32(&w, "lockout", "source_window", c->source_rate_window);

	add_nets(&w, "allow", c->allow, c->n_allow);
	add_nets(&w, "deny", c->deny, c->n_deny);

	add_u32(&w, "session", "max_sessions", c->max_sessions);
	add_u32(&w, "session", "max_sessions_per_source", c->max_sessions_per_source);
	add(&w, "session", "on_excess", 0, c->on_excess == ON_EXCESS_END_OLDEST ? "end_oldest" : "refuse");
	add_u32(&w, "session", "idle_timeout", c->idle_timeout);
	add_u32(&w, "session", "idle_warning", c->idle_warning);
	add_u32(&w, "session", "lifetime", c->lifetime);
	add(&w, "session", "nopty_idle", 0, c->nopty_idle ? "yes" : "no");
	for (unsigned b = 0; b < CONFIG_SESSION_BANDS; b++) {
		snprintf(section, sizeof(section), "session.%s", b == 0 ? "stepped_up" : "new_device");
		add_session_policy(&w, section, &c->session_band[b]);
	}
	add_u32(&w, "store", "history_days", c->history_days);

	for (unsigned i = 0; i < c->n_services && i < CONFIG_SERVICES_MAX; i++) {
		const struct service_policy *s = &c->services[i];

		snprintf(section, sizeof(section), "service.%s", s->name);
		if (s->stepup_at >= 0)
			add_u32(&w, section, "stepup_at", (uint32_t)s->stepup_at);
		if (s->deny_at >= 0)
			add_u32(&w, section, "deny_at", (uint32_t)s->deny_at);
		if (s->fresh_window >= 0)
			add_u32(&w, section, "fresh_window", (uint32_t)s->fresh_window);
		if (s->privileged >= 0)
			add(&w, section, "privileged", 0, s->privileged ? "yes" : "no");
		if (s->mode >= 0)
			add(&w, section, "mode", 0, config_mode_name((enum vigil_mode)s->mode));
		if (s->methods.n > 0) {
			method_list_format(&s->methods, methods, sizeof(methods));
			add(&w, section, "methods", 0, methods);
		}
		if (s->strong_at >= 0)
			add_u32(&w, section, "strong_at", (uint32_t)s->strong_at);
		add_session_policy(&w, section, &s->session);
	}
	return w.n;
}
