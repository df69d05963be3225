/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading vigil.conf (see config.h).  The files are the admin's, but they are
 * still input: each is opened without following symlinks and without
 * blocking (a FIFO is refused, never waited on), must be a regular file
 * owned by root (or by us) and not writable by group or others, and is
 * bounded in size.  We read a file whole, reject NUL bytes and lines longer
 * than CONFIG_LINE_MAX ourselves, and only then hand it to inih one line at a
 * time through our own reader, so inih can never split a line and parse its
 * tail as a new one.  Every error names "file:line: why", and why quotes
 * the value it refuses (escaped: it goes to a log) and says what is wrong
 * with it, so the admin needs no second guess.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "escape.h"
#include "pamdir.h"
#include "parse.h"
#include "safe_file.h"
#include "why.h"

#define CONFIG_FILE_MAX    (1024 * 1024) /* bytes per file */
#define CONFIG_DROPINS_MAX 256           /* *.conf files in <path>.d/ */
#define QUOTE_MAX          80            /* bytes of a bad value quoted in an error */
#define INIH_SECTION_MAX   49            /* inih truncates longer section names */

#define DAY           86400U
#define POINTS_MAX    1000U    /* per signal */
#define THRESHOLD_MAX 1000000U /* stepup_at, deny_at */

/* Debian's inih makes its line buffer size a run-time variable; upstream has
 * a compile-time INI_MAX_LINE only.  Weak, so we link against either.  Where
 * it is missing, our reader still refuses (never splits) lines that do not
 * fit inih's buffer. */
extern int ini_max_line __attribute__((weak));

enum key_kind {
	KEY_U32,
	KEY_BOOL,
	KEY_NO_FACTOR,
	KEY_ISSUER,
	KEY_NETS,
	KEY_DATE,
	KEY_MODE,
	KEY_METHODS,
	KEY_RP_ID,
	KEY_ON_EXCESS,
};

struct key_def {
	const char *section;
	const char *name;
	enum key_kind kind;
	size_t offset;
	uint32_t min, max;
};

#define U32(sec, key, field, lo, hi)                                                                                   \
	{                                                                                                              \
		sec, key, KEY_U32, offsetof(struct vigil_config, field), lo, hi                                        \
	}

static const struct key_def keys[] = {
    U32("risk", "new_device", new_device, 0, POINTS_MAX),
    U32("risk", "new_source", new_source, 0, POINTS_MAX),
    U32("risk", "new_prefix", new_prefix, 0, POINTS_MAX),
    U32("risk", "stale_account", stale_account, 0, POINTS_MAX),
    U32("risk", "stale_account_days", stale_account_days, 1, 3650),
    U32("risk", "stale_device", stale_device, 0, POINTS_MAX),
    U32("risk", "stale_device_days", stale_device_days, 1, 3650),
    U32("risk", "user_failures", user_failures, 0, POINTS_MAX),
    U32("risk", "user_failures_min", user_failures_min, 1, 10000),
    U32("risk", "source_failures", source_failures, 0, POINTS_MAX),
    U32("risk", "source_failures_min", source_failures_min, 1, 10000),
    U32("risk", "failure_window", failure_window, 1, 30 * DAY),
    U32("risk", "privileged", privileged, 0, POINTS_MAX),
    U32("policy", "stepup_at", stepup_at, 0, THRESHOLD_MAX),
    U32("policy", "deny_at", deny_at, 0, THRESHOLD_MAX),
    U32("policy", "fresh_window", fresh_window, 0, DAY),
    U32("policy", "grant_lifetime", grant_lifetime, 0, 30 * DAY),
    {"policy", "mode", KEY_MODE, offsetof(struct vigil_config, mode), 0, 0},
    {"policy", "shadow", KEY_BOOL, offsetof(struct vigil_config, shadow), 0, 0},
    {"policy", "no_factor", KEY_NO_FACTOR, offsetof(struct vigil_config, no_factor), 0, 0},
    U32("policy", "enroll_grace", enroll_grace, 0, 365 * DAY),
    {"policy", "enroll_since", KEY_DATE, offsetof(struct vigil_config, enroll_since), 0, 0},
    {"policy", "methods", KEY_METHODS, offsetof(struct vigil_config, methods), 0, 0},
    U32("policy", "strong_at", strong_at, 0, THRESHOLD_MAX),
    {"policy", "strong_methods", KEY_METHODS, offsetof(struct vigil_config, strong_methods), 0, 0},
    {"fido2", "rp_id", KEY_RP_ID, offsetof(struct vigil_config, fido2_rp_id), 1, VIGIL_RP_ID_MAX},
    {"fido2", "user_verification", KEY_BOOL, offsetof(struct vigil_config, fido2_uv), 0, 0},
    {"fido2", "allow_none_attestation", KEY_BOOL, offsetof(struct vigil_config, fido2_allow_none), 0, 0},
    U32("fido2", "touch_timeout", fido2_timeout, 5, 120),
    U32("totp", "digits", totp_digits, 6, 8),
    U32("totp", "period", totp_period, 15, 120),
    U32("totp", "window", totp_window, 0, 10),
    {"totp", "issuer", KEY_ISSUER, offsetof(struct vigil_config, totp_issuer), 1, 63},
    U32("lockout", "deny", lockout_deny, 1, 100),
    U32("lockout", "interval", lockout_interval, 1, 7 * DAY),
    U32("lockout", "unlock", lockout_unlock, 1, 7 * DAY),
    U32("lockout", "source_max", source_rate_max, 1, 100000),
    U32("lockout", "source_window", source_rate_window, 1, DAY),
    {"network", "allow", KEY_NETS, offsetof(struct vigil_config, allow), 0, 0},
    {"network", "deny", KEY_NETS, offsetof(struct vigil_config, deny), 0, 0},
    U32("session", "max_sessions", max_sessions, 0, 10000),
    U32("session", "max_sessions_per_source", max_sessions_per_source, 0, 10000),
    {"session", "on_excess", KEY_ON_EXCESS, offsetof(struct vigil_config, on_excess), 0, 0},
    U32("session", "idle_timeout", idle_timeout, 0, 30 * DAY),
    U32("session", "idle_warning", idle_warning, 0, DAY),
    U32("session", "lifetime", lifetime, 0, 365 * DAY),
    {"session", "nopty_idle", KEY_BOOL, offsetof(struct vigil_config, nopty_idle), 0, 0},
    U32("store", "history_days", history_days, 1, 3650),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* The keys of a [service.NAME] section. */
enum svc_key {
	SVC_STEPUP_AT,
	SVC_DENY_AT,
	SVC_FRESH_WINDOW,
	SVC_PRIVILEGED,
	SVC_MODE,
	SVC_METHODS,
	SVC_STRONG_AT,
	SVC_KEYS_,
};
static const char *const svc_key_names[SVC_KEYS_] = {"stepup_at", "deny_at", "fresh_window", "privileged",
                                                     "mode",      "methods", "strong_at"};

/* The session keys of [service.NAME] and [session.BAND] (struct
 * session_policy, in its order), with their ranges. */
enum sess_key {
	SESS_MAX_SESSIONS,
	SESS_MAX_PER_SOURCE,
	SESS_ON_EXCESS,
	SESS_IDLE_TIMEOUT,
	SESS_IDLE_WARNING,
	SESS_LIFETIME,
	SESS_NOPTY_IDLE,
	SESS_KEYS_,
};
static const struct {
	const char *name;
	uint32_t max;
} sess_keys[SESS_KEYS_] = {
    {"max_sessions", 10000}, {"max_sessions_per_source", 10000},
    {"on_excess", 0},        {"idle_timeout", 30 * DAY},
    {"idle_warning", DAY},   {"lifetime", 365 * DAY},
    {"nopty_idle", 0},
};
static const char *const band_names[CONFIG_SESSION_BANDS] = {"stepped_up", "new_device"};

/* Where a value was last set, for the cross-checks after loading. */
struct where {
	const char *file; /* lives until config_load returns */
	unsigned line;
};

struct load_ctx {
	struct vigil_config *c;
	/* The file being parsed, and our reader's position in it. */
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned lineno; /* the line last handed to inih */
	bool stop;       /* hand inih no more lines */
	/* The first error in this file. */
	unsigned err_line;
	char *err;
	size_t errlen;
	/* Duplicate detection, reset for each file. */
	bool seen[N_KEYS];
	bool svc_seen[CONFIG_SERVICES_MAX][SVC_KEYS_];
	bool svc_sess_seen[CONFIG_SERVICES_MAX][SESS_KEYS_];
	bool band_seen[CONFIG_SESSION_BANDS][SESS_KEYS_];
	/* For the cross-checks. */
	struct where policy_where;
	/* [policy] mode and the old [policy] shadow: never both. */
	struct where mode_where, shadow_where;
	struct where svc_where[CONFIG_SERVICES_MAX];
	/* The line of the section header last read, and where each service
	 * section first appeared, for the warnings. */
	unsigned section_line;
	struct where svc_first[CONFIG_SERVICES_MAX];
	const struct config_load_opts *opts;
	/* The inline comment cut from the line last handed to inih ("" if
	 * none), so that a comment that swallowed a value is an error. */
	char comment[CONFIG_LINE_MAX + 1];
};

/* value as the admin wrote it, escaped and cut to fit an error line. */
struct quoted {
	char s[QUOTE_MAX + 1];
};
static const char *quote(struct quoted *q, const char *value)
{
	(void)escape_string(value, q->s, sizeof(q->s));
	return q->s;
}

/* "pam://" and the host name, as pam-u2f names its relying party: a key
 * enrolled here is bound to this host.  If the name cannot be read,
 * "pam://localhost" (an admin who cares sets [fido2] rp_id). */
static void default_rp_id(char *out, size_t cap)
{
	char host[VIGIL_RP_ID_MAX + 1] = "";

	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, cap, "pam://%.*s", (int)(cap > 7 ? cap - 7 : 0), host);
}

