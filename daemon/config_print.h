/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints an effective configuration in vigil.conf syntax, so that what
 * `vigild --check-config` shows can be read back as a configuration.
 */
#pragma once

#include <stdio.h>

#include "config.h"

/* Built on config_entries(): the same keys, values and order.  0, or
 * -ENOMEM with nothing printed. */
int config_print(const struct vigil_config *c, FILE *f);
