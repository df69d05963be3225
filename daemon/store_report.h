/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's roll-out report (`vigilctl report`): over a period, what
 * enforcement would have decided of the logins recorded, from each login's
 * verdict (the policy's answer before any step-up or roll-out mode), per
 * decision, reason, service and user.  Read-only; never on the login path.
 */
#pragma once

#include <stdint.h>

#include "store.h"

/* Fills *ret for the logins with since <= time < until (verdicts only:
 * logins recorded before vigild kept them are left out), in one read
 * transaction.  Rows are bounded by VIGIL_REPORT_ROWS_MAX, those with the
 * most step-ups and denials first, then by name; ret->X.more is 1 when rows
 * were left out.  -EBADMSG for a row no vigild writes.  ret is
 * overwritten. */
int store_report(struct store *s, uint64_t since, uint64_t until, struct vigil_rollout_report *ret);
