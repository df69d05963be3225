/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigilctl's touches on a security key: MakeCredential for
 * `vigilctl key enroll [--user U] [--name N] [--uv] [--resident]` and GetAssertion to
 * prove a key already enrolled.  The device I/O is helper/fido2_dev.c, the
 * same code the login helper runs; this file adds the terminal: the PIN is
 * read with echo off and wiped, "Touch your security key" is printed on
 * stderr, and Ctrl-C during the touch cancels it on the key.  Inputs and
 * outputs are base64 text, ready for the daemon protocol.
 */
#pragma once

#include <stdbool.h>

#include "fido2_dev.h"

/* The options of `vigilctl key enroll`. */
struct cli_key_enroll_opts {
	const char *user; /* --user NAME: root enrolling for NAME, NULL if not given */
	const char *name; /* --name N: the key's label, NULL if not given */
	bool uv;          /* --uv: require user verification (PIN or built-in) */
	bool resident;    /* --resident: a discoverable credential */
};

/* Parses argv (argv[0] is the verb) into *ret.  Returns 0; on a usage error
 * prints "vigilctl: usage: ..." and returns -EINVAL. */
int cli_key_enroll_args(int argc, char **argv, struct cli_key_enroll_opts *ret);

/* Runs MakeCredential on the first key attached, with the PIN from the
 * terminal when the key needs it.  Returns an enum fido2_status (>= 0),
 * FIDO2_OK with *ret (written only then); -EINVAL for a request out of
 * bounds.  Prints one line on stderr for any outcome but FIDO2_OK. */
int cli_fido2_make(const struct fido2_make_req *req, struct fido2_make_res *ret);

/* Runs GetAssertion as the login helper does (same request), with the
 * terminal as the user interface.  Returns as cli_fido2_make(). */
int cli_fido2_assert(const struct fido2_assert_req *req, struct fido2_assert_res *ret);

/* What to tell a person about an outcome: "no security key found", ... */
const char *cli_fido2_status_text(int status);
