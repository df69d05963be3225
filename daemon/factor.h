/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Second factors behind one interface.  Each kind (totp, fido2, ssh-sk,
 * recovery) says whether a user holds it and can use it on a login's path,
 * fills the prompt that asks for it, and checks an answer; the login flow
 * (login.c) and the proofs vigilctl asks for before a factor changes
 * (proof.c) ask "which methods satisfy this step-up, and did the answer
 * satisfy one" without branching on kinds.
 *
 * Nothing here writes: a verified answer comes back as a store_factor_use
 * whose single-use part (TOTP watermark, key counter, recovery code) the
 * caller spends in the transaction that records the login.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config_methods.h"
#include "store.h"
#include "vigild.h"

struct login_context;

/* What a user holds, read once per login. */
struct factor_inventory {
	int64_t totp_id; /* the active TOTP factor, 0 = none */
	uint8_t totp_digits;
	size_t n_keys;
	struct store_key keys[VIGIL_KEYS_MAX];
	uint32_t recovery_left; /* unused recovery codes */
};

/* The methods a login may step up with, best first, and what the user
 * holds (the offer is empty when none of it is usable here). */
struct factor_offer {
	struct method_list methods;
	bool enrolled; /* holds any factor, usable here or not */
	struct factor_inventory inv;
	/* ssh-sk: the enrolled key this very sshd login authenticated with
	 * (an index into inv.keys), -1 if none. */
	int ssh_sk_key;
};

/* What a step-up's prompt and answer carry between them. */
struct factor_state {
	/* fido2: the challenge of the prompt, single use, until expires. */
	uint8_t challenge[VIGIL_CHALLENGE_SIZE];
	uint64_t challenge_expires;
	bool challenge_live;
};

/* Wipes st: a challenge is spent by any answer. */
void factor_state_clear(struct factor_state *st);

/* An answer: a typed code (AUTH_STEP) or a touch (AUTH_ASSERTION). */
struct factor_answer {
	const char *code;                        /* a secret: the caller wipes it */
	const struct vigil_assertion *assertion; /* status OK only */
};

/* Result names (audit VIGIL_RESULT): "ok"; a failure counted against the
 * party: "bad_code", "malformed", "bad_signature", "wrong_rp",
 * "stale_challenge", "no_presence", "no_verification", "cloned_key",
 * "unknown_key"; not counted: "replay", "used" (a spent recovery code),
 * "no_factor", "internal". */
struct factor_kind {
	uint8_t kind; /* enum vigil_factor_type */
	bool prompts; /* false: proven by the login itself (ssh-sk) */
	/* Whether the user holds this factor at all, and whether it can be
	 * used on c's path (c NULL: a proof asked over vigilctl's socket);
	 * usable may note in o what it found (ssh-sk: which key). */
	bool (*held)(const struct factor_inventory *inv);
	bool (*usable)(struct factor_offer *o, const struct login_context *c);
	/* Fills the kind's fields of a prompt (kind, digits, fido2 fields). */
	int (*challenge)(struct vigild *d, const struct factor_offer *o, struct factor_state *st,
	                 struct vigil_prompt *p);
	/* Checks an answer; *ret_use filled for "ok". */
	const char *(*verify)(struct vigild *d, const struct factor_offer *o, int64_t user_id, const char *user,
	                      struct factor_state *st, const struct factor_answer *a, uint64_t now,
	                      struct store_factor_use *ret_use);
};

/* The kind's interface, or NULL. */
const struct factor_kind *factor_kind(uint8_t kind);

/* Reads what user_id holds (0: a user the store has never seen, who holds
 * nothing).  0 or a negative errno. */
int factor_inventory_read(struct vigild *d, int64_t user_id, struct factor_inventory *ret);
/* The same without the length of the TOTP factor's codes (totp_digits 0),
 * which only a prompt shows: the factor's id comes from an index, and a
 * login that prompts for nothing reads one page fewer. */
int factor_inventory_read_held(struct vigild *d, int64_t user_id, struct factor_inventory *ret);
/* Fills in what factor_inventory_read_held() left out.  0, or a negative
 * errno (-ENOENT: the factor is gone). */
int factor_inventory_read_digits(struct vigild *d, struct factor_inventory *inv);

/* The offer for a login: of allowed (the service's methods, or only its
 * strong ones in the strong band), in that order, those the user holds and
 * can use on c's path.  c NULL: a proof over vigilctl's socket (no ssh-sk). */
void factor_offer_make(const struct method_list *allowed, const struct factor_inventory *inv,
                       const struct login_context *c, struct factor_offer *ret);

/* The methods of the offer a typed code can answer (totp, recovery), as
 * VIGIL_METHOD_BIT bits. */
uint8_t factor_offer_code_bits(const struct factor_offer *o);
/* All the prompting methods of the offer, as bits. */
uint8_t factor_offer_bits(const struct factor_offer *o);

/* Which kind a typed code is an answer for, given the offer: recovery if it
 * is shaped like a recovery code and recovery is offered, else totp if
 * offered, else recovery if offered; 0 if neither. */
uint8_t factor_code_kind(const struct factor_offer *o, const char *code);

/* Whether a result name counts as a failed guess (lockouts). */
bool factor_result_counts(const char *result);
/* The words of an audit record for a failed step-up with this result
 * ("wrong code", ...; static). */
const char *factor_result_text(const char *result);

/* How records and listings name a key without its bytes: "sha256:" and 16
 * hex digits of the credential id's SHA-256 (fido2), or the first
 * VIGIL_KEY_ID_HASH_MAX characters of its ssh fingerprint (ssh-sk). */
void factor_key_id(const struct store_key *k, char out[VIGIL_KEY_ID_HASH_MAX + 1]);

/* What the records of a step-up proved with use say about the factor:
 * the key's name and id, the recovery codes left. */
struct factor_label {
	char key_name[VIGIL_KEY_NAME_MAX + 1]; /* "" unless a key */
	char key_id[VIGIL_KEY_ID_HASH_MAX + 1];
	bool recovery_told;
	uint32_t recovery_left;
};
void factor_describe(const struct factor_offer *o, const struct store_factor_use *use, struct factor_label *ret);

/* Fills the kind's part of a prompt for the best method of o that prompts
 * (codes_only: a typed code only, after a key was not used), and its
 * methods bits.  Returns 0; -ENOENT when nothing is left to ask. */
int factor_prompt(struct vigild *d, const struct factor_offer *o, bool codes_only, struct factor_state *st,
                  struct vigil_prompt *p);

/* Whether the user holds a factor a proof over vigilctl's socket can use:
 * TOTP, a security key not retired as cloned, recovery codes (an OpenSSH
 * security key proves only an sshd login). */
bool factor_provable(const struct factor_inventory *inv);
