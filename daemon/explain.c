/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Explaining a decision (see explain.h).  The login's record (store_login)
 * says what was decided: score, signals, verdict, reason, outcome, shadow,
 * the same values its audit record carries.  The running configuration
 * says what each signal weighs and where the thresholds are; when it
 * changed since, the points may not add up to the recorded score, and the
 * rule says so.  Database rows are trusted only after store_login_get()
 * checked them; strings reach the client through the codec's limits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_entries.h"
#include "explain.h"
#include "log.h"
#include "proto.h"
#include "reason_text.h"

/* Each signal's weight, in bit order (enum vigil_signal). */
static void points_fill(const struct vigil_config *c, uint32_t points[VIGIL_SIGNAL_COUNT])
{
	const uint32_t w[VIGIL_SIGNAL_COUNT] = {
	    c->new_device,   c->new_source,    c->new_prefix,      c->stale_account,
	    c->stale_device, c->user_failures, c->source_failures, c->privileged,
	};

	memcpy(points, w, sizeof(w));
}

/* An append-only, always terminated, silently truncated line. */
struct text {
	char *out;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->out + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = (size_t)n < t->cap - t->len ? t->len + (size_t)n : t->cap - 1;
}

/* Why a step-up was owed. */
static void owed(struct text *t, const struct vigil_explanation *e)
{
	if (e->why == VIGIL_WHY_FRESH)
		text_add(t, "privileged service without a step-up in the last %u s", (unsigned)e->fresh_window);
	else
		text_add(t, "score %u >= stepup_at %u", (unsigned)e->score, (unsigned)e->stepup_at);
}

/* How a step-up ended, for a recorded login (SIMULATE: outcome 0). */
static void step_end(struct text *t, const struct vigil_explanation *e)
{
	if (e->outcome == VIGIL_OUTCOME_ALLOW)
		text_add(t, "; the code was accepted: allowed");
	else if (e->outcome == VIGIL_OUTCOME_DENY)
		text_add(t, "; %s: denied",
		         e->reason == VIGIL_REASON_REPLAY      ? "the code was just used (replay)"
		         : e->reason == VIGIL_REASON_NO_ANSWER ? "no code was typed"
		                                               : "the code was wrong or refused");
}

/* The rule that applied, in words.  In shadow or learn mode the verdict is
 * said as what enforcement would have done, and that the login was let in. */
static void rule_fill(const struct vigil_config *c, struct vigil_explanation *e)
{
	struct text t = {e->rule, sizeof(e->rule), 0};
	const char *denied = e->shadow ? "would be denied" : "denied";

	e->rule[0] = '\0';
	switch (e->reason) {
	case VIGIL_REASON_NETWORK:
		text_add(&t, "source %s is on the network deny list or off the allow list: %s before scoring",
		         e->source, denied);
		goto done;
	case VIGIL_REASON_LOCKED:
		text_add(&t, "the user is locked out after %u wrong codes within %u s: %s", (unsigned)c->lockout_deny,
		         (unsigned)c->lockout_interval, denied);
		goto done;
	case VIGIL_REASON_SUSPENDED:
		text_add(&t, "the account is suspended by an administrator (vigilctl user resume lifts it): %s",
		         denied);
		goto done;
	case VIGIL_REASON_SOURCE_LOCKED:
		text_add(&t, "where the attempts come from is locked (its failures over the limit): %s", denied);
		goto done;
	case VIGIL_REASON_INTERNAL:
		text_add(&t, "vigild could not decide (store error, or the caller hung up): denied");
		goto done;
	case VIGIL_REASON_STEPUP_NOT_DONE:
		text_add(&t, "a step-up was owed but auth never asked for it (sshd publickey-only; use "
		             "AuthenticationMethods publickey,keyboard-interactive): denied");
		goto done;
	case VIGIL_REASON_UNKNOWN_USER:
		text_add(&t, "NSS does not know the user: denied");
		goto done;
	case VIGIL_REASON_PERMISSION:
		text_add(&t, "the request named no user or service: denied");
		goto done;
	default:
		break;
	}
	switch (e->verdict) {
	case VIGIL_VERDICT_ALLOW:
		if (e->score < e->stepup_at)
			text_add(&t, "score %u < stepup_at %u", (unsigned)e->score, (unsigned)e->stepup_at);
		else
			text_add(&t,
			         "score %u >= stepup_at %u, covered by an unexpired step-up grant for this "
			         "device and source",
			         (unsigned)e->score, (unsigned)e->stepup_at);
		if (e->fresh_window)
			text_add(&t, "; privileged service with a step-up in the last %u s", (unsigned)e->fresh_window);
		text_add(&t, ": allowed");
		break;
	case VIGIL_VERDICT_DENY:
		if (e->reason == VIGIL_REASON_NOT_ENROLLED) {
			text_add(&t, "a step-up is owed (");
			owed(&t, e);
			text_add(&t, ") and the user has no factor; no_factor = %s: %s",
			         config_no_factor_name(c->no_factor), denied);
		} else {
			text_add(&t, "score %u >= deny_at %u: %s", (unsigned)e->score, (unsigned)e->deny_at, denied);
		}
		break;
	case VIGIL_VERDICT_STEPUP:
		text_add(&t, "a step-up is owed (");
		owed(&t, e);
		text_add(&t, e->shadow ? "): a TOTP code would be asked" : "): TOTP code asked");
		if (!e->shadow)
			step_end(&t, e);
		break;
	case VIGIL_VERDICT_ENROLL:
		text_add(&t, "a step-up is owed (");
		owed(&t, e);
		text_add(&t, "), no factor, no_factor = enroll within the grace period: in-band enrollment %s",
		         e->shadow ? "would be offered" : "offered");
		if (!e->shadow)
			step_end(&t, e);
		break;
	case VIGIL_VERDICT_ALLOW_NO_FACTOR:
		text_add(&t, "a step-up is owed (");
		owed(&t, e);
		text_add(&t, "), no factor, no_factor = allow: allowed and audited");
		break;
	default:
		text_add(&t, "recorded before vigild kept the verdict: outcome and score only");
		break;
	}
done:
	if (e->shadow == VIGIL_MODE_LEARN)
		text_add(&t, "; learn mode let the login in and learned its device and source");
	else if (e->shadow)
		text_add(&t, "; shadow mode let the login in");
}

