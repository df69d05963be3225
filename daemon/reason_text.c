/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Phrases for decision records (see reason_text.h).  They name the settings
 * an admin would change (deny_at, [network], no_factor), because the first
 * question about a refused login is which knob refused it.
 */
#include <stdio.h>
#include <string.h>

#include "reason_text.h"

struct phrase {
	const char *decision; /* NULL: any */
	const char *reason;
	const char *text;
};

/* The first entry that matches wins: decision-specific ones come first. */
static const struct phrase phrases[] = {
    {"stepup", "risk", "the risk score is at or above stepup_at"},
    {"allow_no_factor", "not_enrolled", "a step-up is needed, no factor is enrolled and no_factor = allow"},
    {"enroll", "not_enrolled", "a step-up is needed and the user has no factor yet: one is enrolled at this login"},
    {"allow", "not_enrolled", "no factor is enrolled and no_factor = allow"},
    {NULL, "risk", "the risk score is at or above deny_at"},
    {NULL, "not_enrolled", "a step-up is needed and the user has no factor (no_factor = deny)"},
    {NULL, REASON_LOW_RISK, "the risk score is below stepup_at"},
    {NULL, REASON_GRANT, "an earlier step-up from this device and source still holds"},
    {NULL, REASON_STEPPED_UP, "the second factor was proven"},
    {NULL, REASON_SHADOW, "shadow mode lets every login in"},
    {NULL, REASON_LEARN, "learn mode lets every login in and learns from it"},
    {NULL, REASON_FRESH, "a privileged service needs a recent step-up"},
    {NULL, "stepup_failed", "the step-up failed"},
    {NULL, "locked", "the user is locked out after failed codes"},
    {NULL, "source_locked", "the source is locked out after failed codes"},
    {NULL, "network", "the source is not allowed by [network]"},
    {NULL, "stepup_not_done", "a step-up is needed and the auth phase did not ask for it"},
    {NULL, "permission", "the caller may not ask this"},
    {NULL, "internal", "an internal error (see vigild's log)"},
    {NULL, "unknown_login", "the login id is unknown or expired"},
    {NULL, "session_limit", "too many sessions"},
    {NULL, "replay", "the code was just used"},
    {NULL, "no_answer", "no code was typed"},
    {NULL, "unknown_user", "no such user"},
    {NULL, "no_usable_factor", "none of the user's factors is accepted for this login"},
    {NULL, "key_not_used", "no security key answered"},
    {NULL, "suspended", "the account is suspended by an administrator"},
};

static const char *lead(const char *decision)
{
	if (strcmp(decision, "allow") == 0)
		return "login allowed";
	if (strcmp(decision, "deny") == 0)
		return "login denied";
	if (strcmp(decision, "stepup") == 0)
		return "step-up required";
	if (strcmp(decision, "enroll") == 0)
		return "in-band enrollment required";
	if (strcmp(decision, "allow_no_factor") == 0)
		return "login allowed without a factor";
	return "login decided";
}

void reason_phrase(const char *decision, const char *reason, char *out, size_t cap)
{
	const char *text = NULL;
	size_t i;

	if (!out || cap == 0)
		return;
	decision = decision ? decision : "";
	reason = reason ? reason : "";
	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]) && !text; i++)
		if ((!phrases[i].decision || strcmp(phrases[i].decision, decision) == 0) &&
		    strcmp(phrases[i].reason, reason) == 0)
			text = phrases[i].text;
	if (text)
		(void)snprintf(out, cap, "%s, %s", lead(decision), text);
	else
		(void)snprintf(out, cap, "%s", lead(decision));
}
