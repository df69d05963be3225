/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded byte cursors: the only way Vigil reads or writes wire data.
 * Writers never grow past the storage they were given; readers either consume
 * a whole field or nothing.  Big-endian integers, u16-length-prefixed strings.
 * Depends on libc only; never logs.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

struct rbuf {
	const uint8_t *p;
	size_t left;
};

/* Writes into caller-owned storage of cap bytes. */
void wbuf_init(struct wbuf *w, uint8_t *storage, size_t cap);
/* Each returns 0, or -E2BIG when the value does not fit (w unchanged). */
int wbuf_put_u8(struct wbuf *w, uint8_t v);
int wbuf_put_u16(struct wbuf *w, uint16_t v);
int wbuf_put_u32(struct wbuf *w, uint32_t v);
int wbuf_put_u64(struct wbuf *w, uint64_t v);
/* A NUL-terminated string of at most max bytes: -E2BIG if longer or if it
 * does not fit in w (w unchanged). */
int wbuf_put_str(struct wbuf *w, const char *s, size_t max);

void rbuf_init(struct rbuf *r, const uint8_t *p, size_t len);
/* Each returns 0, or -EBADMSG when too few bytes remain (r unchanged). */
int rbuf_get_u8(struct rbuf *r, uint8_t *ret);
int rbuf_get_u16(struct rbuf *r, uint16_t *ret);
int rbuf_get_u32(struct rbuf *r, uint32_t *ret);
int rbuf_get_u64(struct rbuf *r, uint64_t *ret);
/* Reads a string into dst (room for max bytes + NUL).  -EBADMSG if short or
 * if it contains a NUL, -E2BIG if longer than max; r and dst unchanged then. */
int rbuf_get_str(struct rbuf *r, char *dst, size_t max);
/* 0 if every byte was consumed, -EBADMSG otherwise (trailing garbage). */
int rbuf_end(const struct rbuf *r);
