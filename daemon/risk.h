/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Risk v1: pure scoring of the facts the daemon gathered about one login.
 * No I/O; every signal that fires adds its configured points and its bit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct risk_facts {
	uint64_t now;
	bool device_known;         /* this user has logged in from this device */
	uint64_t device_last_seen; /* 0 if unknown */
	bool source_known;         /* this user, this exact source address */
	bool prefix_known;         /* this user, same /24 or /64 */
	bool has_source;           /* false for local logins without rhost */
	uint64_t last_success;     /* 0 = never logged in */
	uint32_t user_failures;    /* in the failure window */
	uint32_t source_failures;  /* in the failure window, any user */
	bool privileged;           /* sudo, su, or a service marked privileged */
};

struct risk_result {
	uint32_t score;
	uint32_t signals; /* enum vigil_signal bits */
};

void risk_score(const struct vigil_config *c, const struct risk_facts *f, struct risk_result *ret);
