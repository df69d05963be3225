/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User names as the system knows them.  A name that reaches the daemon is
 * whatever a PAM caller or a client typed; it names an account only if NSS
 * returns that account for it, and then the account's own pw_name is the
 * one name the daemon keys state on, so "Bob", "bob " or "bob@REALM" can
 * never be a second user beside "bob" (nor lock "bob" out, nor borrow his
 * trust) unless NSS itself says they are "bob".  Trusts NSS (the daemon's
 * nsswitch.conf), nothing else.
 */
#pragma once

#include <sys/types.h>

#include "vigil/proto.h"

/* The canonical name (pw_name) of the account NSS returns for name, into
 * ret_name, and its uid into ret_uid (may be NULL); both written only on
 * success.  Returns 0; -ENOENT if NSS knows no such account (also for an
 * empty name, one longer than VIGIL_USER_MAX, or an account whose pw_name
 * does not fit); -EIO if NSS itself failed; -ENOMEM. */
int nss_user_canonical(const char *name, char ret_name[VIGIL_USER_MAX + 1], uid_t *ret_uid);

/* The name (pw_name) of the account with uid, into ret_name (written only
 * on success).  Returns 0; -ENOENT if NSS knows no such uid or its name does
 * not fit; -EIO if NSS failed; -ENOMEM. */
int nss_uid_name(uid_t uid, char ret_name[VIGIL_USER_MAX + 1]);