static void session_policy_unset(struct session_policy *p)
{
	p->max_sessions = p->max_sessions_per_source = p->on_excess = -1;
	p->idle_timeout = p->idle_warning = p->lifetime = p->nopty_idle = -1;
}

void config_defaults(struct vigil_config *c)
{
	memset(c, 0, sizeof(*c));
	c->new_device = 40;
	c->new_source = 20;
	c->new_prefix = 20;
	c->stale_account = 20;
	c->stale_account_days = 30;
	c->stale_device = 10;
	c->stale_device_days = 30;
	c->user_failures = 20;
	c->user_failures_min = 3;
	c->source_failures = 20;
	c->source_failures_min = 5;
	c->failure_window = 3600;
	c->privileged = 30;

	c->stepup_at = 30;
	c->deny_at = 100;
	c->fresh_window = 300;
	c->grant_lifetime = 43200;
	c->mode = VIGIL_MODE_ENFORCE;
	c->shadow = false;
	c->no_factor = NO_FACTOR_DENY;
	c->enroll_grace = 86400;
	c->methods = (struct method_list){
	    4, {VIGIL_FACTOR_FIDO2, VIGIL_FACTOR_SSH_SK, VIGIL_FACTOR_TOTP, VIGIL_FACTOR_RECOVERY}};
	c->strong_at = 0;
	c->strong_methods = (struct method_list){2, {VIGIL_FACTOR_FIDO2, VIGIL_FACTOR_SSH_SK}};

	default_rp_id(c->fido2_rp_id, sizeof(c->fido2_rp_id));
	c->fido2_uv = false;
	c->fido2_allow_none = false;
	c->fido2_timeout = 30;

	c->totp_digits = 6;
	c->totp_period = 30;
	c->totp_window = 1;
	(void)snprintf(c->totp_issuer, sizeof(c->totp_issuer), "%s", "Vigil");

	c->lockout_deny = 3;
	c->lockout_interval = 900;
	c->lockout_unlock = 600;
	c->source_rate_max = 10;
	c->source_rate_window = 60;

	c->max_sessions = 0;
	c->max_sessions_per_source = 0;
	c->on_excess = ON_EXCESS_REFUSE;
	c->idle_timeout = 0;
	c->idle_warning = 60;
	c->lifetime = 0;
	c->nopty_idle = true;
	for (unsigned b = 0; b < CONFIG_SESSION_BANDS; b++)
		session_policy_unset(&c->session_band[b]);
	c->history_days = 90;
}

/* ---- Values ---- */

static bool is_list_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',';
}

