/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module's answer to a PROMPT of kind VIGIL_PROMPT_FIDO2: the request
 * the vigil-fido2 helper gets, and the AUTH_ASSERTION vigild gets back.
 * Whatever the helper or the key did, the daemon is told as a status and
 * decides (a code instead, or a denial): a failed touch is never an error
 * of the login here, and never an OK without its fields.
 */
#pragma once

#include <security/pam_modules.h>

#include "vigil/proto.h"

/* Runs the helper at helper (NULL: the built-in path) for prompt p and
 * writes the AUTH_ASSERTION body into *ret: status OK with cred_id,
 * authdata and sig, or a failure status with every field empty.  Returns
 * 0; -ECOMM when the application's conversation fails (the PIN prompt or
 * the touch notice); -ENOMEM.  Every other failure of the helper (missing,
 * killed at its deadline, a broken line, a prompt it cannot take) is a
 * status.  The PIN never reaches this file; every copy of an answer made
 * here is wiped. */
int touch_answer(pam_handle_t *pamh, const char *helper, const struct vigil_prompt *p, struct vigil_assertion *ret);
