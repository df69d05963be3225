/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for explain_fill() (daemon/explain.c): the points of every
 * signal in bit order and the service's thresholds come from the running
 * configuration (per-service overrides, the fresh window only for a
 * privileged service), and the rule names what decided: the network lists,
 * a lockout, the deny band, a step-up owed by the score or by the fresh
 * window and how it ended, no factor under each no_factor mode, shadow mode,
 * a login recorded before verdicts were kept.  policy_action_verdict() maps
 * every action.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "explain.h"
#include "policy.h"

static struct vigil_config cfg;

static int setup(void **state)
{
	(void)state;
	config_defaults(&cfg);
	return 0;
}

static struct vigil_explanation base(const char *service, uint8_t verdict, uint8_t outcome, uint16_t reason,
                                     uint32_t score)
{
	struct vigil_explanation e = {0};

	snprintf(e.service, sizeof(e.service), "%s", service);
	snprintf(e.source, sizeof(e.source), "192.0.2.10");
	e.verdict = verdict;
	e.outcome = outcome;
	e.reason = reason;
	e.score = score;
	e.why = VIGIL_WHY_RISK;
	return e;
}

/* The rule of e, filled, contains every one of the NULL-ended needles. */
static void expect_rule(struct vigil_explanation *e, ...)
{
	const char *needle;
	va_list ap;

	explain_fill(&cfg, e, false);
	va_start(ap, e);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(e->rule, needle))
			fail_msg("rule \"%s\" lacks \"%s\"", e->rule, needle);
	va_end(ap);
}

static void test_points_and_thresholds(void **state)
{
	struct vigil_explanation e = base("sshd", VIGIL_VERDICT_ALLOW, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0);
	const uint32_t want[VIGIL_SIGNAL_COUNT] = {cfg.new_device,      cfg.new_source,   cfg.new_prefix,
	                                           cfg.stale_account,   cfg.stale_device, cfg.user_failures,
	                                           cfg.source_failures, cfg.privileged};

	(void)state;
	explain_fill(&cfg, &e, false);
	assert_memory_equal(e.points, want, sizeof(want));
	assert_int_equal(e.stepup_at, cfg.stepup_at);
	assert_int_equal(e.deny_at, cfg.deny_at);
	assert_int_equal(e.fresh_window, 0); /* not privileged */

	e = base("sudo", VIGIL_VERDICT_ALLOW, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0);
	explain_fill(&cfg, &e, false);
	assert_int_equal(e.fresh_window, cfg.fresh_window);

	/* A per-service override, and a changed weight. */
	cfg.n_services = 1;
	snprintf(cfg.services[0].name, sizeof(cfg.services[0].name), "sshd");
	cfg.services[0].stepup_at = 55;
	cfg.services[0].deny_at = 77;
	cfg.services[0].fresh_window = -1;
	cfg.services[0].privileged = -1;
	cfg.new_device = 41;
	e = base("sshd", VIGIL_VERDICT_ALLOW, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0);
	explain_fill(&cfg, &e, false);
	assert_int_equal(e.stepup_at, 55);
	assert_int_equal(e.deny_at, 77);
	assert_int_equal(e.points[0], 41);
	config_defaults(&cfg);
}

