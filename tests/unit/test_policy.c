/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for policy_decide(): every branch in order (network lists with
 * IPv4, IPv6 and IPv4-mapped addresses; lockout; deny band; step-up band and
 * the grant that satisfies it; the fresh window of privileged services at
 * its boundaries; per-service overrides; the three no-factor modes and the
 * enrollment grace boundary).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define NOW 2000000000ULL

static struct vigil_config cfg;

static struct policy_input base(void)
{
	struct policy_input in = {
	    .service = "sshd",
	    .rhost = "192.0.2.10",
	    .score = 0,
	    .now = NOW,
	    .has_factor = true,
	    .enroll_path = true,
	    .user_first_allowed = NOW - 1000000,
	    .grant_time = 0,
	    .locked = false,
	};
	return in;
}

static struct policy_verdict decide(const struct policy_input *in)
{
	struct policy_verdict v;

	memset(&v, 0xa5, sizeof(v));
	policy_decide(&cfg, in, &v);
	return v;
}

#define assert_verdict(in, act, rsn)                                                                                   \
	do {                                                                                                           \
		struct policy_verdict v_ = decide(in);                                                                 \
		assert_int_equal(v_.action, (act));                                                                    \
		if ((act) == POLICY_DENY)                                                                              \
			assert_int_equal(v_.reason, (rsn));                                                            \
	} while (0)

#define assert_stepup(in, w)                                                                                           \
	do {                                                                                                           \
		struct policy_verdict v_ = decide(in);                                                                 \
		assert_int_equal(v_.action, POLICY_STEPUP);                                                            \
		assert_int_equal(v_.why, (w));                                                                         \
	} while (0)

static void add_net(struct cidr *list, unsigned *n, const char *s)
{
	assert_int_equal(cidr_parse(s, &list[*n]), 0);
	(*n)++;
}

static struct service_policy *add_service(const char *name)
{
	struct service_policy *s = &cfg.services[cfg.n_services++];

	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->stepup_at = s->deny_at = s->fresh_window = -1;
	s->privileged = -1;
	return s;
}

static int setup(void **state)
{
	config_defaults(&cfg);
	return 0;
}

static void test_allow_quiet(void **state)
{
	struct policy_input in = base();
	struct policy_verdict v = decide(&in);

	assert_int_equal(v.action, POLICY_ALLOW);
	assert_int_equal(v.reason, VIGIL_REASON_NONE);
}

static void test_deny_list(void **state)
{
	struct policy_input in = base();

	add_net(cfg.deny, &cfg.n_deny, "192.0.2.0/24");
	add_net(cfg.deny, &cfg.n_deny, "2001:db8:bad::/48");
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);

	in.rhost = "192.0.3.10";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.rhost = "2001:db8:bad:1::5";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	in.rhost = "2001:db8:bae::5";
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* The IPv4-mapped form of a listed IPv4 address is the same source. */
	in.rhost = "::ffff:192.0.2.77";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	in.rhost = "::ffff:192.0.3.77";
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* A local login is not subject to the lists. */
	in.rhost = "";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.rhost = NULL;
	assert_verdict(&in, POLICY_ALLOW, 0);
}

static void test_deny_list_mapped_entry(void **state)
{
	struct policy_input in = base();

	/* An entry written in mapped form matches the plain IPv4 address. */
	add_net(cfg.deny, &cfg.n_deny, "::ffff:192.0.2.0/120");
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	in.rhost = "192.0.3.1";
	assert_verdict(&in, POLICY_ALLOW, 0);
}

static void test_allow_list(void **state)
{
	struct policy_input in = base();

	add_net(cfg.allow, &cfg.n_allow, "10.0.0.0/8");
	add_net(cfg.allow, &cfg.n_allow, "2001:db8::/32");
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	in.rhost = "10.200.0.1";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.rhost = "::ffff:10.200.0.1";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.rhost = "2001:db8:1::1";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.rhost = "2001:db9::1";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	/* A name (UseDNS yes) is in no allow list. */
	in.rhost = "host.example.org";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	/* Local logins pass. */
	in.rhost = "";
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* The deny list wins over the allow list. */
	add_net(cfg.deny, &cfg.n_deny, "10.200.0.1");
	in.rhost = "10.200.0.1";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
	in.rhost = "10.200.0.2";
	assert_verdict(&in, POLICY_ALLOW, 0);
}