/* Appends every entry of a space- or comma-separated list. */
static int nets_append(struct load_ctx *x, const char *key, struct cidr *list, unsigned *n, const char *value)
{
	char entry[CONFIG_LINE_MAX + 1], why[128];
	struct quoted q;
	const char *p = value;

	for (;;) {
		size_t len;

		while (is_list_sep(*p))
			p++;
		if (!*p)
			break;
		for (len = 0; p[len] && !is_list_sep(p[len]) && len < CONFIG_LINE_MAX; len++)
			;
		memcpy(entry, p, len);
		entry[len] = '\0';
		p += len;
		if (*n >= CONFIG_NETS_MAX) {
			why_set(x->err, x->errlen, "%s:%u: [network] %s: more than %u entries", x->file, x->lineno, key,
			        CONFIG_NETS_MAX);
			return -E2BIG;
		}
		if (cidr_parse_why(entry, &list[*n], why, sizeof(why)) < 0) {
			why_set(x->err, x->errlen, "%s:%u: [network] %s: '%s' %s", x->file, x->lineno, key,
			        quote(&q, entry), why);
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

static int u32_parse(struct load_ctx *x, const char *section, const char *key, const char *value, uint32_t min,
                     uint32_t max, uint32_t *ret)
{
	struct quoted q;
	uint64_t v;
	int r;

	r = parse_u64(value, max, &v);
	if (r == 0 && v >= min) {
		*ret = (uint32_t)v;
		return 0;
	}
	if (!*value)
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: no value (expected a whole number from %u to %u)", x->file,
		        x->lineno, section, key, min, max);
	else if (r == 0 || r == -ERANGE)
		why_set(x->err, x->errlen,
		        "%s:%u: [%s] %s: '%s' is out of range (expected a whole number from %u to %u)", x->file,
		        x->lineno, section, key, quote(&q, value), min, max);
	else
		why_set(x->err, x->errlen,
		        "%s:%u: [%s] %s: '%s' is not a number (expected a whole number from %u to %u)", x->file,
		        x->lineno, section, key, quote(&q, value), min, max);
	return -EINVAL;
}

static int bool_parse(struct load_ctx *x, const char *section, const char *key, const char *value, bool *ret)
{
	struct quoted q;

	if (parse_bool(value, ret) < 0) {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' is not yes or no", x->file, x->lineno, section, key,
		        quote(&q, value));
		return -EINVAL;
	}
	return 0;
}

const char *config_mode_name(enum vigil_mode m)
{
	switch (m) {
	case VIGIL_MODE_ENFORCE:
		return "enforce";
	case VIGIL_MODE_SHADOW:
		return "shadow";
	case VIGIL_MODE_LEARN:
		return "learn";
	default:
		return "?";
	}
}

static int mode_parse(struct load_ctx *x, const char *section, const char *key, const char *value, enum vigil_mode *ret)
{
	static const enum vigil_mode all[] = {VIGIL_MODE_ENFORCE, VIGIL_MODE_SHADOW, VIGIL_MODE_LEARN};
	struct quoted q;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(value, config_mode_name(all[i])) == 0) {
			*ret = all[i];
			return 0;
		}
	why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' is not learn, shadow or enforce", x->file, x->lineno, section,
	        key, quote(&q, value));
	return -EINVAL;
}

static int issuer_parse(struct load_ctx *x, const char *value, char *out, size_t cap)
{
	size_t len = strlen(value), i;
	const char *what = NULL;
	struct quoted q;

	if (len < 1)
		what = "is empty";
	else if (len >= cap)
		what = "is too long";
	for (i = 0; i < len && !what; i++)
		if (value[i] == ':')
			what = "contains ':'";
		else if (value[i] < 0x20 || value[i] > 0x7e)
			what = "contains a character that is not printable ASCII";
	if (!what) {
		memcpy(out, value, len + 1);
		return 0;
	}
	/* The otpauth:// URI puts the issuer before a ':'. */
	why_set(x->err, x->errlen,
	        "%s:%u: [totp] issuer: '%s' %s (expected 1 to %zu printable ASCII characters without ':')", x->file,
	        x->lineno, quote(&q, value), what, cap - 1);
	return -EINVAL;
}

/* A FIDO2 relying party id: printable ASCII without spaces (authenticators
 * hash it; a key enrolled under one id never answers for another, so a
 * change orphans every enrolled key). */
static int rp_id_parse(struct load_ctx *x, const char *section, const char *key, const char *value, char *out,
                       size_t cap)
{
	size_t len = strlen(value), i;
	const char *what = NULL;
	struct quoted q;

	if (len < 1)
		what = "is empty";
	else if (len >= cap)
		what = "is too long";
	for (i = 0; i < len && !what; i++)
		if (value[i] <= 0x20 || value[i] > 0x7e)
			what = "contains a space or a character that is not printable ASCII";
	if (!what) {
		memcpy(out, value, len + 1);
		return 0;
	}
	why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' %s (expected 1 to %zu printable ASCII characters)", x->file,
	        x->lineno, section, key, quote(&q, value), what, cap - 1);
	return -EINVAL;
}

/* "YYYY-MM-DD", midnight UTC, as seconds since the epoch: a date an admin
 * writes, not a time an attacker can choose. */
static int date_parse(struct load_ctx *x, const char *section, const char *key, const char *value, uint64_t *ret)
{
	struct tm tm = {0};
	struct quoted q;
	const char *end;
	time_t t;

	end = strptime(value, "%Y-%m-%d", &tm);
	if (!end || *end != '\0' || strlen(value) != 10 || tm.tm_year < 100) {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' is not a date (expected YYYY-MM-DD)", x->file,
		        x->lineno, section, key, quote(&q, value));
		return -EINVAL;
	}
	t = timegm(&tm);
	if (t <= 0) {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' is out of range", x->file, x->lineno, section, key,
		        quote(&q, value));
		return -EINVAL;
	}
	*ret = (uint64_t)t;
	return 0;
}

static int on_excess_parse(struct load_ctx *x, const char *section, const char *key, const char *value,
                           enum on_excess *ret)
{
	struct quoted q;

	if (strcmp(value, "refuse") == 0)
		*ret = ON_EXCESS_REFUSE;
	else if (strcmp(value, "end_oldest") == 0)
		*ret = ON_EXCESS_END_OLDEST;
	else {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: '%s' is not refuse or end_oldest", x->file, x->lineno,
		        section, key, quote(&q, value));
		return -EINVAL;
	}
	return 0;
}

