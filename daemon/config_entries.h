/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The effective configuration as a flat list of values, each with the file
 * and line it came from: what `vigilctl config` pages through.  Values are
 * written as vigil.conf would spell them.
 */
#pragma once

#include <stddef.h>

#include "config.h"

/* Every scalar key, list entry and service key, with room to spare. */
#define CONFIG_ENTRIES_MAX 512

/* "deny", "enroll" or "allow", as vigil.conf spells the value. */
const char *config_no_factor_name(enum no_factor_action a);

/* Writes the entries of c, in vigil.conf order, to out (room for cap);
 * returns how many there are (those past cap are not written). */
size_t config_entries(const struct vigil_config *c, struct vigil_config_entry *out, size_t cap);
