/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The factor kinds (one file each: factor_totp.c, factor_fido2.c,
 * factor_ssh_sk.c, factor_recovery.c), for factor.c's registry only.
 */
#pragma once

#include "factor.h"

extern const struct factor_kind factor_totp;
extern const struct factor_kind factor_fido2;
extern const struct factor_kind factor_ssh_sk;
extern const struct factor_kind factor_recovery;

/* For the kinds a typed code answers: usable on every path (the code
 * travels through the PAM conversation). */
bool factor_usable_anywhere(struct factor_offer *o, const struct login_context *c);

/* TOTP's check, shared with the in-band enrollment of login.c: the user's
 * active factor (or, pending, its pending one, which must be factor_id). */
const char *factor_totp_check(struct vigild *d, int64_t user_id, const char *user, bool pending, int64_t factor_id,
                              const char *code, uint64_t now, struct store_factor_use *ret_use);