static void test_network_before_lockout(void **state)
{
	struct policy_input in = base();

	in.locked = true;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_LOCKED);
	add_net(cfg.deny, &cfg.n_deny, "192.0.2.10");
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NETWORK);
}

static void test_suspended_first_after_network(void **state)
{
	struct policy_input in = base();

	in.suspended = true;
	in.locked = true;
	in.grant_time = NOW;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_SUSPENDED);
	in.suspended = false;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_LOCKED);
}

static void test_locked_beats_everything_after(void **state)
{
	struct policy_input in = base();

	in.locked = true;
	in.score = 1000;
	in.grant_time = NOW;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_LOCKED);
	/* A locked source (an address over its rate, or a local caller that
	 * typed too many wrong codes) is told apart from a locked user. */
	in.locked = false;
	in.source_locked = true;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_SOURCE_LOCKED);
}

static void test_score_bands(void **state)
{
	struct policy_input in = base();

	in.score = cfg.stepup_at - 1;
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.score = cfg.stepup_at;
	assert_stepup(&in, VIGIL_WHY_RISK);
	in.score = cfg.deny_at - 1;
	assert_stepup(&in, VIGIL_WHY_RISK);
	in.score = cfg.deny_at;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_RISK);
	/* A grant never lifts the deny band. */
	in.grant_time = NOW - 10;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_RISK);
}

static void test_grant_satisfies_risk_band(void **state)
{
	struct policy_input in = base();

	in.score = cfg.stepup_at + 5;
	in.grant_time = NOW - 40000; /* old but, per the caller, unexpired */
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.grant_time = 0;
	assert_stepup(&in, VIGIL_WHY_RISK);
}

static void test_fresh_window(void **state)
{
	struct policy_input in = base();

	in.service = "sudo";
	/* No grant: a privileged service steps up even at score 0. */
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.grant_time = NOW - cfg.fresh_window;
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.grant_time = NOW - cfg.fresh_window - 1;
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.grant_time = NOW;
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* A grant from the future is not fresh. */
	in.grant_time = NOW + 1;
	assert_stepup(&in, VIGIL_WHY_FRESH);

	/* In the risk band with a stale grant: the grant covers the band, the
	 * fresh window still asks. */
	in.grant_time = NOW - cfg.fresh_window - 1;
	in.score = cfg.stepup_at;
	assert_stepup(&in, VIGIL_WHY_FRESH);
	/* Without any grant the band is the reason. */
	in.grant_time = 0;
	assert_stepup(&in, VIGIL_WHY_RISK);

	/* The other default privileged services. */
	in.score = 0;
	in.service = "su";
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.service = "su-l";
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.service = "sudo-i";
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.service = "login";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.service = NULL;
	assert_verdict(&in, POLICY_ALLOW, 0);

	/* fresh_window = 0 turns it off. */
	in.service = "sudo";
	cfg.fresh_window = 0;
	assert_verdict(&in, POLICY_ALLOW, 0);
}

static void test_service_overrides(void **state)
{
	struct policy_input in = base();
	struct service_policy *s;

	s = add_service("sshd");
	s->stepup_at = 10;
	s->deny_at = 50;
	in.score = 9;
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.score = 10;
	assert_stepup(&in, VIGIL_WHY_RISK);
	in.score = 50;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_RISK);
	/* Other services keep the [policy] values. */
	in.service = "login";
	assert_stepup(&in, VIGIL_WHY_RISK);
	in.score = 10;
	assert_verdict(&in, POLICY_ALLOW, 0);

	/* A service marked privileged, with its own fresh window. */
	s = add_service("custom");
	s->privileged = 1;
	s->fresh_window = 60;
	in.service = "custom";
	in.score = 0;
	assert_stepup(&in, VIGIL_WHY_FRESH);
	in.grant_time = NOW - 60;
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.grant_time = NOW - 61;
	assert_stepup(&in, VIGIL_WHY_FRESH);

	/* sudo made unprivileged. */
	s = add_service("sudo");
	s->privileged = 0;
	in.service = "sudo";
	in.grant_time = 0;
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* A service entry is matched exactly. */
	in.service = "sudo2";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.service = "sud";
	assert_verdict(&in, POLICY_ALLOW, 0);
}

static void test_no_factor_deny(void **state)
{
	struct policy_input in = base();

	in.has_factor = false;
	assert_verdict(&in, POLICY_ALLOW, 0); /* nothing owed */
	in.score = cfg.stepup_at;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	in.score = 0;
	in.service = "sudo";
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
}