/* One session key of a [service.NAME] or [session.BAND] section into p.
 * -ENOENT (nothing reported) if key is not a session key. */
static int session_key_set(struct load_ctx *x, const char *section, struct session_policy *p, bool *seen,
                           const char *key, const char *value)
{
	int32_t *field[SESS_KEYS_] = {&p->max_sessions, &p->max_sessions_per_source,
	                              &p->on_excess,    &p->idle_timeout,
	                              &p->idle_warning, &p->lifetime,
	                              &p->nopty_idle};
	enum on_excess e;
	unsigned k;
	uint32_t v;
	bool b;
	int r;

	for (k = 0; k < SESS_KEYS_; k++)
		if (strcmp(key, sess_keys[k].name) == 0)
			break;
	if (k == SESS_KEYS_)
		return -ENOENT;
	if (seen[k]) {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: set twice in this file", x->file, x->lineno, section, key);
		return -EINVAL;
	}
	seen[k] = true;
	if (k == SESS_ON_EXCESS) {
		if ((r = on_excess_parse(x, section, key, value, &e)) < 0)
			return r;
		v = (uint32_t)e;
	} else if (k == SESS_NOPTY_IDLE) {
		if ((r = bool_parse(x, section, key, value, &b)) < 0)
			return r;
		v = b ? 1 : 0;
	} else if ((r = u32_parse(x, section, key, value, 0, sess_keys[k].max, &v)) < 0)
		return r;
	*field[k] = (int32_t)v;
	return 0;
}

/* [session.stepped_up] and [session.new_device]. */
static int band_set(struct load_ctx *x, const char *section, const char *band, const char *key, const char *value)
{
	unsigned b;
	int r;

	for (b = 0; b < CONFIG_SESSION_BANDS; b++)
		if (strcmp(band, band_names[b]) == 0)
			break;
	if (b == CONFIG_SESSION_BANDS) {
		why_set(x->err, x->errlen,
		        "%s:%u: unknown section [%s] (the session bands are stepped_up and new_device)", x->file,
		        x->lineno, section);
		return -EINVAL;
	}
	r = session_key_set(x, section, &x->c->session_band[b], x->band_seen[b], key, value);
	if (r == -ENOENT) {
		why_set(x->err, x->errlen, "%s:%u: [%s]: unknown key '%s'", x->file, x->lineno, section, key);
		r = -EINVAL;
	}
	return r;
}

static int key_set(struct load_ctx *x, size_t k, const char *value)
{
	const struct key_def *d = &keys[k];
	char *field = (char *)x->c + d->offset;
	int r;

	if (d->kind != KEY_NETS) {
		if (x->seen[k]) {
			why_set(x->err, x->errlen, "%s:%u: [%s] %s: set twice in this file", x->file, x->lineno,
			        d->section, d->name);
			return -EINVAL;
		}
		x->seen[k] = true;
	}

	switch (d->kind) {
	case KEY_U32: {
		uint32_t v;

		r = u32_parse(x, d->section, d->name, value, d->min, d->max, &v);
		if (r < 0)
			return r;
		memcpy(field, &v, sizeof(v));
		break;
	}
	case KEY_BOOL: {
		bool v;

		r = bool_parse(x, d->section, d->name, value, &v);
		if (r < 0)
			return r;
		memcpy(field, &v, sizeof(v));
		break;
	}
	case KEY_NO_FACTOR: {
		enum no_factor_action v;

		if (strcmp(value, "deny") == 0)
			v = NO_FACTOR_DENY;
		else if (strcmp(value, "enroll") == 0)
			v = NO_FACTOR_ENROLL;
		else if (strcmp(value, "allow") == 0)
			v = NO_FACTOR_ALLOW;
		else {
			struct quoted q;

			why_set(x->err, x->errlen, "%s:%u: [policy] no_factor: '%s' is not deny, enroll or allow",
			        x->file, x->lineno, quote(&q, value));
			return -EINVAL;
		}
		memcpy(field, &v, sizeof(v));
		break;
	}
	case KEY_ISSUER:
		r = issuer_parse(x, value, field, sizeof(x->c->totp_issuer));
		if (r < 0)
			return r;
		break;
	case KEY_DATE: {
		uint64_t v;

		r = date_parse(x, d->section, d->name, value, &v);
		if (r < 0)
			return r;
		memcpy(field, &v, sizeof(v));
		break;
	}
	case KEY_MODE: {
		enum vigil_mode v;

		r = mode_parse(x, d->section, d->name, value, &v);
		if (r < 0)
			return r;
		memcpy(field, &v, sizeof(v));
		x->mode_where = (struct where){x->file, x->lineno};
		break;
	}
	case KEY_METHODS: {
		struct method_list l;
		char why[128];

		if (method_list_parse(value, &l, why, sizeof(why)) < 0) {
			why_set(x->err, x->errlen, "%s:%u: [%s] %s: %s", x->file, x->lineno, d->section, d->name, why);
			return -EINVAL;
		}
		memcpy(field, &l, sizeof(l));
		break;
	}
	case KEY_ON_EXCESS: {
		enum on_excess v;

		if ((r = on_excess_parse(x, d->section, d->name, value, &v)) < 0)
			return r;
		memcpy(field, &v, sizeof(v));
		break;
	}
	case KEY_RP_ID:
		r = rp_id_parse(x, d->section, d->name, value, field, VIGIL_RP_ID_MAX + 1);
		if (r < 0)
			return r;
		break;
	case KEY_NETS:
		if (strcmp(d->name, "allow") == 0)
			r = nets_append(x, d->name, x->c->allow, &x->c->n_allow, value);
		else
			r = nets_append(x, d->name, x->c->deny, &x->c->n_deny, value);
		if (r < 0)
			return r;
		break;
	}

	if (strcmp(d->section, "policy") == 0 && strcmp(d->name, "shadow") == 0)
		x->shadow_where = (struct where){x->file, x->lineno};
	if (strcmp(d->section, "policy") == 0 && (strcmp(d->name, "stepup_at") == 0 || strcmp(d->name, "deny_at") == 0))
		x->policy_where = (struct where){x->file, x->lineno};
	return 0;
}

