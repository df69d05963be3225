/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for risk_score(): each signal alone with its configured points,
 * combinations, local logins without a source, the stale thresholds exactly
 * at their boundary, clocks that run backwards, and saturation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "risk.h"

#define NOW 2000000000ULL
#define DAY 86400ULL

static struct vigil_config cfg;

/* A login that raises nothing: known device and source, recent activity. */
static struct risk_facts quiet(void)
{
	struct risk_facts f = {
	    .now = NOW,
	    .device_known = true,
	    .device_last_seen = NOW - DAY,
	    .source_known = true,
	    .prefix_known = true,
	    .has_source = true,
	    .last_success = NOW - DAY,
	    .user_failures = 0,
	    .source_failures = 0,
	    .privileged = false,
	};
	return f;
}

static struct risk_result score(const struct risk_facts *f)
{
	struct risk_result r = {0xdeadbeef, 0xdeadbeef};

	risk_score(&cfg, f, &r);
	return r;
}

static int setup(void **state)
{
	config_defaults(&cfg);
	/* Distinct weights, so a sum tells which signals were counted. */
	cfg.new_device = 1;
	cfg.new_source = 2;
	cfg.new_prefix = 4;
	cfg.stale_account = 8;
	cfg.stale_device = 16;
	cfg.user_failures = 32;
	cfg.source_failures = 64;
	cfg.privileged = 128;
	return 0;
}

static void test_quiet(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r = score(&f);

	assert_int_equal(r.score, 0);
	assert_int_equal(r.signals, 0);
}

static void test_new_device(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.device_known = false;
	/* An unknown device is new, never also stale. */
	f.device_last_seen = NOW - 1000 * DAY;
	r = score(&f);
	assert_int_equal(r.score, 1);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_DEVICE);
}

static void test_stale_device_boundary(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.device_last_seen = NOW - cfg.stale_device_days * DAY + 1;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	f.device_last_seen = NOW - cfg.stale_device_days * DAY;
	r = score(&f);
	assert_int_equal(r.score, 16);
	assert_int_equal(r.signals, VIGIL_SIGNAL_STALE_DEVICE);

	/* Unknown last-seen time: not stale. */
	f.device_last_seen = 0;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	/* Seen "in the future" (clock went back): not stale. */
	f.device_last_seen = NOW + 100 * DAY;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	/* The threshold is the configured one. */
	cfg.stale_device_days = 2;
	f.device_last_seen = NOW - 2 * DAY;
	r = score(&f);
	assert_int_equal(r.signals, VIGIL_SIGNAL_STALE_DEVICE);
	cfg.stale_device_days = 30;
}

static void test_new_source_and_prefix(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.source_known = false;
	r = score(&f);
	assert_int_equal(r.score, 2);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_SOURCE);

	f.prefix_known = false;
	r = score(&f);
	assert_int_equal(r.score, 2 + 4);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_SOURCE | VIGIL_SIGNAL_NEW_PREFIX);

	f.source_known = true;
	r = score(&f);
	assert_int_equal(r.score, 4);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_PREFIX);
}

static void test_local_login_has_no_source_signals(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.has_source = false;
	f.source_known = false;
	f.prefix_known = false;
	r = score(&f);
	assert_int_equal(r.score, 0);
	assert_int_equal(r.signals, 0);
}

static void test_stale_account_boundary(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.last_success = NOW - cfg.stale_account_days * DAY + 1;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	f.last_success = NOW - cfg.stale_account_days * DAY;
	r = score(&f);
	assert_int_equal(r.score, 8);
	assert_int_equal(r.signals, VIGIL_SIGNAL_STALE_ACCOUNT);

	/* Never logged in before: not stale (the device signal covers it). */
	f.last_success = 0;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	f.last_success = NOW + DAY;
	r = score(&f);
	assert_int_equal(r.signals, 0);
}

static void test_failures_thresholds(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.user_failures = cfg.user_failures_min - 1;
	f.source_failures = cfg.source_failures_min - 1;
	r = score(&f);
	assert_int_equal(r.signals, 0);

	f.user_failures = cfg.user_failures_min;
	r = score(&f);
	assert_int_equal(r.score, 32);
	assert_int_equal(r.signals, VIGIL_SIGNAL_USER_FAILURES);

	f.user_failures = 0;
	f.source_failures = cfg.source_failures_min;
	r = score(&f);
	assert_int_equal(r.score, 64);
	assert_int_equal(r.signals, VIGIL_SIGNAL_SOURCE_FAILURES);
}

static void test_privileged(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	f.privileged = true;
	r = score(&f);
	assert_int_equal(r.score, 128);
	assert_int_equal(r.signals, VIGIL_SIGNAL_PRIVILEGED);
}

static void test_everything(void **state)
{
	struct risk_facts f = {
	    .now = NOW,
	    .device_known = false,
	    .source_known = false,
	    .prefix_known = false,
	    .has_source = true,
	    .last_success = 1,
	    .user_failures = 100,
	    .source_failures = 100,
	    .privileged = true,
	};
	struct risk_result r = score(&f);

	assert_int_equal(r.score, 1 + 2 + 4 + 8 + 32 + 64 + 128);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE | VIGIL_SIGNAL_NEW_PREFIX |
	                                VIGIL_SIGNAL_STALE_ACCOUNT | VIGIL_SIGNAL_USER_FAILURES |
	                                VIGIL_SIGNAL_SOURCE_FAILURES | VIGIL_SIGNAL_PRIVILEGED);

	/* The same with the shipped weights. */
	config_defaults(&cfg);
	r = score(&f);
	assert_int_equal(r.score, 40 + 20 + 20 + 20 + 20 + 20 + 30);
	setup(NULL);
}

static void test_saturates(void **state)
{
	struct risk_facts f = quiet();
	struct risk_result r;

	cfg.new_device = UINT32_MAX - 1;
	cfg.privileged = 5;
	f.device_known = false;
	f.privileged = true;
	r = score(&f);
	assert_int_equal(r.score, UINT32_MAX);
	assert_int_equal(r.signals, VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_PRIVILEGED);
	setup(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_quiet, setup),
	    cmocka_unit_test_setup(test_new_device, setup),
	    cmocka_unit_test_setup(test_stale_device_boundary, setup),
	    cmocka_unit_test_setup(test_new_source_and_prefix, setup),
	    cmocka_unit_test_setup(test_local_login_has_no_source_signals, setup),
	    cmocka_unit_test_setup(test_stale_account_boundary, setup),
	    cmocka_unit_test_setup(test_failures_thresholds, setup),
	    cmocka_unit_test_setup(test_privileged, setup),
	    cmocka_unit_test_setup(test_everything, setup),
	    cmocka_unit_test_setup(test_saturates, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
