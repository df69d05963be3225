/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Risk scoring (see risk.h): pure arithmetic over facts the daemon already
 * gathered from its store and the request.  Trusts the configuration's
 * weights; guards only against overflow (saturating sums) and clocks that
 * went backwards (a "last seen" in the future is not stale).
 */
#include <stdint.h>

#include "vigil/proto.h"
#include "risk.h"

#define DAY 86400U

static uint32_t add_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* True if at least days whole days passed from then to now. */
static bool older_than(uint64_t now, uint64_t then, uint32_t days)
{
	return now >= then && now - then >= (uint64_t)days * DAY;
}

void risk_score(const struct vigil_config *c, const struct risk_facts *f, struct risk_result *ret)
{
	struct risk_result r = {0, 0};

#define FIRE(bit, points)                                                                                              \
	do {                                                                                                           \
		r.score = add_sat(r.score, (points));                                                                  \
		r.signals |= (uint32_t)(bit);                                                                          \
	} while (0)

	if (!f->device_known)
		FIRE(VIGIL_SIGNAL_NEW_DEVICE, c->new_device);
	else if (f->device_last_seen && older_than(f->now, f->device_last_seen, c->stale_device_days))
		FIRE(VIGIL_SIGNAL_STALE_DEVICE, c->stale_device);

	if (f->has_source) {
		if (!f->source_known)
			FIRE(VIGIL_SIGNAL_NEW_SOURCE, c->new_source);
		if (!f->prefix_known)
			FIRE(VIGIL_SIGNAL_NEW_PREFIX, c->new_prefix);
	}

	if (f->last_success && older_than(f->now, f->last_success, c->stale_account_days))
		FIRE(VIGIL_SIGNAL_STALE_ACCOUNT, c->stale_account);

	if (f->user_failures >= c->user_failures_min)
		FIRE(VIGIL_SIGNAL_USER_FAILURES, c->user_failures);
	if (f->source_failures >= c->source_failures_min)
		FIRE(VIGIL_SIGNAL_SOURCE_FAILURES, c->source_failures);

	if (f->privileged)
		FIRE(VIGIL_SIGNAL_PRIVILEGED, c->privileged);
#undef FIRE

	*ret = r;
}