static void test_no_factor_enroll_grace(void **state)
{
	struct policy_input in = base();
	struct policy_verdict v;

	cfg.no_factor = NO_FACTOR_ENROLL;
	in.has_factor = false;
	in.score = cfg.stepup_at;
	in.user_first_allowed = NOW - cfg.enroll_grace;
	v = decide(&in);
	assert_int_equal(v.action, POLICY_ENROLL);
	assert_int_equal(v.why, VIGIL_WHY_ENROLL);
	in.user_first_allowed = NOW;
	assert_verdict(&in, POLICY_ENROLL, 0);
	in.user_first_allowed = NOW - cfg.enroll_grace - 1;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	in.user_first_allowed = NOW + 1;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	/* Never allowed: no clock has started, whoever named the user. */
	in.user_first_allowed = 0;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	/* ... unless the admin set the date the grace runs from. */
	cfg.enroll_since = NOW - 10;
	assert_verdict(&in, POLICY_ENROLL, 0);
	cfg.enroll_since = NOW - cfg.enroll_grace - 1;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	cfg.enroll_since = 0;
	in.user_first_allowed = NOW;
	/* Only where a first factor of this very user is proven (an sshd
	 * publickey login): never su, sudo or login. */
	in.enroll_path = false;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	in.enroll_path = true;
	/* enroll_grace = 0 means never, not "within the same second". */
	cfg.enroll_grace = 0;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_NOT_ENROLLED);
	cfg.enroll_grace = 86400;
	/* Nothing owed: no enrollment forced. */
	in.score = 0;
	assert_verdict(&in, POLICY_ALLOW, 0);
	/* The deny band is not an enrollment opportunity. */
	in.score = cfg.deny_at;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_RISK);
}

static void test_no_factor_allow(void **state)
{
	struct policy_input in = base();

	cfg.no_factor = NO_FACTOR_ALLOW;
	in.has_factor = false;
	in.service = "sudo";
	assert_verdict(&in, POLICY_ALLOW_NO_FACTOR, 0);
	in.service = "sshd";
	assert_verdict(&in, POLICY_ALLOW, 0);
	in.score = cfg.stepup_at;
	assert_verdict(&in, POLICY_ALLOW_NO_FACTOR, 0);
	in.locked = true;
	assert_verdict(&in, POLICY_DENY, VIGIL_REASON_LOCKED);
}

/* Only learn and shadow waive, only a verdict that is not an allow, and
 * only learn learns from what it waives; a mode out of range waives
 * nothing (fail closed). */
/* Wherever policy_needs_factors() says no, the verdict is the same for
 * every value of what it lets the caller leave unread (factors, grant,
 * enrollment): checked over every combination of the other inputs that
 * steer the policy, in every no_factor mode. */
static void test_needs_factors(void **state)
{
	static const char *const rhosts[] = {"192.0.2.10", "198.51.100.1", ""};
	static const char *const services[] = {"sshd", "sudo"};
	static const uint64_t grants[] = {0, NOW, NOW - 60, NOW - 40000, NOW + 1};
	const uint32_t scores[] = {0, cfg.stepup_at - 1, cfg.stepup_at, cfg.deny_at - 1, cfg.deny_at};
	const enum no_factor_action modes[] = {NO_FACTOR_DENY, NO_FACTOR_ENROLL, NO_FACTOR_ALLOW};
	struct policy_input in = base(), bare;
	struct policy_verdict v0, v;
	unsigned needed = 0, not_needed = 0;

	add_net(cfg.deny, &cfg.n_deny, "198.51.100.0/24");
	for (size_t m = 0; m < 3; m++)
		for (size_t h = 0; h < 3; h++)
			for (size_t sv = 0; sv < 2; sv++)
				for (size_t sc = 0; sc < 5; sc++)
					for (unsigned lk = 0; lk < 8; lk++) {
						cfg.no_factor = modes[m];
						bare = (struct policy_input){
						    .service = services[sv],
						    .rhost = rhosts[h],
						    .score = scores[sc],
						    .now = NOW,
						    .suspended = lk & 1,
						    .locked = lk & 2,
						    .source_locked = lk & 4,
						};
						if (policy_needs_factors(&cfg, &bare)) {
							needed++;
							continue;
						}
						not_needed++;
						v0 = decide(&bare);
						for (unsigned f = 0; f < 16 * 5; f++) {
							in = bare;
							in.has_factor = f & 1;
							in.enrolled = f & 2;
							in.enroll_path = f & 4;
							in.user_first_allowed = f & 8 ? NOW - 10 : 0;
							in.grant_time = grants[f / 16];
							v = decide(&in);
							assert_int_equal(v.action, v0.action);
							assert_int_equal(v.reason, v0.reason);
						}
					}
	/* Both sides are reached: a step-up owed needs them. */
	assert_true(needed > 0 && not_needed > 0);
	in = base();
	in.score = cfg.stepup_at;
	assert_true(policy_needs_factors(&cfg, &in));
	in.score = 0;
	assert_false(policy_needs_factors(&cfg, &in));
	in.service = "sudo";
	assert_true(policy_needs_factors(&cfg, &in));
	/* A grant does not make them unneeded: it is one of them. */
	in.grant_time = NOW;
	assert_true(policy_needs_factors(&cfg, &in));
}

