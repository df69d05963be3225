/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Step-up method lists (see config_methods.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_methods.h"

static const char *const names[VIGIL_FACTOR_MAX_] = {
    [VIGIL_FACTOR_TOTP] = "totp",
    [VIGIL_FACTOR_FIDO2] = "fido2",
    [VIGIL_FACTOR_SSH_SK] = "ssh-sk",
    [VIGIL_FACTOR_RECOVERY] = "recovery",
};

const char *method_name(uint8_t kind)
{
	return kind > 0 && kind < VIGIL_FACTOR_MAX_ ? names[kind] : "?";
}

uint8_t method_by_name(const char *name)
{
	for (uint8_t k = 1; k < VIGIL_FACTOR_MAX_; k++)
		if (strcmp(names[k], name) == 0)
			return k;
	return 0;
}

bool method_list_has(const struct method_list *l, uint8_t kind)
{
	for (uint8_t i = 0; i < l->n && i < METHODS_MAX; i++)
		if (l->kind[i] == kind)
			return true;
	return false;
}

static bool is_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',';
}

int method_list_parse(const char *value, struct method_list *ret, char *why, size_t cap)
{
	struct method_list l = {0};
	char word[16];
	const char *p = value;
	uint8_t kind;
	size_t len;

	for (;;) {
		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		for (len = 0; p[len] && !is_sep(p[len]); len++)
			;
		if (len >= sizeof(word)) {
			snprintf(why, cap, "a %zu-character word is not a method (totp, fido2, ssh-sk, recovery)", len);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		if ((kind = method_by_name(word)) == 0) {
			snprintf(why, cap, "'%s' is not a method (totp, fido2, ssh-sk, recovery)", word);
			return -EINVAL;
		}
		if (method_list_has(&l, kind)) {
			snprintf(why, cap, "'%s' is named twice", word);
			return -EINVAL;
		}
		l.kind[l.n++] = kind;
	}
	if (l.n == 0) {
		snprintf(why, cap, "no method named (totp, fido2, ssh-sk, recovery)");
		return -EINVAL;
	}
	*ret = l;
	return 0;
}

void method_list_format(const struct method_list *l, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (uint8_t i = 0; i < l->n && i < METHODS_MAX; i++) {
		int w = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", method_name(l->kind[i]));

		if (w < 0 || (size_t)w >= cap - len)
			return;
		len += (size_t)w;
	}
}

void method_list_intersect(struct method_list *l, const struct method_list *keep)
{
	uint8_t n = 0;

	for (uint8_t i = 0; i < l->n && i < METHODS_MAX; i++)
		if (method_list_has(keep, l->kind[i]))
			l->kind[n++] = l->kind[i];
	l->n = n;
}
