/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Base64 (see b64.h), on OpenSSL's block coder, which does the arithmetic;
 * the checks that make one text one value are ours.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"

static int b64_char_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
	       ch == '/';
}

int b64_decode(const char *in, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t len = strlen(in), pad = 0, n, i;
	uint8_t buf[3];
	char check[5];

	if (len == 0 || len % 4 != 0)
		return -EBADMSG;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (!b64_char_ok(in[i]))
			return -EBADMSG;
	n = len / 4 * 3 - pad;
	if (n > cap)
		return -E2BIG;
	for (i = 0; i < len; i += 4) {
		if (EVP_DecodeBlock(buf, (const unsigned char *)in + i, 4) != 3)
			return -EBADMSG;
		/* Non-zero bits under the padding would give a second text
		 * for the same bytes: re-encode and compare. */
		if (i + 4 == len && pad) {
			EVP_EncodeBlock((unsigned char *)check, buf, (int)(3 - pad));
			if (memcmp(check, in + i, 4) != 0)
				return -EBADMSG;
		}
		memcpy(out + i / 4 * 3, buf, i + 4 == len ? 3 - pad : 3);
	}
	*ret_len = n;
	return 0;
}

int b64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t need = (n + 2) / 3 * 4 + 1;

	if (cap == 0)
		return -E2BIG;
	if (need > cap) {
		out[0] = '\0';
		return -E2BIG;
	}
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return 0;
}