/* The reason a decision record names, as login.c writes it (its
 * verdict_reason() and allow_reason(); tests/admin_change checks the two
 * against real logins).  simulated: the record of the verdict, the first a
 * login writes (a shadow record says what enforcement would have given);
 * else the record that ended the login. */
static const char *record_reason(const struct vigil_explanation *e, bool simulated)
{
	/* The allow record of a login a mode let in names the mode. */
	const char *waived = e->shadow == VIGIL_MODE_LEARN ? REASON_LEARN : REASON_SHADOW;

	if (e->outcome == VIGIL_OUTCOME_DENY && !simulated)
		return reason_name(e->reason);
	switch (e->verdict) {
	case VIGIL_VERDICT_DENY:
		return simulated || !e->shadow ? reason_name(e->reason) : waived;
	case VIGIL_VERDICT_STEPUP:
		if (simulated)
			return e->why == VIGIL_WHY_FRESH ? REASON_FRESH : reason_name(VIGIL_REASON_RISK);
		return e->shadow ? waived : REASON_STEPPED_UP;
	case VIGIL_VERDICT_ENROLL:
		return simulated ? reason_name(VIGIL_REASON_NOT_ENROLLED) : e->shadow ? waived : REASON_STEPPED_UP;
	case VIGIL_VERDICT_ALLOW_NO_FACTOR:
		return simulated || !e->shadow ? reason_name(VIGIL_REASON_NOT_ENROLLED) : waived;
	case VIGIL_VERDICT_ALLOW:
		return e->score < e->stepup_at && e->fresh_window == 0 ? REASON_LOW_RISK : REASON_GRANT;
	default:
		return reason_name(e->reason);
	}
}

void explain_fill(const struct vigil_config *cfg, struct vigil_explanation *e, bool simulated)
{
	struct service_view v;

	config_service(cfg, e->service, &v);
	points_fill(cfg, e->points);
	e->stepup_at = v.stepup_at;
	e->deny_at = v.deny_at;
	e->fresh_window = v.privileged ? v.fresh_window : 0;
	rule_fill(cfg, e);
	snprintf(e->record_reason, sizeof(e->record_reason), "%s", record_reason(e, simulated));
}

int admin_explain(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t, struct vigil_msg *reply)
{
	struct vigil_explanation *e = &reply->u.explain;
	struct store_login l;
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	r = strlen(t->target) > VIGIL_LOGIN_ID_MAX ? -ENOENT : store_login_get(d->store, t->target, &l);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_UNKNOWN_LOGIN);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "explaining login %s failed: %s", t->target, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_EXPLANATION;
	strcpy(e->login_id, l.login_id);
	strcpy(e->user, l.user);
	strcpy(e->service, l.service);
	strcpy(e->source, l.source);
	strcpy(e->device, l.device);
	e->time = l.time;
	e->outcome = l.outcome;
	e->verdict = l.verdict;
	e->why = l.why;
	/* Only a verdict the mode waived is marked: an allow was enforced. */
	e->shadow = l.verdict > VIGIL_VERDICT_ALLOW && l.mode < VIGIL_MODE_MAX_ ? l.mode : 0;
	e->reason = l.reason;
	e->score = l.score;
	e->signals = l.signals;
	explain_fill(d->config, e, false);
	return 0;
}
