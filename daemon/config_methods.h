/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Step-up method lists as vigil.conf(5) writes them ("fido2, ssh-sk, totp,
 * recovery"): parsed, named, and intersected.  Pure; no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/proto.h"

#define METHODS_MAX (VIGIL_FACTOR_MAX_ - 1)

/* Methods in order of preference, each at most once. */
struct method_list {
	uint8_t n;
	uint8_t kind[METHODS_MAX]; /* enum vigil_factor_type */
};

/* "totp", "fido2", "ssh-sk", "recovery"; "?" out of range. */
const char *method_name(uint8_t kind);
/* The kind named name, or 0 if none. */
uint8_t method_by_name(const char *name);

/* Parses a comma- or space-separated list.  Returns 0; -EINVAL for an
 * unknown name, a repeat, or an empty list, with why (cap bytes) saying
 * which, quoting nothing of value beyond the offending word's length. */
int method_list_parse(const char *value, struct method_list *ret, char *why, size_t cap);

/* "fido2, ssh-sk, totp" into out (cap bytes, always terminated). */
void method_list_format(const struct method_list *l, char *out, size_t cap);

bool method_list_has(const struct method_list *l, uint8_t kind);
/* Keeps in l, in its order, only the methods also in keep. */
void method_list_intersect(struct method_list *l, const struct method_list *keep);