static void test_mode_apply(void **state)
{
	static const enum policy_action actions[] = {POLICY_ALLOW, POLICY_STEPUP, POLICY_DENY, POLICY_ENROLL,
	                                             POLICY_ALLOW_NO_FACTOR};
	struct policy_waiver w;

	(void)state;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		bool refused = actions[i] != POLICY_ALLOW;

		policy_mode_apply(VIGIL_MODE_ENFORCE, actions[i], &w);
		assert_false(w.waived);
		assert_false(w.learns);
		policy_mode_apply(VIGIL_MODE_SHADOW, actions[i], &w);
		assert_int_equal(w.waived, refused);
		assert_false(w.learns);
		policy_mode_apply(VIGIL_MODE_LEARN, actions[i], &w);
		assert_int_equal(w.waived, refused);
		assert_int_equal(w.learns, refused);
		policy_mode_apply(VIGIL_MODE_MAX_, actions[i], &w);
		assert_false(w.waived);
		policy_mode_apply((enum vigil_mode)200, actions[i], &w);
		assert_false(w.waived);
	}
}

/* A per-service mode overrides [policy] mode for that service only. */
static void test_mode_per_service(void **state)
{
	struct service_view v;

	(void)state;
	cfg.mode = VIGIL_MODE_LEARN;
	cfg.n_services = 1;
	memset(&cfg.services[0], 0, sizeof(cfg.services[0]));
	strcpy(cfg.services[0].name, "sudo");
	cfg.services[0].stepup_at = cfg.services[0].deny_at = cfg.services[0].fresh_window = -1;
	cfg.services[0].privileged = -1;
	cfg.services[0].mode = VIGIL_MODE_ENFORCE;
	config_service(&cfg, "sshd", &v);
	assert_int_equal(v.mode, VIGIL_MODE_LEARN);
	config_service(&cfg, "sudo", &v);
	assert_int_equal(v.mode, VIGIL_MODE_ENFORCE);
	cfg.services[0].mode = -1;
	config_service(&cfg, "sudo", &v);
	assert_int_equal(v.mode, VIGIL_MODE_LEARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_allow_quiet, setup),
	    cmocka_unit_test_setup(test_deny_list, setup),
	    cmocka_unit_test_setup(test_deny_list_mapped_entry, setup),
	    cmocka_unit_test_setup(test_allow_list, setup),
	    cmocka_unit_test_setup(test_network_before_lockout, setup),
	    cmocka_unit_test_setup(test_suspended_first_after_network, setup),
	    cmocka_unit_test_setup(test_locked_beats_everything_after, setup),
	    cmocka_unit_test_setup(test_score_bands, setup),
	    cmocka_unit_test_setup(test_grant_satisfies_risk_band, setup),
	    cmocka_unit_test_setup(test_fresh_window, setup),
	    cmocka_unit_test_setup(test_service_overrides, setup),
	    cmocka_unit_test_setup(test_no_factor_deny, setup),
	    cmocka_unit_test_setup(test_no_factor_enroll_grace, setup),
	    cmocka_unit_test_setup(test_no_factor_allow, setup),
	    cmocka_unit_test_setup(test_needs_factors, setup),
	    cmocka_unit_test_setup(test_mode_apply, setup),
	    cmocka_unit_test_setup(test_mode_per_service, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
