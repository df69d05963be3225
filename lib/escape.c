/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Escaping of user-chosen strings for log lines (see escape.h).  A user name
 * reaches syslog, journald and a terminal: a newline there forges a second
 * record, an escape sequence repaints the administrator's screen, a
 * right-to-left override reorders what is read, and a byte that is not UTF-8
 * makes journald store the whole field as binary.  Everything such is
 * written as \xNN, and the length is bounded so one field cannot push the
 * rest of a line out.  Trusts nothing in its input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "escape.h"

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if the
 * bytes there are not one; its code point in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t v;

	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		v = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0; /* overlong */
		else if (b == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		v = b & 0x07;
		if (b == 0xf0)
			lo = 0x90; /* overlong */
		else if (b == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

bool escape_cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

size_t escape_string(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	static const size_t mark = sizeof(ESCAPE_CUT_MARK) - 1;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n, i = 0, len = 0, cut = 0, seq, need, k;
	uint32_t cp;
	bool esc;

	if (!out || cap == 0)
		return 0;
	n = strlen((const char *)p);
	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			seq = 1;
			esc = false;
		} else if (p[i] >= 0x80 && (seq = utf8_seq(p + i, n - i, &cp)) > 0) {
			esc = escape_cp_unsafe(cp);
		} else {
			seq = 1;
			esc = true;
		}
		need = esc ? 4 * seq : seq;
		if (need > cap - 1 - len) {
			/* Back to the last boundary that leaves room for the
			 * mark: a reader must know the value goes on. */
			len = cut;
			if (mark <= cap - 1 - len) {
				memcpy(out + len, ESCAPE_CUT_MARK, mark);
				len += mark;
			}
			break;
		}
		for (k = 0; k < seq; k++) {
			if (esc) {
				out[len++] = '\\';
				out[len++] = 'x';
				out[len++] = hex[p[i + k] >> 4];
				out[len++] = hex[p[i + k] & 0xf];
			} else {
				out[len++] = (char)p[i + k];
			}
		}
		i += seq;
		if (mark <= cap - 1 - len)
			cut = len;
	}
	out[len] = '\0';
	return len;
}
