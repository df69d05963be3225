/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil.conf: the admin's policy.  Parsed with inih from the main file and
 * then every *.conf in <main>.d/ in lexical order (later values override).
 * Unknown sections or keys, bad values and over-long lines are errors that
 * name the file and line.  The defaults below are the documented ones
 * (conf/vigil.conf repeats them with comments).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "vigil/proto.h"
#include "config_methods.h"
#include "config_origin.h"

#define CONFIG_LINE_MAX     1024 /* longer lines are rejected, not split */
#define CONFIG_SERVICES_MAX 16   /* per-service override sections */
#define CONFIG_NETS_MAX     64   /* CIDR entries per list */

enum no_factor_action {
	NO_FACTOR_DENY = 0, /* deny with a message telling how to enroll */
	NO_FACTOR_ENROLL,   /* in-band enrollment within the grace period */
	NO_FACTOR_ALLOW,    /* allow, audited */
};

enum on_excess {
	ON_EXCESS_REFUSE = 0, /* a new session over a limit is refused */
	ON_EXCESS_END_OLDEST, /* the oldest open session(s) over it are ended */
};

/* The session keys of [service.NAME], [session.stepped_up] and
 * [session.new_device]; -1 = not set there. */
struct session_policy {
	int32_t max_sessions;
	int32_t max_sessions_per_source;
	int32_t on_excess; /* enum on_excess */
	int32_t idle_timeout;
	int32_t idle_warning;
	int32_t lifetime;
	int32_t nopty_idle; /* 0 no, 1 yes */
};

/* The risk bands with a [session.*] section of their own (store.h's
 * STORE_BAND_* minus one). */
#define CONFIG_SESSION_BANDS 2

struct service_policy {
	char name[VIGIL_SERVICE_MAX + 1];
	int32_t stepup_at;          /* -1 = inherit [policy] */
	int32_t deny_at;            /* -1 = inherit */
	int32_t fresh_window;       /* -1 = inherit; seconds, 0 = no fresh step-up needed */
	int8_t privileged;          /* -1 = inherit (sudo, su are privileged) */
	int8_t mode;                /* -1 = inherit [policy] mode; else enum vigil_mode */
	struct method_list methods; /* n = 0: inherit [policy] methods */
	int32_t strong_at;          /* -1 = inherit */
	struct session_policy session;
};

struct vigil_config {
	/* [risk]: points per signal and their thresholds */
	uint32_t new_device;          /* 40 */
	uint32_t new_source;          /* 20 */
	uint32_t new_prefix;          /* 20, on top of new_source */
	uint32_t stale_account;       /* 20 */
	uint32_t stale_account_days;  /* 30 */
	uint32_t stale_device;        /* 10 */
	uint32_t stale_device_days;   /* 30 */
	uint32_t user_failures;       /* 20 */
	uint32_t user_failures_min;   /* 3: failures in failure_window to fire */
	uint32_t source_failures;     /* 20 */
	uint32_t source_failures_min; /* 5 */
	uint32_t failure_window;      /* 3600 seconds */
	uint32_t privileged;          /* 30 */

	/* [policy] */
	uint32_t stepup_at;              /* 30: score >= this steps up */
	uint32_t deny_at;                /* 100: score >= this denies */
	uint32_t fresh_window;           /* 300 s: privileged services need a step-up this fresh */
	uint32_t grant_lifetime;         /* 43200 s: a step-up grant for user+device+source */
	enum vigil_mode mode;            /* enforce; `shadow = yes` (the old key) means shadow */
	bool shadow;                     /* the old key as written; mode is what counts */
	enum no_factor_action no_factor; /* deny */
	uint32_t enroll_grace;           /* 86400 s: how long in-band / self enrollment stays open; 0 = never */
	uint64_t enroll_since;           /* 0 = unset: the grace runs from this admin-set date
	                                    (YYYY-MM-DD), else from the account's first allowed login */

	/* [policy]: how a step-up may be answered.  methods in order of
	 * preference; at or above strong_at (0 = never) only those also in
	 * strong_methods. */
	struct method_list methods;        /* fido2, ssh-sk, totp, recovery */
	uint32_t strong_at;                /* 0 */
	struct method_list strong_methods; /* fido2, ssh-sk */

	/* [fido2] */
	char fido2_rp_id[VIGIL_RP_ID_MAX + 1]; /* "pam://" and the host name */
	bool fido2_uv;                         /* no: require user verification (PIN) at every touch */
	bool fido2_allow_none;                 /* no: accept attestation format "none" at enrollment */
	uint32_t fido2_timeout;                /* 30 s to touch the key (5..120) */

