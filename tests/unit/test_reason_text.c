/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for reason_text.c: every denial reason of the protocol, and
 * every allow and step-up reason, has a phrase (a reason added without one
 * would leave its MESSAGE saying only "login denied"); phrases depend on the
 * decision where the same reason means two things; output is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "reason_text.h"
#include "vigil/proto.h"

static void expect_phrase(const char *decision, const char *reason, const char *want)
{
	char out[256];

	reason_phrase(decision, reason, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("%s/%s: \"%s\", expected \"%s\"", decision, reason, out, want);
}

static void test_every_denial_has_a_phrase(void **state)
{
	char out[256];
	uint16_t r;

	(void)state;
	for (r = VIGIL_REASON_NONE + 1; r < VIGIL_REASON_MAX_; r++) {
		reason_phrase("deny", reason_name(r), out, sizeof(out));
		if (strncmp(out, "login denied, ", 14) != 0 || strlen(out) < 20)
			fail_msg("reason %s has no phrase: \"%s\"", reason_name(r), out);
	}
	expect_phrase("deny", "network", "login denied, the source is not allowed by [network]");
	expect_phrase("deny", "risk", "login denied, the risk score is at or above deny_at");
}

static void test_allow_and_stepup(void **state)
{
	(void)state;
	expect_phrase("allow", REASON_LOW_RISK, "login allowed, the risk score is below stepup_at");
	expect_phrase("allow", REASON_GRANT,
	              "login allowed, an earlier step-up from this device and source still holds");
	expect_phrase("allow", REASON_STEPPED_UP, "login allowed, the second factor was proven");
	expect_phrase("allow", REASON_SHADOW, "login allowed, shadow mode lets every login in");
	expect_phrase("allow", "not_enrolled", "login allowed, no factor is enrolled and no_factor = allow");
	/* "risk" and "not_enrolled" mean something else for other decisions. */
	expect_phrase("stepup", "risk", "step-up required, the risk score is at or above stepup_at");
	expect_phrase("stepup", REASON_FRESH, "step-up required, a privileged service needs a recent step-up");
	expect_phrase("enroll", "not_enrolled",
	              "in-band enrollment required, a step-up is needed and the user has no factor yet: one is "
	              "enrolled at this login");
	expect_phrase("deny", "not_enrolled",
	              "login denied, a step-up is needed and the user has no factor (no_factor = deny)");
}

static void test_unknown_and_bounded(void **state)
{
	char out[16];

	(void)state;
	expect_phrase("deny", "no-such-reason", "login denied");
	expect_phrase("no-such-decision", NULL, "login decided");
	expect_phrase(NULL, NULL, "login decided");
	memset(out, 'x', sizeof(out));
	reason_phrase("deny", "network", out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	reason_phrase("deny", "network", NULL, 0); /* no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_denial_has_a_phrase),
	    cmocka_unit_test(test_allow_and_stepup),
	    cmocka_unit_test(test_unknown_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
