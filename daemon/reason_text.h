/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The words of the audit trail for login decisions.  VIGIL_REASON says why a
 * login was decided as it was: for a denial, reason_name() of enum
 * vigil_reason; for an allow or a step-up, one of the names below, so that
 * every decision record carries a reason and journalctl's catalog Subject
 * can show it.  reason_phrase() turns a decision and its reason into the
 * phrase MESSAGE uses.  Pure; no secrets, no user input.
 */
#pragma once

#include <stddef.h>

#define REASON_LOW_RISK   "low_risk"   /* allow: the score is below stepup_at */
#define REASON_GRANT      "grant"      /* allow: an earlier step-up still holds */
#define REASON_STEPPED_UP "stepped_up" /* allow: this login proved a factor */
#define REASON_SHADOW     "shadow"     /* allow: shadow mode lets every login in */
#define REASON_LEARN      "learn"      /* allow: learn mode lets every login in, and learns from it */
#define REASON_FRESH      "fresh"      /* stepup: a privileged service wants a recent step-up */
/* stepup: "risk" (the score is in the step-up band); allow, enroll or
 * allow_no_factor: "not_enrolled" (the user has no factor) */

/* Writes "login denied, the source is not allowed by [network]" for
 * decision "deny" and reason "network" into out (cap bytes, always
 * terminated): what was decided, then why.  Names it does not know still
 * give a readable phrase. */
void reason_phrase(const char *decision, const char *reason, char *out, size_t cap);