static int service_set(struct load_ctx *x, const char *section, const char *name, const char *key, const char *value)
{
	struct vigil_config *c = x->c;
	struct service_policy *s = NULL;
	enum vigil_mode m;
	unsigned i, k;
	uint32_t v;
	bool b;
	int r;

	if (!pamdir_name_valid(name)) {
		struct quoted q;

		why_set(x->err, x->errlen,
		        "%s:%u: [%s]: '%s' is not a PAM service name (1 to %u letters, digits, '-', '_', '.' or '+', "
		        "not starting with '.')",
		        x->file, x->lineno, section, quote(&q, name), VIGIL_SERVICE_MAX);
		return -EINVAL;
	}
	for (k = 0; k < SVC_KEYS_; k++)
		if (strcmp(key, svc_key_names[k]) == 0)
			break;
	if (k == SVC_KEYS_) {
		unsigned j;

		for (j = 0; j < SESS_KEYS_; j++)
			if (strcmp(key, sess_keys[j].name) == 0)
				break;
		if (j == SESS_KEYS_) {
			why_set(x->err, x->errlen, "%s:%u: [%s]: unknown key '%s'", x->file, x->lineno, section, key);
			return -EINVAL;
		}
	}

	for (i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0) {
			s = &c->services[i];
			break;
		}
	if (!s) {
		if (c->n_services >= CONFIG_SERVICES_MAX) {
			why_set(x->err, x->errlen, "%s:%u: more than %u [service.*] sections", x->file, x->lineno,
			        CONFIG_SERVICES_MAX);
			return -E2BIG;
		}
		i = c->n_services;
		s = &c->services[i];
		memset(s, 0, sizeof(*s));
		memcpy(s->name, name, strlen(name) + 1);
		s->stepup_at = s->deny_at = s->fresh_window = s->strong_at = -1;
		s->privileged = -1;
		s->mode = -1;
		session_policy_unset(&s->session);
		x->svc_first[i] = (struct where){x->file, x->section_line};
		c->n_services++;
	}

	if (k == SVC_KEYS_)
		return session_key_set(x, section, &s->session, x->svc_sess_seen[i], key, value);
	if (x->svc_seen[i][k]) {
		why_set(x->err, x->errlen, "%s:%u: [%s] %s: set twice in this file", x->file, x->lineno, section, key);
		return -EINVAL;
	}
	x->svc_seen[i][k] = true;

	switch (k) {
	case SVC_STEPUP_AT:
	case SVC_DENY_AT:
		r = u32_parse(x, section, key, value, 0, THRESHOLD_MAX, &v);
		if (r < 0)
			return r;
		if (k == SVC_STEPUP_AT)
			s->stepup_at = (int32_t)v;
		else
			s->deny_at = (int32_t)v;
		x->svc_where[i] = (struct where){x->file, x->lineno};
		break;
	case SVC_FRESH_WINDOW:
		r = u32_parse(x, section, key, value, 0, DAY, &v);
		if (r < 0)
			return r;
		s->fresh_window = (int32_t)v;
		break;
	case SVC_MODE:
		r = mode_parse(x, section, key, value, &m);
		if (r < 0)
			return r;
		s->mode = (int8_t)m;
		break;
	case SVC_METHODS: {
		char why[128];

		if (method_list_parse(value, &s->methods, why, sizeof(why)) < 0) {
			why_set(x->err, x->errlen, "%s:%u: [%s] %s: %s", x->file, x->lineno, section, key, why);
			return -EINVAL;
		}
		break;
	}
	case SVC_STRONG_AT:
		r = u32_parse(x, section, key, value, 0, THRESHOLD_MAX, &v);
		if (r < 0)
			return r;
		s->strong_at = (int32_t)v;
		break;
	default:
		r = bool_parse(x, section, key, value, &b);
		if (r < 0)
			return r;
		s->privileged = b ? 1 : 0;
		break;
	}
	return 0;
}

/* Records the origin of what one accepted line set: every entry it added
 * to a [network] list, or its one value. */
static void config_origin_note_set(struct vigil_config *c, const char *section, const char *key, unsigned n_before,
                                   const char *file, unsigned line)
{
	unsigned n_after, i;

	if (strcmp(section, "network") != 0) {
		config_origin_note(&c->origins, section, key, 0, file, line);
		return;
	}
	n_after = strcmp(key, "allow") == 0 ? c->n_allow : c->n_deny;
	for (i = n_before; i < n_after; i++)
		config_origin_note(&c->origins, section, key, i, file, line);
}

/* An inline comment must not take what the admin meant as the value: a
 * key left with no value ("allow = # 10.0.0.0/8" would empty the allow
 * list, letting every source in), or a [network] list whose comment holds
 * an address or CIDR ("deny = 10.0.0.0/8 # 192.168.0.0/16" denies one
 * range, not two).  Either is an error that shows the comment. */
static int comment_check(struct load_ctx *x, const char *section, const char *key, const char *value)
{
	char token[CONFIG_LINE_MAX + 1], why[128];
	struct quoted q;
	struct cidr cidr;
	const char *p = x->comment;

	if (!x->comment[0])
		return 0;
	if (!value[0]) {
		why_set(x->err, x->errlen,
		        "%s:%u: [%s] %s: no value before the comment '#%s'; put comments on a line of "
		        "their own",
		        x->file, x->lineno, section, key, quote(&q, x->comment));
		return -EINVAL;
	}
	if (strcmp(section, "network") != 0)
		return 0;
	while (*p) {
		size_t len = strcspn(p, " \t,");

		if (len > 0 && len < sizeof(token)) {
			memcpy(token, p, len);
			token[len] = '\0';
			if (cidr_parse_why(token, &cidr, why, sizeof(why)) == 0) {
				why_set(x->err, x->errlen,
				        "%s:%u: [network] %s: the comment holds '%s', an entry commented "
				        "out by mistake?  Put comments on a line of their own",
				        x->file, x->lineno, key, quote(&q, token));
				return -EINVAL;
			}
		}
		p += len;
		p += strspn(p, " \t,");
	}
	return 0;
}

