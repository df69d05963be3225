/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interim declaration (sess-verbs) of the session core's session_end(),
 * replaced by the core's header at the merge.
 */
#pragma once

#include "vigild.h"

/* Ends the open session session_id now, marks it closed with cause
 * ("revoked", "suspended", ...) and audits it once; by: who asked, or
 * NULL.  0; -ENOENT if no such open session. */
int session_end(struct vigild *d, const char *session_id, const char *cause, const char *by);
