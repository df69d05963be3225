/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded byte cursors (see buf.h).  The writer never touches a byte past the
 * storage it was given and changes nothing when a value does not fit; the
 * reader trusts nothing it reads: every field is length-checked before it is
 * consumed, and a field is consumed whole or not at all.  Lengths are
 * compared by subtraction from what is left, never by adding to a pointer,
 * so no check can overflow.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"

void wbuf_init(struct wbuf *w, uint8_t *storage, size_t cap)
{
	w->data = storage;
	w->len = 0;
	w->cap = storage ? cap : 0;
}

static int wbuf_put_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (w->cap - w->len < n)
		return -E2BIG;
	if (n > 0)
		memcpy(w->data + w->len, p, n);
	w->len += n;
	return 0;
}

int wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_put_bytes(w, &v, 1);
}

int wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return wbuf_put_bytes(w, b, sizeof(b));
}

int wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return wbuf_put_bytes(w, b, sizeof(b));
}

int wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t b[8];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	return wbuf_put_bytes(w, b, sizeof(b));
}

int wbuf_put_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n;

	if (!s)
		return -EINVAL;
	/* Never reads more than max + 1 bytes: a field array without its NUL
	 * is over the limit, not an overread. */
	n = strnlen(s, max + 1);
	if (n > max || n > UINT16_MAX)
		return -E2BIG;
	/* Length and bytes go in together or not at all. */
	if (w->cap - w->len < 2 || w->cap - w->len - 2 < n)
		return -E2BIG;
	(void)wbuf_put_u16(w, (uint16_t)n);
	(void)wbuf_put_bytes(w, s, n);
	return 0;
}

void rbuf_init(struct rbuf *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->left = p ? len : 0;
}

int rbuf_get_u8(struct rbuf *r, uint8_t *ret)
{
	if (r->left < 1)
		return -EBADMSG;
	*ret = r->p[0];
	r->p += 1;
	r->left -= 1;
	return 0;
}

int rbuf_get_u16(struct rbuf *r, uint16_t *ret)
{
	if (r->left < 2)
		return -EBADMSG;
	*ret = (uint16_t)((uint16_t)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

int rbuf_get_u32(struct rbuf *r, uint32_t *ret)
{
	if (r->left < 4)
		return -EBADMSG;
	*ret = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

int rbuf_get_u64(struct rbuf *r, uint64_t *ret)
{
	uint64_t v = 0;

	if (r->left < 8)
		return -EBADMSG;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | r->p[i];
	*ret = v;
	r->p += 8;
	r->left -= 8;
	return 0;
}

int rbuf_get_str(struct rbuf *r, char *dst, size_t max)
{
	size_t n;

	/* u16 length: peeked, so a refused string leaves r where it was. */
	if (r->left < 2)
		return -EBADMSG;
	n = (size_t)r->p[0] << 8 | r->p[1];
	/* The limit first: an oversized length is refused without looking at
	 * the bytes it claims to cover. */
	if (n > max)
		return -E2BIG;
	if (r->left - 2 < n)
		return -EBADMSG;
	/* bytes: no NUL inside, or one string would have two encodings. */
	if (n > 0 && memchr(r->p + 2, 0, n))
		return -EBADMSG;
	if (n > 0)
		memcpy(dst, r->p + 2, n);
	dst[n] = '\0';
	r->p += 2 + n;
	r->left -= 2 + n;
	return 0;
}

int rbuf_end(const struct rbuf *r)
{
	return r->left == 0 ? 0 : -EBADMSG;
}