/* inih's handler: nonzero on success. */
static int config_handler(void *user, const char *section, const char *key, const char *value)
{
	static const char service_prefix[] = "service.";
	static const char band_prefix[] = "session.";
	struct load_ctx *x = user;
	bool known_section = false;
	/* List keys append: each new entry gets this line as its origin. */
	unsigned n_before = strcmp(key, "allow") == 0 ? x->c->n_allow : x->c->n_deny;
	size_t k;
	int r;

	if (x->stop)
		return 0;

	if ((r = comment_check(x, section, key, value)) < 0)
		goto out;
	if (strncmp(section, service_prefix, sizeof(service_prefix) - 1) == 0) {
		r = service_set(x, section, section + sizeof(service_prefix) - 1, key, value);
		goto out;
	}
	if (strncmp(section, band_prefix, sizeof(band_prefix) - 1) == 0) {
		r = band_set(x, section, section + sizeof(band_prefix) - 1, key, value);
		goto out;
	}
	for (k = 0; k < N_KEYS; k++) {
		if (strcmp(section, keys[k].section) != 0)
			continue;
		known_section = true;
		if (strcmp(key, keys[k].name) == 0)
			break;
	}
	if (k < N_KEYS)
		r = key_set(x, k, value);
	else if (!*section) {
		why_set(x->err, x->errlen, "%s:%u: '%s' outside a section", x->file, x->lineno, key);
		r = -EINVAL;
	} else if (!known_section) {
		why_set(x->err, x->errlen, "%s:%u: unknown section [%s]", x->file, x->lineno, section);
		r = -EINVAL;
	} else {
		why_set(x->err, x->errlen, "%s:%u: [%s]: unknown key '%s'", x->file, x->lineno, section, key);
		r = -EINVAL;
	}
out:
	if (r < 0) {
		x->err_line = x->lineno;
		x->stop = true;
		return 0;
	}
	config_origin_note_set(x->c, section, key, n_before, x->file, x->lineno);
	return 1;
}

/* Inline comments: a '#' or ';' at the start of a line or after a blank
 * starts a comment that runs to the end of the line, as in "deny_at = 60  #
 * was 100".  One rule for both characters and every line: inih on its own
 * takes " ;" but not " #" inline, and an admin cannot be expected to know
 * which.  A value can therefore not hold a blank followed by '#' or ';'. */
static void comment_cut(char *line, char *comment, size_t cap)
{
	size_t i;

	comment[0] = '\0';
	for (i = 0; line[i]; i++)
		if ((line[i] == '#' || line[i] == ';') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
			snprintf(comment, cap, "%s", line + i + 1);
			comment[strcspn(comment, "\r\n")] = '\0';
			line[i] = '\0';
			return;
		}
}

/* inih's reader: one whole line per call, or nothing.  Leading blanks are
 * dropped, so an indented line is never taken for the continuation of the
 * previous value; a section name inih would truncate is refused. */
static char *config_reader(char *str, int num, void *stream)
{
	struct load_ctx *x = stream;
	const char *start, *nl, *close;
	size_t n;

	if (x->stop || x->pos >= x->len)
		return NULL;
	start = x->buf + x->pos;
	nl = memchr(start, '\n', x->len - x->pos);
	n = nl ? (size_t)(nl - start) + 1 : x->len - x->pos;
	x->pos += n;
	x->lineno++;
	while (n > 0 && (*start == ' ' || *start == '\t')) {
		start++;
		n--;
	}
	if (n > 0 && *start == '[')
		x->section_line = x->lineno;
	if (num < 2 || n >= (size_t)num) {
		/* inih's buffer is smaller than our limit: refuse, never split. */
		why_set(x->err, x->errlen, "%s:%u: line too long (this build's parser takes %d bytes)", x->file,
		        x->lineno, num > 2 ? num - 2 : 0);
		goto fail;
	}
	if (n > 0 && *start == '[' && (close = memchr(start, ']', n)) &&
	    (size_t)(close - start - 1) > INIH_SECTION_MAX) {
		why_set(x->err, x->errlen, "%s:%u: section name longer than %u bytes", x->file, x->lineno,
		        INIH_SECTION_MAX);
		goto fail;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	comment_cut(str, x->comment, sizeof(x->comment));
	return str;
fail:
	x->err_line = x->lineno;
	x->stop = true;
	return NULL;
}

/* Rejects NUL bytes and over-long lines before the parser sees anything. */
static int text_check(const char *file, const char *buf, size_t len, char *err, size_t errlen)
{
	unsigned line = 1;
	size_t pos = 0;

	while (pos < len) {
		const char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		if (memchr(start, '\0', n)) {
			why_set(err, errlen, "%s:%u: NUL byte", file, line);
			return -EINVAL;
		}
		if (n > CONFIG_LINE_MAX) {
			why_set(err, errlen, "%s:%u: line too long (more than %u bytes)", file, line, CONFIG_LINE_MAX);
			return -EINVAL;
		}
		pos += n + (nl ? 1 : 0);
		line++;
	}
	return 0;
}

static int file_read(int fd, const char *file, const struct stat *st, char **ret, size_t *ret_len, char *err,
                     size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (st->st_size > CONFIG_FILE_MAX) {
		why_set(err, errlen, "%s: larger than %u bytes", file, CONFIG_FILE_MAX);
		r = -EINVAL;
		goto out;
	}

	/* Read at most one byte past the limit: the file may have grown. */
	buf = malloc(CONFIG_FILE_MAX + 2);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			why_set(err, errlen, "%s: %s", file, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			why_set(err, errlen, "%s: larger than %u bytes", file, CONFIG_FILE_MAX);
			r = -EINVAL;
			goto out;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	buf = NULL;
	*ret_len = len;
	r = 0;
out:
	free(buf);
	return r;
}

/* Parses one file, opened relative to dfd.  -ENOENT (with a message) if it
 * does not exist. */
static int file_load(struct load_ctx *x, int dfd, const char *name, const char *file)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1, r;

	/* Never blocks: a FIFO dropped in as a drop-in is refused, not waited on. */
	r = safe_file_open(dfd, name, O_RDONLY, 0, SAFE_FILE_OURS_OR_ROOT | SAFE_FILE_NO_WRITE, file, &fd, &st, x->err,
	                   x->errlen);
	if (r < 0) {
		if (r != -ENOENT && r != -ENOMEM)
			r = -EINVAL;
		goto out;
	}
	r = file_read(fd, file, &st, &buf, &len, x->err, x->errlen);
	if (r < 0) {
		if (r != -ENOMEM)
			r = -EINVAL;
		goto out;
	}
	r = text_check(file, buf, len, x->err, x->errlen);
	if (r < 0)
		goto out;

	x->file = file;
	x->buf = buf;
	x->len = len;
	x->pos = 0;
	x->lineno = 0;
	x->stop = false;
	x->err_line = 0;
	memset(x->seen, 0, sizeof(x->seen));
	memset(x->svc_seen, 0, sizeof(x->svc_seen));
	memset(x->svc_sess_seen, 0, sizeof(x->svc_sess_seen));
	memset(x->band_seen, 0, sizeof(x->band_seen));

	r = ini_parse_stream(config_reader, x, config_handler, x);
	if (r < 0) {
		r = -ENOMEM;
		goto out;
	}
	if (r > 0 && (x->err_line == 0 || (unsigned)r < x->err_line)) {
		/* inih's own complaint came first: a line it could not parse. */
		why_set(x->err, x->errlen, "%s:%d: syntax error (expected [section] or key = value)", file, r);
		r = -EINVAL;
		goto out;
	}
	if (x->err_line) {
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	x->buf = NULL;
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool dropin_name_valid(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".conf") == 0;
}

/* The drop-ins of <path>.d/ in lexical (byte) order.  A missing directory
 * means none. */
static int dropins_load(struct load_ctx *x, const char *path, char **files, size_t *n_files)
{
	char dir[PATH_MAX], **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd = -1, r;

	if ((size_t)snprintf(dir, sizeof(dir), "%s.d", path) >= sizeof(dir)) {
		why_set(x->err, x->errlen, "%s.d: path too long", path);
		r = -EINVAL;
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT) {
			r = 0;
			goto out;
		}
		why_set(x->err, x->errlen, "%s: %s", dir, strerror(-r));
		r = -EINVAL;
		goto out;
	}
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		why_set(x->err, x->errlen, "%s: not owned by root or writable by group or others", dir);
		r = -EINVAL;
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		goto out;
	}
	fd = -1;

	names = calloc(CONFIG_DROPINS_MAX, sizeof(*names));
	if (!names) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				r = -errno;
				why_set(x->err, x->errlen, "%s: %s", dir, strerror(-r));
				goto out;
			}
			break;
		}
		if (!dropin_name_valid(de->d_name))
			continue;
		if (n >= CONFIG_DROPINS_MAX) {
			why_set(x->err, x->errlen, "%s: more than %u drop-in files", dir, CONFIG_DROPINS_MAX);
			r = -EINVAL;
			goto out;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);

	for (i = 0; i < n; i++) {
		size_t size = strlen(dir) + 1 + strlen(names[i]) + 1;
		char *file = malloc(size);

		if (!file) {
			r = -ENOMEM;
			goto out;
		}
		(void)snprintf(file, size, "%s/%s", dir, names[i]);
		/* Kept until config_load returns: the cross-checks name it. */
		files[*n_files] = file;
		(*n_files)++;
		r = file_load(x, dirfd(d), names[i], file);
		if (r < 0) {
			if (r == -ENOENT) /* removed while we were reading */
				r = -EINVAL;
			goto out;
		}
	}
	r = 0;
