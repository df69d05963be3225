/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PAM services of this host, for one check of vigil.conf: a
 * [service.NAME] section whose NAME has no file in the PAM directory applies
 * to no login (sshd's service is "sshd", not "ssh"), which the admin should
 * be told.  Only ever feeds a warning, never a decision.  The directory is
 * root's; service files are opened without following symlinks, read up to a
 * bound and only searched for pam_vigil, never interpreted further.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define PAMDIR_DEFAULT "/etc/pam.d"

/* Whether s can name a PAM service file: 1 to VIGIL_SERVICE_MAX letters,
 * digits, '-', '_', '.' or '+', not starting with '.' (no path, no hidden
 * or backup file). */
bool pamdir_name_valid(const char *s);

/* Whether PAM service name has a file in dir (as libpam looks it up,
 * following a symlink).  Returns 1 if it has; 0 if not, with a hint for the
 * admin in hint (may be NULL), cut to fit: "did you mean sshd? services
 * there that use pam_vigil: sshd, sudo", or when none does "no service there
 * uses pam_vigil; files there: chfn, login, ..."; a negative errno when dir
 * cannot be read, and then nothing is known. */
int pamdir_check(const char *dir, const char *name, char *hint, size_t hintlen);