	/* [totp] */
	uint32_t totp_digits; /* 6 (6..8) */
	uint32_t totp_period; /* 30 (15..120) */
	uint32_t totp_window; /* 1 step either side (0..10) */
	char totp_issuer[64]; /* "Vigil" */

	/* [lockout]: pam_faillock-like */
	uint32_t lockout_deny;       /* 3 failed codes ... */
	uint32_t lockout_interval;   /* ... within 900 s ... */
	uint32_t lockout_unlock;     /* ... lock for 600 s */
	uint32_t source_rate_max;    /* 10 failed codes from one source ... */
	uint32_t source_rate_window; /* ... per 60 s, then refused */

	/* [network] */
	unsigned n_allow;
	struct cidr allow[CONFIG_NETS_MAX]; /* empty = every source allowed */
	unsigned n_deny;
	struct cidr deny[CONFIG_NETS_MAX];

	/* [session] */
	uint32_t max_sessions;            /* 0 = unlimited; per user */
	uint32_t max_sessions_per_source; /* 0 = unlimited; per user and source address */
	enum on_excess on_excess;         /* refuse */
	uint32_t idle_timeout;            /* 0 = off; seconds without activity */
	uint32_t idle_warning;            /* 60 s before an idle end, a line on the terminal; 0 = none */
	uint32_t lifetime;                /* 0 = off; seconds after the open */
	bool nopty_idle;                  /* yes: sessions without a terminal end when idle too */
	/* [session.stepped_up], [session.new_device]: only tighten (see
	 * config_session). */
	struct session_policy session_band[CONFIG_SESSION_BANDS];

	/* [store] */
	uint32_t history_days; /* 90: login history and failures kept this long */

	/* [service.NAME] sections */
	unsigned n_services;
	struct service_policy services[CONFIG_SERVICES_MAX];

	/* Not settable: when this configuration was loaded (wall clock), and
	 * where each value was set (vigilctl config). */
	uint64_t loaded;
	uint64_t generation; /* CLOCK_MONOTONIC ns of the load: differs between any two loads */
	struct config_origins origins;
};

/* "enforce", "shadow", "learn" (static), or "?" for a value out of range. */
const char *config_mode_name(enum vigil_mode m);

/* Fills *c with the defaults. */
void config_defaults(struct vigil_config *c);

/* Loads path and then path + ".d/" *.conf.  Returns 0 and a new config in
 * *ret (free with free()); -ENOENT if path does not exist (no defaults are
 * assumed silently), with one line saying so in err; -EINVAL for a bad file,
 * with "file:line: why" in err, why quoting the offending value. */
int config_load(const char *path, struct vigil_config **ret, char *err, size_t errlen);

/* What config_load_with() does beyond config_load(). */
struct config_load_opts {
	/* Where [service.NAME] sections are looked up as PAM service files;
	 * NULL: PAMDIR_DEFAULT (/etc/pam.d). */
	const char *pam_dir;
	/* Called once per warning with "file:line: why" (no newline): a
	 * setting that loads but probably does not do what was meant.  NULL:
	 * nothing is checked for warnings. */
	void (*warn)(const char *msg, void *userdata);
	void *userdata;
};
/* config_load(), then, for a configuration that loads, the warnings of
 * opts (may be NULL).  A warning never fails the load. */
int config_load_with(const char *path, const struct config_load_opts *opts, struct vigil_config **ret, char *err,
                     size_t errlen);

/* The effective per-service values for service (NULL-safe lookups). */
struct service_view {
	uint32_t stepup_at;
	uint32_t deny_at;
	uint32_t fresh_window;
	bool privileged;
	enum vigil_mode mode;
	struct method_list methods;
	uint32_t strong_at; /* 0 = never */
	struct method_list strong_methods;
};
void config_service(const struct vigil_config *c, const char *service, struct service_view *ret);

/* The effective session policy of a session of service opened by a login
 * of band (enum store_session_band: 0 plain, 1 stepped up, 2 new device).
 * [session] gives the base, [service.NAME] replaces what it sets, then the
 * band's section may only tighten: a limit or time it sets counts where it
 * is smaller than the one in force or that one is 0 (off); its
 * nopty_idle = yes and on_excess = end_oldest count, their opposites do
 * not loosen. */
struct session_view {
	uint32_t max_sessions, max_sessions_per_source;
	enum on_excess on_excess;
	uint32_t idle_timeout, idle_warning, lifetime;
	bool nopty_idle;
};
void config_session(const struct vigil_config *c, const char *service, unsigned band, struct session_view *ret);