out:
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	return r;
}

static int config_check(struct load_ctx *x)
{
	struct vigil_config *c = x->c;
	unsigned i;

	/* Two keys for one setting: which one wins would be a guess, and a
	 * guess here decides whether logins are enforced. */
	if (x->mode_where.file && x->shadow_where.file) {
		why_set(x->err, x->errlen,
		        "%s:%u: [policy] mode is set here and the old [policy] shadow at %s:%u: keep only mode "
		        "(shadow = yes is mode = shadow)",
		        x->mode_where.file, x->mode_where.line, x->shadow_where.file, x->shadow_where.line);
		return -EINVAL;
	}
	if (x->shadow_where.file) {
		c->mode = c->shadow ? VIGIL_MODE_SHADOW : VIGIL_MODE_ENFORCE;
		/* vigilctl config shows mode with the line that set it. */
		config_origin_note(&c->origins, "policy", "mode", 0, x->shadow_where.file, x->shadow_where.line);
	}

	if (c->stepup_at > c->deny_at) {
		why_set(x->err, x->errlen, "%s:%u: [policy] stepup_at (%u) must not exceed deny_at (%u)",
		        x->policy_where.file, x->policy_where.line, c->stepup_at, c->deny_at);
		return -EINVAL;
	}
	for (i = 0; i < c->n_services; i++) {
		const struct service_policy *s = &c->services[i];
		uint32_t stepup = s->stepup_at >= 0 ? (uint32_t)s->stepup_at : c->stepup_at;
		uint32_t deny = s->deny_at >= 0 ? (uint32_t)s->deny_at : c->deny_at;

		if (stepup > deny) {
			const struct where *w = x->svc_where[i].file ? &x->svc_where[i] : &x->policy_where;

			/* A value the section does not set comes from [policy]:
			 * say so, or the admin looks for it in the wrong place. */
			why_set(x->err, x->errlen,
			        "%s:%u: [service.%s] stepup_at (%u%s) must not exceed deny_at (%u%s)", w->file, w->line,
			        s->name, stepup, s->stepup_at >= 0 ? "" : ", from [policy]", deny,
			        s->deny_at >= 0 ? "" : ", from [policy]");
			return -EINVAL;
		}
	}
	return 0;
}

