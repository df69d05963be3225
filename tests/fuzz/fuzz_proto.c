/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the wire codec.  The input is a frame as it would
 * arrive on the socket: a 16-byte header, then a body decoded as the type
 * the header names (whatever body_len says, so mutations that change the
 * length still reach the decoder).  What must hold for any input:
 *  - a refused body is refused with -EBADMSG or -E2BIG and leaves the
 *    message zeroed;
 *  - an accepted body re-encodes to exactly the same bytes (one encoding),
 *    and when body_len matches, so does the header;
 *  - the description of an accepted message is one terminated line.
 * Any violation abort()s.  Built with `make fuzz` (clang, libFuzzer) and,
 * for ordinary test runs, linked with replay.c to replay the corpus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_message(const struct frame_header *h, const uint8_t *data, size_t size, const struct vigil_msg *m,
                          uint8_t *out)
{
	const uint8_t *body = data + VIGIL_FRAME_HEADER_SIZE;
	size_t body_len = size - VIGIL_FRAME_HEADER_SIZE, len = 0;
	char line[512];

	if (m->type != h->type)
		abort();
	if (msg_encode(m, h->request_id, out, VIGIL_FRAME_MAX, &len) < 0)
		abort();
	if (len != size || memcmp(out + VIGIL_FRAME_HEADER_SIZE, body, body_len) != 0)
		abort();
	if (h->body_len == body_len && memcmp(out, data, VIGIL_FRAME_HEADER_SIZE) != 0)
		abort();

	msg_describe(m, line, sizeof(line));
	if (strlen(line) >= sizeof(line) || strchr(line, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Static, not per input: large mallocs would dominate each run.  ASan
	 * still puts redzones around them. */
	static struct vigil_msg msg;
	static uint8_t frame[VIGIL_FRAME_MAX];
	struct vigil_msg *m = &msg;
	uint8_t *out = frame;
	struct frame_header h;
	char names[256];
	int r;

	if (size < VIGIL_FRAME_HEADER_SIZE)
		return 0;
	if (frame_header_decode(data, &h) < 0)
		return 0;
	/* The name helpers take any value. */
	(void)signals_format(h.request_id, names, sizeof(names));
	(void)reason_name((uint16_t)h.request_id);
	(void)status_name((uint16_t)(h.request_id >> 16));

	memset(m, 0xa5, sizeof(*m));
	r = msg_decode(h.type, data + VIGIL_FRAME_HEADER_SIZE, size - VIGIL_FRAME_HEADER_SIZE, m);
	if (r < 0) {
		/* What decoding may have written (the header and the
		 * member of h.type) is wiped; the rest is not its to touch. */
		if ((r != -EBADMSG && r != -E2BIG) || !all_zero(m, msg_size(h.type)))
			abort();
		for (size_t i = msg_size(h.type); i < sizeof(*m); i++)
			if (((const uint8_t *)m)[i] != 0xa5)
				abort();
	} else {
		check_message(&h, data, size, m, out);
	}
	return 0;
}
