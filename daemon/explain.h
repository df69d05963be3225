/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a login was decided as it was (`vigilctl explain LOGIN_ID`), and how
 * one would be decided now (`vigilctl simulate`): each signal with its
 * points, the service's thresholds, the rule that applied, the verdict and
 * the reason.  Admin socket, root only.  Nothing here writes: not the store,
 * not the audit trail.
 */
#pragma once

#include <stdbool.h>

#include "vigild.h"

/* Fills e's points, thresholds and rule from the configuration running
 * now, for what e already says (service, outcome, verdict, why, reason,
 * score, shadow, source), and record_reason: as the login's first decision
 * record names it when simulated (the verdict), else as its last one. */
void explain_fill(const struct vigil_config *cfg, struct vigil_explanation *e, bool simulated);

/* ADMIN_EXPLAIN: t->target is the login id.  An EXPLANATION, or a RESULT:
 * PERMISSION, UNKNOWN_LOGIN (no such login, or pruned), INTERNAL. */
int admin_explain(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t, struct vigil_msg *reply);