/* Tells one load from another (vigilctl config reads pages of one). */
static uint64_t load_generation(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Settings that load but probably do nothing: a [service.NAME] for a
 * service this host does not have.  A warning, not an error: the admin may
 * be writing the policy before installing the service. */
static void config_warn(struct load_ctx *x)
{
	const struct config_load_opts *o = x->opts;
	const char *dir = o->pam_dir ? o->pam_dir : PAMDIR_DEFAULT;
	char hint[256], msg[PATH_MAX + 512];
	unsigned i;

	for (i = 0; i < x->c->n_services; i++) {
		const struct service_policy *s = &x->c->services[i];

		if (pamdir_check(dir, s->name, hint, sizeof(hint)) != 0)
			continue;
		(void)snprintf(msg, sizeof(msg),
		               "%s:%u: [service.%s]: no PAM service '%s' in %s, so no login uses "
		               "these settings; %s",
		               x->svc_first[i].file, x->svc_first[i].line, s->name, s->name, dir, hint);
		o->warn(msg, o->userdata);
	}
}

int config_load(const char *path, struct vigil_config **ret, char *err, size_t errlen)
{
	return config_load_with(path, NULL, ret, err, errlen);
}

int config_load_with(const char *path, const struct config_load_opts *opts, struct vigil_config **ret, char *err,
                     size_t errlen)
{
	struct vigil_config *c = NULL;
	struct load_ctx *x = NULL;
	char **files = NULL;
	size_t n_files = 0, i;
	int r;

	why_set(err, errlen, "%s", "");
	if (!path || !*path) {
		why_set(err, errlen, "no configuration file given");
		r = -EINVAL;
		goto out;
	}
	c = calloc(1, sizeof(*c));
	x = calloc(1, sizeof(*x));
	files = calloc(CONFIG_DROPINS_MAX, sizeof(*files));
	if (!c || !x || !files) {
		r = -ENOMEM;
		goto out;
	}
	config_defaults(c);
	x->c = c;
	x->opts = opts;
	x->err = err;
	x->errlen = errlen;
	x->policy_where = (struct where){path, 0};

	/* Lines up to CONFIG_LINE_MAX plus "\r\n" and the NUL. */
	if (&ini_max_line)
		ini_max_line = CONFIG_LINE_MAX + 3;

	r = file_load(x, AT_FDCWD, path, path);
	if (r == -ENOENT)
		/* One line that says it all, in place of the bare errno. */
		why_set(err, errlen, "%s: no such file (vigild has no built-in configuration; see vigil.conf(5))",
		        path);
	if (r < 0)
		goto out;
	r = dropins_load(x, path, files, &n_files);
	if (r < 0)
		goto out;
	r = config_check(x);
	if (r < 0)
		goto out;
	if (opts && opts->warn)
		config_warn(x);

	c->loaded = (uint64_t)time(NULL);
	c->generation = load_generation();
	*ret = c;
	c = NULL;
	r = 0;
out:
	if (files)
		for (i = 0; i < n_files; i++)
			free(files[i]);
	free(files);
	free(x);
	free(c);
	return r;
}

void config_service(const struct vigil_config *c, const char *service, struct service_view *ret)
{
	static const char *const privileged[] = {"sudo", "sudo-i", "su", "su-l"};
	struct service_view v = {
	    .stepup_at = c->stepup_at,
	    .deny_at = c->deny_at,
	    .fresh_window = c->fresh_window,
	    .privileged = false,
	    .mode = c->mode,
	    .methods = c->methods,
	    .strong_at = c->strong_at,
	    .strong_methods = c->strong_methods,
	};
	unsigned i;

	if (service) {
		for (i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++)
			if (strcmp(service, privileged[i]) == 0)
				v.privileged = true;
		for (i = 0; i < c->n_services && i < CONFIG_SERVICES_MAX; i++) {
			const struct service_policy *s = &c->services[i];

			if (strcmp(s->name, service) != 0)
				continue;
			if (s->stepup_at >= 0)
				v.stepup_at = (uint32_t)s->stepup_at;
			if (s->deny_at >= 0)
				v.deny_at = (uint32_t)s->deny_at;
			if (s->fresh_window >= 0)
				v.fresh_window = (uint32_t)s->fresh_window;
			if (s->privileged >= 0)
				v.privileged = s->privileged != 0;
			if (s->mode >= 0)
				v.mode = (enum vigil_mode)s->mode;
			if (s->methods.n > 0)
				v.methods = s->methods;
			if (s->strong_at >= 0)
				v.strong_at = (uint32_t)s->strong_at;
			break;
		}
	}
	*ret = v;
}

/* A band's value where it is stricter: smaller, or set where the one in
 * force is 0 (off).  0 in a band never turns a limit or time off. */
static uint32_t tighter(uint32_t in_force, int32_t band)
{
	if (band <= 0)
		return in_force;
	if (in_force == 0 || (uint32_t)band < in_force)
		return (uint32_t)band;
	return in_force;
}

void config_session(const struct vigil_config *c, const char *service, unsigned band, struct session_view *ret)
{
	struct session_view v = {
	    .max_sessions = c->max_sessions,
	    .max_sessions_per_source = c->max_sessions_per_source,
	    .on_excess = c->on_excess,
	    .idle_timeout = c->idle_timeout,
	    .idle_warning = c->idle_warning,
	    .lifetime = c->lifetime,
	    .nopty_idle = c->nopty_idle,
	};
	const struct session_policy *p;
	unsigned i;

	for (i = 0; service && i < c->n_services && i < CONFIG_SERVICES_MAX; i++) {
		p = &c->services[i].session;
		if (strcmp(c->services[i].name, service) != 0)
			continue;
		if (p->max_sessions >= 0)
			v.max_sessions = (uint32_t)p->max_sessions;
		if (p->max_sessions_per_source >= 0)
			v.max_sessions_per_source = (uint32_t)p->max_sessions_per_source;
		if (p->on_excess >= 0)
			v.on_excess = (enum on_excess)p->on_excess;
		if (p->idle_timeout >= 0)
			v.idle_timeout = (uint32_t)p->idle_timeout;
		if (p->idle_warning >= 0)
			v.idle_warning = (uint32_t)p->idle_warning;
		if (p->lifetime >= 0)
			v.lifetime = (uint32_t)p->lifetime;
		if (p->nopty_idle >= 0)
			v.nopty_idle = p->nopty_idle != 0;
		break;
	}
	if (band >= 1 && band <= CONFIG_SESSION_BANDS) {
		p = &c->session_band[band - 1];
		v.max_sessions = tighter(v.max_sessions, p->max_sessions);
		v.max_sessions_per_source = tighter(v.max_sessions_per_source, p->max_sessions_per_source);
		v.idle_timeout = tighter(v.idle_timeout, p->idle_timeout);
		v.lifetime = tighter(v.lifetime, p->lifetime);
		/* A longer warning is the stricter one only in the sense of
		 * earlier; the band's, if set, counts as written. */
		if (p->idle_warning >= 0)
			v.idle_warning = (uint32_t)p->idle_warning;
		if (p->on_excess == ON_EXCESS_END_OLDEST)
			v.on_excess = ON_EXCESS_END_OLDEST;
		if (p->nopty_idle == 1)
			v.nopty_idle = true;
	}
	*ret = v;
}