static void test_rules(void **state)
{
	struct vigil_explanation e;

	(void)state;
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_DENY, VIGIL_REASON_NETWORK, 80);
	expect_rule(&e, "192.0.2.10", "network deny list", "denied", NULL);
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_DENY, VIGIL_REASON_LOCKED, 20);
	expect_rule(&e, "locked out", "3 wrong codes within 900 s", NULL);
	e = base("sudo", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_DENY, VIGIL_REASON_SOURCE_LOCKED, 20);
	expect_rule(&e, "attempts come from is locked", NULL);
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_DENY, VIGIL_REASON_RISK, 120);
	expect_rule(&e, "score 120 >= deny_at 100: denied", NULL);
	e = base("sshd", VIGIL_VERDICT_ALLOW, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 20);
	expect_rule(&e, "score 20 < stepup_at 30", "allowed", NULL);
	e = base("sshd", VIGIL_VERDICT_ALLOW, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 60);
	expect_rule(&e, "score 60 >= stepup_at 30", "grant", "allowed", NULL);
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 60);
	expect_rule(&e, "score 60 >= stepup_at 30", "TOTP code asked", "accepted: allowed", NULL);
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_DENY, VIGIL_REASON_REPLAY, 60);
	expect_rule(&e, "replay", "denied", NULL);
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_DENY, VIGIL_REASON_NO_ANSWER, 60);
	expect_rule(&e, "no code was typed", NULL);
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, 60);
	expect_rule(&e, "wrong", "denied", NULL);
	/* SIMULATE: not answered yet, no ending. */
	e = base("sshd", VIGIL_VERDICT_STEPUP, 0, VIGIL_REASON_NONE, 60);
	expect_rule(&e, "TOTP code asked", NULL);
	assert_null(strstr(e.rule, "allowed"));
	assert_null(strstr(e.rule, "denied"));
	/* The fresh window of a privileged service. */
	e = base("sudo", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 0);
	e.why = VIGIL_WHY_FRESH;
	expect_rule(&e, "privileged service without a step-up in the last 300 s", NULL);
	/* No factor, under each mode. */
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_DENY, VIGIL_REASON_NOT_ENROLLED, 40);
	expect_rule(&e, "no factor", "no_factor = deny", "denied", NULL);
	cfg.no_factor = NO_FACTOR_ENROLL;
	e = base("sshd", VIGIL_VERDICT_ENROLL, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 40);
	expect_rule(&e, "in-band enrollment offered", "allowed", NULL);
	cfg.no_factor = NO_FACTOR_ALLOW;
	e = base("sshd", VIGIL_VERDICT_ALLOW_NO_FACTOR, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 40);
	expect_rule(&e, "no_factor = allow: allowed and audited", NULL);
	config_defaults(&cfg);
	/* Shadow mode: the verdict, then allowed anyway. */
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_RISK, 120);
	e.shadow = 1;
	expect_rule(&e, "score 120 >= deny_at 100: would be denied; shadow mode let the login in", NULL);
	e = base("sshd", VIGIL_VERDICT_DENY, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NETWORK, 0);
	e.shadow = 1;
	expect_rule(&e, "would be denied before scoring; shadow mode let the login in", NULL);
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 60);
	e.shadow = 1;
	expect_rule(&e, "a TOTP code would be asked; shadow mode let the login in", NULL);
	/* The account phase of a publickey-only login, and older records. */
	e = base("sshd", VIGIL_VERDICT_STEPUP, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_NOT_DONE, 60);
	expect_rule(&e, "AuthenticationMethods publickey,keyboard-interactive", NULL);
	e = base("sshd", VIGIL_VERDICT_UNKNOWN, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, 10);
	expect_rule(&e, "recorded before vigild kept the verdict", NULL);
}

static void test_verdicts(void **state)
{
	(void)state;
	assert_int_equal(policy_action_verdict(POLICY_ALLOW), VIGIL_VERDICT_ALLOW);
	assert_int_equal(policy_action_verdict(POLICY_STEPUP), VIGIL_VERDICT_STEPUP);
	assert_int_equal(policy_action_verdict(POLICY_DENY), VIGIL_VERDICT_DENY);
	assert_int_equal(policy_action_verdict(POLICY_ENROLL), VIGIL_VERDICT_ENROLL);
	assert_int_equal(policy_action_verdict(POLICY_ALLOW_NO_FACTOR), VIGIL_VERDICT_ALLOW_NO_FACTOR);
	assert_int_equal(policy_action_verdict((enum policy_action)99), VIGIL_VERDICT_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_points_and_thresholds, setup),
	    cmocka_unit_test_setup(test_rules, setup),
	    cmocka_unit_test_setup(test_verdicts, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
