/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The words and dates vigilctl shows people (see cli.h).  Every value
 * comes from the daemon's answer, already checked by lib/proto.c; an enum
 * out of range still prints as "unknown", never as a wrong word.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "proto.h"

const char *cli_time_str(uint64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;

	if (t == 0) {
		snprintf(buf, cap, "never");
		return buf;
	}
	if ((uint64_t)tt != t || !localtime_r(&tt, &tm) || (n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S%z", &tm)) < 5) {
		snprintf(buf, cap, "@%" PRIu64, t);
		return buf;
	}
	/* strftime's %z is +hhmm; ISO 8601's extended form is +hh:mm. */
	if (n + 1 < cap) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
	}
	return buf;
}

const char *cli_factor_name(uint8_t type)
{
	switch (type) {
	case VIGIL_FACTOR_TOTP:
		return "totp";
	case VIGIL_FACTOR_FIDO2:
		return "fido2";
	case VIGIL_FACTOR_SSH_SK:
		return "ssh-sk";
	case VIGIL_FACTOR_RECOVERY:
		return "recovery";
	default:
		return "unknown";
	}
}

const char *cli_decision_str(uint8_t outcome, uint16_t reason, uint8_t shadow, char *buf, size_t cap)
{
	if (shadow == VIGIL_SHADOW_DENY || shadow == VIGIL_SHADOW_LEARN_DENY)
		snprintf(buf, cap, "%s [%s: would deny (%s)]", outcome_name(outcome), shadow_mode_name(shadow),
		         reason_name(reason));
	else if (shadow == VIGIL_SHADOW_STEPUP || shadow == VIGIL_SHADOW_LEARN_STEPUP)
		snprintf(buf, cap, "%s [%s: would step up]", outcome_name(outcome), shadow_mode_name(shadow));
	else if (outcome == VIGIL_OUTCOME_DENY)
		snprintf(buf, cap, "deny (%s)", reason_name(reason));
	else
		snprintf(buf, cap, "%s", outcome_name(outcome));
	return buf;
}

int cli_out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vigilctl: cannot write the output: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}
