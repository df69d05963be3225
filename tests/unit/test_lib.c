/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the rest of lib/: the bounded cursors (buf.c), strict
 * parsing (parse.c), wiping (wipe.c), the log escaper (escape.c) and the
 * socket client (client.c).
 * client_call() is driven against a forked peer on a socketpair that checks
 * the request it receives byte for byte and then misbehaves on purpose
 * (wrong request id, silence, early close, oversized or cut-short frames).
 * client_connect() is driven against real sockets in a temporary directory
 * whose owner and mode the test sets; the cases that need another uid run
 * only as root and are skipped otherwise.  No assertion depends on timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "client.h"
#include "escape.h"
#include "parse.h"
#include "proto.h"
#include "wipe.h"

#define NOBODY 65534

/* ---- parse.c ---- */

static void test_parse_u64(void **state)
{
	static const char *const invalid[] = {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "１", "\t1", "1\n"};
	uint64_t v;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		v = 4242;
		assert_int_equal(parse_u64(invalid[i], UINT64_MAX, &v), -EINVAL);
		assert_int_equal(v, 4242);
	}
	v = 4242;
	assert_int_equal(parse_u64(NULL, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_u64("99999999999999999999999999", UINT64_MAX, &v), -ERANGE);
	/* Not digits at all wins over out of range. */
	assert_int_equal(parse_u64("99999999999999999999999999x", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(v, 4242);

	assert_int_equal(parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("0", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("007", UINT64_MAX, &v), 0);
	assert_int_equal(v, 7);

	/* The caller's maximum, inclusive. */
	assert_int_equal(parse_u64("10", 10, &v), 0);
	assert_int_equal(v, 10);
	v = 4242;
	assert_int_equal(parse_u64("11", 10, &v), -ERANGE);
	assert_int_equal(parse_u64("1", 0, &v), -ERANGE);
	assert_int_equal(v, 4242);
}

static void test_parse_bool(void **state)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	static const char *const bad[] = {"", "y", "n", "2", "yes ", " no", "YES", "True", "onn", "00", "-1"};
	bool b;

	for (size_t i = 0; i < 4; i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
		b = true;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = true;
		assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
		assert_true(b);
	}
	assert_int_equal(parse_bool(NULL, &b), -EINVAL);
}

/* ---- buf.c ---- */

static void test_wbuf(void **state)
{
	uint8_t s[16], ref[16];
	struct wbuf w;

	memset(s, 0xaa, sizeof(s));
	memcpy(ref, s, sizeof(s));
	wbuf_init(&w, s, 3);

	/* Does not fit: nothing written, nothing counted. */
	assert_int_equal(wbuf_put_u32(&w, 0x01020304), -E2BIG);
	assert_int_equal(w.len, 0);
	assert_memory_equal(s, ref, sizeof(s));
	assert_int_equal(wbuf_put_u64(&w, 1), -E2BIG);
	assert_int_equal(wbuf_put_str(&w, "ab", 10), -E2BIG);
	assert_int_equal(w.len, 0);
	assert_memory_equal(s, ref, sizeof(s));

	assert_int_equal(wbuf_put_u16(&w, 0x0102), 0);
	assert_int_equal(wbuf_put_u16(&w, 0x0304), -E2BIG);
	assert_int_equal(w.len, 2);
	assert_int_equal(wbuf_put_u8(&w, 0x05), 0);
	assert_int_equal(wbuf_put_u8(&w, 0x06), -E2BIG);
	assert_int_equal(wbuf_put_str(&w, "", 10), -E2BIG);
	assert_int_equal(w.len, 3);
	assert_memory_equal(s, "\x01\x02\x05", 3);
	/* Never a byte past cap. */
	assert_memory_equal(s + 3, ref + 3, sizeof(s) - 3);

	/* Big-endian, every width. */
	memset(s, 0xaa, sizeof(s));
	wbuf_init(&w, s, sizeof(s));
	assert_int_equal(wbuf_put_u64(&w, 0x0102030405060708ULL), 0);
	assert_int_equal(wbuf_put_u32(&w, 0x090a0b0c), 0);
	assert_int_equal(wbuf_put_u16(&w, 0x0d0e), 0);
	assert_int_equal(wbuf_put_u8(&w, 0x0f), 0);
	assert_int_equal(w.len, 15);
	assert_memory_equal(s, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 15);

	/* Strings: over the limit, or length fits but bytes do not. */
	memset(s, 0xaa, sizeof(s));
	wbuf_init(&w, s, 5);
	assert_int_equal(wbuf_put_str(&w, "abcdef", 5), -E2BIG);
	assert_int_equal(wbuf_put_str(&w, "abcd", 10), -E2BIG);
	assert_int_equal(w.len, 0);
	assert_memory_equal(s, ref, sizeof(s));
	assert_int_equal(wbuf_put_str(&w, "abc", 3), 0);
	assert_int_equal(w.len, 5);
	assert_memory_equal(s,
	                    "\x00\x03"
	                    "abc",
	                    5);
	assert_int_equal(s[5], 0xaa);
}

static void test_rbuf(void **state)
{
	static const uint8_t data[] = {0x00, 0x03, 'a', 'b', 'c', 0x00, 0x02, 'x', 0x00, 0x00, 0x05, 'a', 'b'};
	struct rbuf r, saved;
	char dst[8];
	uint64_t u64 = 7;
	uint32_t u32 = 7;
	uint16_t u16 = 7;
	uint8_t u8 = 7;

	rbuf_init(&r, data, 3);
	saved = r;
	assert_int_equal(rbuf_get_u32(&r, &u32), -EBADMSG);
	assert_int_equal(rbuf_get_u64(&r, &u64), -EBADMSG);
	assert_true(r.p == saved.p && r.left == saved.left);
	assert_int_equal(u32, 7);
	assert_int_equal(u64, 7);
	assert_int_equal(rbuf_get_u16(&r, &u16), 0);
	assert_int_equal(u16, 3);
	assert_int_equal(rbuf_end(&r), -EBADMSG);
	assert_int_equal(rbuf_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 'a');
	assert_int_equal(rbuf_get_u8(&r, &u8), -EBADMSG);
	assert_int_equal(rbuf_end(&r), 0);

	/* "abc" then "x\0": the NUL one is refused whole. */
	rbuf_init(&r, data, 9);
	memset(dst, 'z', sizeof(dst));
	assert_int_equal(rbuf_get_str(&r, dst, 3), 0);
	assert_string_equal(dst, "abc");
	saved = r;
	memset(dst, 'z', sizeof(dst));
	assert_int_equal(rbuf_get_str(&r, dst, 7), -EBADMSG);
	assert_true(r.p == saved.p && r.left == saved.left);
	assert_int_equal(dst[0], 'z');

	/* Over the limit: -E2BIG, whatever follows. */
	rbuf_init(&r, data, 5);
	assert_int_equal(rbuf_get_str(&r, dst, 2), -E2BIG);
	assert_int_equal(r.left, 5);
	assert_int_equal(dst[0], 'z');

	/* Claims 5, has 2. */
	rbuf_init(&r, data + 9, 4);
	assert_int_equal(rbuf_get_str(&r, dst, 7), -EBADMSG);
	assert_int_equal(r.left, 4);
	rbuf_init(&r, data, 1);
	assert_int_equal(rbuf_get_str(&r, dst, 7), -EBADMSG);

	/* Empty string, then the end. */
	rbuf_init(&r, (const uint8_t *)"\0\0", 2);
	assert_int_equal(rbuf_get_str(&r, dst, 0), 0);
	assert_string_equal(dst, "");
	assert_int_equal(rbuf_end(&r), 0);
}

/* ---- wipe.c ---- */

struct holder {
	char seed[32];
	int tail;
};

static void test_wipe(void **state)
{
	char secret[64];
	struct holder h;
	char *heap;

	memset(secret, 'S', sizeof(secret));
	WIPE_ARRAY(secret);
	for (size_t i = 0; i < sizeof(secret); i++)
		assert_int_equal(secret[i], 0);

	/* The array member, all of it, and nothing after it. */
	memset(h.seed, 'S', sizeof(h.seed));
	h.tail = 0x5a5a;
	WIPE_ARRAY(h.seed);
	for (size_t i = 0; i < sizeof(h.seed); i++)
		assert_int_equal(h.seed[i], 0);
	assert_int_equal(h.tail, 0x5a5a);

	/* wipe() clears exactly n bytes. */
	memset(secret, 'S', sizeof(secret));
	wipe(secret, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(secret[i], 0);
	assert_int_equal(secret[10], 'S');
	wipe(NULL, 10);
	wipe(secret, 0);
	assert_int_equal(secret[10], 'S');

	heap = strdup("not-a-real-secret");
	assert_non_null(heap);
	wipe_free_str(heap);
	heap = malloc(32);
	assert_non_null(heap);
	wipe_free(heap, 32);
	wipe_free(NULL, 32);
	wipe_free_str(NULL);
}

/* ---- escape.c ---- */

static void esc_is(const char *in, const char *want)
{
	char out[ESCAPE_FIELD_MAX + 1];

	assert_int_equal(escape_string(in, out, sizeof(out)), strlen(want));
	assert_string_equal(out, want);
}

static void test_escape_bytes(void **state)
{
	esc_is("alice", "alice");
	esc_is("", "");
	esc_is(NULL, "");
	esc_is("a b=c\"d'e", "a b=c\"d'e");
	/* Line breaks, terminal escapes, DEL and the backslash itself. */
	esc_is("ev\r\nil", "ev\\x0d\\x0ail");
	esc_is("\x1b[2J\x1b]0;x\x07", "\\x1b[2J\\x1b]0;x\\x07");
	esc_is("\t\x7f", "\\x09\\x7f");
	esc_is("a\\x41", "a\\x5cx41");
	/* Valid UTF-8 stays readable. */
	esc_is("J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x94\x91", "J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x94\x91");
	/* Not UTF-8: stray bytes, overlong forms, surrogates, above U+10FFFF,
	 * a sequence cut by the end of the string. */
	esc_is("\xff\xfe", "\\xff\\xfe");
	esc_is("\xc0\xaf", "\\xc0\\xaf");
	esc_is("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	esc_is("\xed\xa0\x80", "\\xed\\xa0\\x80");
	esc_is("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	esc_is("ok\xc3", "ok\\xc3");
	esc_is("\xe2\x82x", "\\xe2\\x82x");
	/* Valid but able to rewrite what is read: C1 controls, separators,
	 * bidirectional overrides and isolates. */
	esc_is("\xc2\x85\xc2\x9b", "\\xc2\\x85\\xc2\\x9b");
	esc_is("\xe2\x80\xa8\xe2\x80\xa9", "\\xe2\\x80\\xa8\\xe2\\x80\\xa9");
	esc_is("a\xe2\x80\xaegnp.exe", "a\\xe2\\x80\\xaegnp.exe");
	esc_is("\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
	/* Zero-width and direction marks: U+200B, U+200F, U+061C, U+FEFF. */
	esc_is("a\xe2\x80\x8b"
	       "b\xe2\x80\x8f",
	       "a\\xe2\\x80\\x8bb\\xe2\\x80\\x8f");
	esc_is("\xd8\x9c\xef\xbb\xbf", "\\xd8\\x9c\\xef\\xbb\\xbf");
	assert_true(escape_cp_unsafe(0x202e));
	assert_false(escape_cp_unsafe(0x00e9));
}

/* Every byte value, alone and after a lead byte: the output holds only
 * printable ASCII and well-formed UTF-8, and every backslash starts an
 * escape. */
static void check_clean(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t i, n = strlen(out);

	for (i = 0; i < n; i++) {
		assert_false(p[i] < 0x20 || p[i] == 0x7f);
		if (p[i] == '\\' && strcmp(out + i, ESCAPE_CUT_MARK) != 0) {
			assert_true(i + 3 < n);
			assert_int_equal(p[i + 1], 'x');
			assert_non_null(strchr("0123456789abcdef", p[i + 2]));
			assert_non_null(strchr("0123456789abcdef", p[i + 3]));
		}
	}
}

static void test_escape_every_byte(void **state)
{
	char in[4], out[64];
	int b, lead;

	for (b = 1; b < 256; b++) {
		in[0] = (char)b;
		in[1] = '\0';
		(void)escape_string(in, out, sizeof(out));
		check_clean(out);
		if (b >= 0x20 && b < 0x7f && b != '\\')
			assert_int_equal(strlen(out), 1);
		else
			assert_int_equal(strlen(out), 4);
		for (lead = 0xc2; lead <= 0xf4; lead++) {
			in[0] = (char)lead;
			in[1] = (char)b;
			in[2] = '\0';
			(void)escape_string(in, out, sizeof(out));
			check_clean(out);
		}
	}
}

static void test_escape_bounds(void **state)
{
	char in[2048], out[ESCAPE_FIELD_MAX + 1], want[ESCAPE_FIELD_MAX + 1];
	size_t n, i;

	/* Exactly fits: no mark. */
	memset(in, 'a', ESCAPE_FIELD_MAX);
	in[ESCAPE_FIELD_MAX] = '\0';
	assert_int_equal(escape_string(in, out, sizeof(out)), ESCAPE_FIELD_MAX);
	assert_string_equal(out, in);

	/* One byte more: cut, marked, within the bound. */
	memset(in, 'a', ESCAPE_FIELD_MAX + 1);
	in[ESCAPE_FIELD_MAX + 1] = '\0';
	n = escape_string(in, out, sizeof(out));
	assert_int_equal(n, ESCAPE_FIELD_MAX);
	memset(want, 'a', ESCAPE_FIELD_MAX - 4);
	strcpy(want + ESCAPE_FIELD_MAX - 4, ESCAPE_CUT_MARK);
	assert_string_equal(out, want);

	/* 1500 escapes: never cut inside one. */
	for (i = 0; i < 1500; i++)
		in[i] = '\n';
	in[1500] = '\0';
	n = escape_string(in, out, sizeof(out));
	assert_true(n <= ESCAPE_FIELD_MAX);
	assert_int_equal((n - 4) % 4, 0);
	assert_string_equal(out + n - 4, ESCAPE_CUT_MARK);
	for (i = 0; i + 4 < n; i += 4)
		assert_memory_equal(out + i, "\\x0a", 4);
	check_clean(out);

	/* 3-byte characters after one ASCII byte: cut between characters. */
	in[0] = 'x';
	for (i = 0; i < 600; i++)
		memcpy(in + 1 + 3 * i, "\xe2\x82\xac", 3);
	in[1 + 3 * 600] = '\0';
	n = escape_string(in, out, sizeof(out));
	assert_int_equal(n, 1 + 3 * ((ESCAPE_FIELD_MAX - 4 - 1) / 3) + 4);
	assert_memory_equal(out, in, n - 4);
	assert_string_equal(out + n - 4, ESCAPE_CUT_MARK);

	/* The caller's buffer is the bound, whatever its size. */
	assert_int_equal(escape_string("abcdef", out, 7), 6);
	assert_string_equal(out, "abcdef");
	assert_int_equal(escape_string("abcdefg", out, 7), 6);
	assert_string_equal(out, "ab" ESCAPE_CUT_MARK);
	assert_int_equal(escape_string("\n", out, 4), 0);
	assert_string_equal(out, "");
	assert_int_equal(escape_string("abcdef", out, 1), 0);
	assert_string_equal(out, "");
	out[0] = 'z';
	assert_int_equal(escape_string("abc", out, 0), 0);
	assert_int_equal(out[0], 'z');
	assert_int_equal(escape_string("abc", NULL, 8), 0);
}

/* ---- client.c: client_call() against a scripted peer ---- */

enum peer_mode {
	PEER_GOOD,          /* a DECISION for the same request id */
	PEER_BIG,           /* a PROMPT at its limits, written in small pieces */
	PEER_WRONG_ID,      /* a DECISION for another request id */
	PEER_REQUEST_TYPE,  /* answers with a request type */
	PEER_SILENT,        /* reads the request, never answers */
	PEER_CLOSE,         /* reads the request, closes */
	PEER_SHORT_HEADER,  /* 10 bytes of header, then closes */
	PEER_SHORT_BODY,    /* header and half the body, then closes */
	PEER_OVERSIZED,     /* header with body_len over the maximum */
	PEER_BAD_MAGIC,     /* header with a wrong magic */
	PEER_TRAILING_BYTE, /* a body one byte longer than its message */
};

static void build_decision(struct vigil_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_DECISION;
	m->u.decision.outcome = VIGIL_OUTCOME_DENY;
	m->u.decision.reason = VIGIL_REASON_RISK;
	m->u.decision.score = 90;
	m->u.decision.signals = VIGIL_SIGNAL_NEW_SOURCE;
	strcpy(m->u.decision.login_id, "login-42");
}

static void build_big_prompt(struct vigil_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_PROMPT;
	m->u.prompt.kind = VIGIL_PROMPT_ENROLL_TOTP;
	m->u.prompt.why = VIGIL_WHY_ENROLL;
	m->u.prompt.digits = 6;
	m->u.prompt.attempts_left = 3;
	memset(m->u.prompt.uri, 'u', VIGIL_URI_MAX);
	memset(m->u.prompt.secret_b32, 'S', VIGIL_SECRET_B32_MAX);
	for (size_t i = 0; i < VIGIL_QR_MAX; i++)
		m->u.prompt.qr[i] = i % 41 == 40 ? '\n' : (char)('a' + i % 26);
}

static int write_all(int fd, const uint8_t *p, size_t n, size_t chunk)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n < chunk ? n : chunk, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The peer's whole life: exits 0 if the request it read was exactly the
 * expected frame and it could play its part, else non-zero.  Plain code,
 * no cmocka: this runs in the child. */
static int peer_run(int fd, enum peer_mode mode, const uint8_t *expect, size_t expect_len, uint32_t id)
{
	static uint8_t in[VIGIL_FRAME_MAX], out[VIGIL_FRAME_MAX];
	static struct vigil_msg reply;
	size_t len = 0;
	uint8_t c;

	if (read_all(fd, in, expect_len) < 0 || memcmp(in, expect, expect_len) != 0)
		return 2;

	if (mode == PEER_BIG)
		build_big_prompt(&reply);
	else
		build_decision(&reply);
	if (msg_encode(&reply, mode == PEER_WRONG_ID ? id + 1 : id, out, sizeof(out), &len) < 0)
		return 3;

	switch (mode) {
	case PEER_GOOD:
	case PEER_WRONG_ID:
		return write_all(fd, out, len, len) < 0 ? 4 : 0;
	case PEER_BIG:
		return write_all(fd, out, len, 1000) < 0 ? 4 : 0;
	case PEER_REQUEST_TYPE:
		out[5] = VIGIL_MSG_AUTH_STEP;
		return write_all(fd, out, len, len) < 0 ? 4 : 0;
	case PEER_SILENT:
		/* Until the client gives up and closes. */
		return read(fd, &c, 1) == 0 ? 0 : 5;
	case PEER_CLOSE:
		return 0;
	case PEER_SHORT_HEADER:
		return write_all(fd, out, 10, 10) < 0 ? 4 : 0;
	case PEER_SHORT_BODY:
		return write_all(fd, out, VIGIL_FRAME_HEADER_SIZE + (len - VIGIL_FRAME_HEADER_SIZE) / 2, len) < 0 ? 4
		                                                                                                  : 0;
	case PEER_OVERSIZED:
		out[12] = 0;
		out[13] = 0;
		out[14] = (VIGIL_FRAME_BODY_MAX + 1) >> 8;
		out[15] = (VIGIL_FRAME_BODY_MAX + 1) & 0xff;
		if (write_all(fd, out, VIGIL_FRAME_HEADER_SIZE, len) < 0)
			return 4;
		return read(fd, &c, 1) == 0 ? 0 : 5;
	case PEER_BAD_MAGIC:
		out[0] ^= 0xff;
		return write_all(fd, out, len, len) < 0 ? 4 : 0;
	case PEER_TRAILING_BYTE:
		out[15]++;
		out[len] = 0;
		return write_all(fd, out, len + 1, len + 1) < 0 ? 4 : 0;
	}
	return 6;
}

/* Runs req through client_call() against a peer playing mode; returns
 * client_call()'s result and asserts the peer saw the exact request. */
static int call_peer(enum peer_mode mode, const struct vigil_msg *req, struct vigil_msg *reply, int64_t timeout_ms)
{
	static uint8_t expect[VIGIL_FRAME_MAX];
	const uint32_t id = 0x1234abcd;
	size_t expect_len = 0;
	int sv[2], status, r, small = 4096;
	pid_t pid;

	assert_int_equal(msg_encode(req, id, expect, sizeof(expect), &expect_len), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* Small buffers force partial sends and reads on big frames. */
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(peer_run(sv[1], mode, expect, expect_len, id));
	}
	close(sv[1]);

	r = client_call(sv[0], id, req, reply, clock_now_ms() + timeout_ms);

	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return r;
}

static int is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static struct vigil_msg *answer_request(void)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->type = VIGIL_MSG_AUTH_STEP;
	strcpy(m->u.answer.answer, "314159");
	return m;
}

static void test_call_good(void **state)
{
	struct vigil_msg *req = answer_request(), *reply = calloc(1, sizeof(*reply)), *want = calloc(1, sizeof(*want));

	assert_non_null(reply);
	assert_non_null(want);
	assert_int_equal(call_peer(PEER_GOOD, req, reply, 5000), 0);
	build_decision(want);
	assert_int_equal(reply->type, VIGIL_MSG_DECISION);
	assert_int_equal(reply->u.decision.outcome, want->u.decision.outcome);
	assert_int_equal(reply->u.decision.reason, want->u.decision.reason);
	assert_int_equal(reply->u.decision.score, want->u.decision.score);
	assert_int_equal(reply->u.decision.signals, want->u.decision.signals);
	assert_string_equal(reply->u.decision.login_id, want->u.decision.login_id);
	/* The caller's request is not touched. */
	assert_string_equal(req->u.answer.answer, "314159");
	free(req);
	free(reply);
	free(want);
}

static void test_call_big(void **state)
{
	struct vigil_msg *req = calloc(1, sizeof(*req)), *reply = calloc(1, sizeof(*reply)),
	                 *want = calloc(1, sizeof(*want));

	assert_non_null(req);
	assert_non_null(reply);
	assert_non_null(want);
	/* A request bigger than the socket buffer, a reply likewise. */
	req->type = VIGIL_MSG_AUTH_BEGIN;
	strcpy(req->u.login.user, "alice");
	memset(req->u.login.ssh_auth_info, 'k', VIGIL_AUTH_INFO_MAX);
	assert_int_equal(call_peer(PEER_BIG, req, reply, 5000), 0);
	build_big_prompt(want);
	assert_int_equal(reply->type, VIGIL_MSG_PROMPT);
	assert_string_equal(reply->u.prompt.uri, want->u.prompt.uri);
	assert_string_equal(reply->u.prompt.secret_b32, want->u.prompt.secret_b32);
	assert_string_equal(reply->u.prompt.qr, want->u.prompt.qr);
	free(req);
	free(reply);
	free(want);
}

/* Each misbehaving peer gives its error and a reply with a zero header;
 * whatever was decoded of its DECISION is wiped, and nothing past that
 * member is touched. */
static void expect_call_error(enum peer_mode mode, int expected, int64_t timeout_ms)
{
	struct vigil_msg *req = answer_request(), *reply = malloc(sizeof(*reply));
	const uint8_t *p = (const uint8_t *)reply;
	size_t n = msg_size(VIGIL_MSG_DECISION);

	assert_non_null(reply);
	memset(reply, 0xa5, sizeof(*reply));
	assert_int_equal(call_peer(mode, req, reply, timeout_ms), expected);
	assert_true(is_zero(reply, msg_size(0)));
	assert_int_equal(reply->type, 0);
	if (mode == PEER_TRAILING_BYTE)
		assert_true(is_zero(reply, n));
	for (size_t i = n; i < sizeof(*reply); i++)
		assert_int_equal(p[i], 0xa5);
	free(req);
	free(reply);
}

static void test_call_wrong_id(void **state)
{
	expect_call_error(PEER_WRONG_ID, -EPROTO, 5000);
}

static void test_call_reply_is_request(void **state)
{
	expect_call_error(PEER_REQUEST_TYPE, -EPROTO, 5000);
}

static void test_call_timeout(void **state)
{
	expect_call_error(PEER_SILENT, -ETIMEDOUT, 100);
}

static void test_call_peer_closes(void **state)
{
	expect_call_error(PEER_CLOSE, -ECONNRESET, 5000);
	expect_call_error(PEER_SHORT_HEADER, -ECONNRESET, 5000);
	expect_call_error(PEER_SHORT_BODY, -ECONNRESET, 5000);
}

static void test_call_oversized(void **state)
{
	expect_call_error(PEER_OVERSIZED, -E2BIG, 5000);
}

static void test_call_malformed(void **state)
{
	expect_call_error(PEER_BAD_MAGIC, -EBADMSG, 5000);
	expect_call_error(PEER_TRAILING_BYTE, -EBADMSG, 5000);
}

static void test_call_invalid(void **state)
{
	struct vigil_msg *req = answer_request(), *reply = malloc(sizeof(*reply));
	int sv[2];

	assert_non_null(reply);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* Only requests are sent; nothing reaches the peer. */
	req->type = VIGIL_MSG_DECISION;
	memset(reply, 0xa5, sizeof(*reply));
	assert_int_equal(client_call(sv[0], 1, req, reply, clock_now_ms() + 1000), -EINVAL);
	assert_true(is_zero(reply, msg_size(0)));
	/* An answer over its limit is refused before anything is sent. */
	req->type = VIGIL_MSG_AUTH_STEP;
	memset(req->u.answer.answer, '7', sizeof(req->u.answer.answer));
	assert_int_equal(client_call(sv[0], 1, req, reply, clock_now_ms() + 1000), -E2BIG);
	assert_int_equal(recv(sv[1], reply, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(client_call(-1, 1, req, reply, clock_now_ms() + 1000), -EINVAL);
	close(sv[0]);
	close(sv[1]);
	free(req);
	free(reply);
}

static void test_clock(void **state)
{
	int64_t a = clock_now_ms(), b = clock_now_ms();

	assert_true(a >= 0);
	assert_true(b >= a);
}

/* ---- client.c: client_connect() against real sockets ---- */

struct sockdir {
	char dir[64];
	char path[128];
};

static int listen_at(const char *path, int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (backlog >= 0)
		assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static int setup_dir(void **state)
{
	struct sockdir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	strcpy(d->dir, "/tmp/vigil-test-lib-XXXXXX");
	if (!mkdtemp(d->dir) || chmod(d->dir, 0755) < 0) {
		free(d);
		return -1;
	}
	snprintf(d->path, sizeof(d->path), "%s/vigild.sock", d->dir);
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	struct sockdir *d = *state;
	char p[160];

	(void)unlink(d->path);
	snprintf(p, sizeof(p), "%s/link.sock", d->dir);
	(void)unlink(p);
	(void)rmdir(d->dir);
	free(d);
	return 0;
}

static void test_connect_good(void **state)
{
	struct sockdir *d = *state;
	int lfd = listen_at(d->path, 4), fd = -1, afd, fl;

	assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 2000, &fd), 0);
	assert_true(fd >= 0);
	fl = fcntl(fd, F_GETFL);
	assert_true(fl & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* It is a real connection to that listener. */
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	assert_int_equal(write(afd, "k", 1), 1);
	close(afd);
	close(fd);
	close(lfd);
}

static void test_connect_missing(void **state)
{
	struct sockdir *d = *state;
	char p[160];
	int fd = -7;

	assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 1000, &fd), -ENOENT);
	snprintf(p, sizeof(p), "%s/nodir/vigild.sock", d->dir);
	assert_int_equal(client_connect(p, geteuid(), clock_now_ms() + 1000, &fd), -ENOENT);
	assert_int_equal(fd, -7);
}

static void test_connect_not_socket(void **state)
{
	struct sockdir *d = *state;
	char link[160];
	int fd = -7, lfd, ffd;

	ffd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(ffd >= 0);
	close(ffd);
	assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(unlink(d->path), 0);

	/* A symlink to a good socket is not that socket. */
	lfd = listen_at(d->path, 4);
	snprintf(link, sizeof(link), "%s/link.sock", d->dir);
	assert_int_equal(symlink(d->path, link), 0);
	assert_int_equal(client_connect(link, geteuid(), clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(fd, -7);
	close(lfd);
}

static void test_connect_dir_mode(void **state)
{
	static const mode_t bad[] = {0777, 01777, 0775, 0757, 0722};
	struct sockdir *d = *state;
	int lfd = listen_at(d->path, 4), fd = -7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(d->dir, bad[i]), 0);
		assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 1000, &fd), -EPERM);
	}
	assert_int_equal(fd, -7);
	/* Back to 0755 (and 0700): accepted again. */
	assert_int_equal(chmod(d->dir, 0700), 0);
	assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 1000, &fd), 0);
	close(fd);
	assert_int_equal(chmod(d->dir, 0755), 0);
	close(lfd);
}

static void test_connect_other_daemon_uid(void **state)
{
	struct sockdir *d = *state;
	int lfd = listen_at(d->path, 4), fd = -7;

	/* Everything is ours, but we say the daemon is someone else. */
	assert_int_equal(client_connect(d->path, geteuid() + 1, clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(fd, -7);
	close(lfd);
}

static void test_connect_socket_owner(void **state)
{
	struct sockdir *d = *state;
	int lfd, fd = -7;

	if (geteuid() != 0)
		skip();
	lfd = listen_at(d->path, 4);
	assert_int_equal(chown(d->path, NOBODY, NOBODY), 0);
	assert_int_equal(client_connect(d->path, 0, clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(chown(d->path, 0, 0), 0);
	/* The directory's owner counts too. */
	assert_int_equal(chown(d->dir, NOBODY, NOBODY), 0);
	assert_int_equal(client_connect(d->path, 0, clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(chown(d->dir, 0, 0), 0);
	assert_int_equal(fd, -7);
	assert_int_equal(client_connect(d->path, 0, clock_now_ms() + 1000, &fd), 0);
	close(fd);
	close(lfd);
}

/* The file is root's, but the process listening on it is not: SO_PEERCRED
 * is what counts. */
static void test_connect_peer_uid(void **state)
{
	struct sockdir *d = *state;
	int ready[2], done[2], lfd, fd = -7, status;
	pid_t pid;
	char c;

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(done, O_CLOEXEC), 0);
	lfd = listen_at(d->path, -1); /* bound as root, not listening yet */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0 || listen(lfd, 4) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* Listening until the parent is done (or gone). */
		_exit(read(done[0], &c, 1) == 0 ? 0 : 3);
	}
	close(ready[1]);
	close(done[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(client_connect(d->path, 0, clock_now_ms() + 1000, &fd), -EPERM);
	assert_int_equal(fd, -7);
	close(done[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(lfd);
}

static void test_connect_refused(void **state)
{
	struct sockdir *d = *state;
	int lfd = listen_at(d->path, -1), fd = -7;

	/* Bound, never listening: nobody is there. */
	assert_int_equal(client_connect(d->path, geteuid(), clock_now_ms() + 1000, &fd), -ECONNREFUSED);
	assert_int_equal(fd, -7);
	close(lfd);
}

static void test_connect_backlog_full(void **state)
{
	struct sockdir *d = *state;
	int lfd = listen_at(d->path, 0), fds[8], n = 0, r = 0;

	/* Nobody accepts: sooner or later the backlog is full, and stays full
	 * until the deadline.  That is -EAGAIN, never -ETIMEDOUT: the module
	 * must tell "busy or flooded" from "not there". */
	while (n < 8) {
		int fd = -1;

		r = client_connect(d->path, geteuid(), clock_now_ms() + 50, &fd);
		if (r < 0)
			break;
		fds[n++] = fd;
	}
	assert_int_equal(r, -EAGAIN);
	assert_true(n >= 1);
	while (n > 0)
		close(fds[--n]);
	close(lfd);
}

static void test_connect_bad_args(void **state)
{
	char longpath[200];
	int fd = -7;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(client_connect(longpath, 0, clock_now_ms() + 1000, &fd), -ENAMETOOLONG);
	assert_int_equal(client_connect("", 0, clock_now_ms() + 1000, &fd), -EINVAL);
	assert_int_equal(client_connect(NULL, 0, clock_now_ms() + 1000, &fd), -EINVAL);
	assert_int_equal(client_connect("/tmp/", 0, clock_now_ms() + 1000, &fd), -EINVAL);
	assert_int_equal(fd, -7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_parse_bool),
	    cmocka_unit_test(test_wbuf),
	    cmocka_unit_test(test_rbuf),
	    cmocka_unit_test(test_wipe),
	    cmocka_unit_test(test_escape_bytes),
	    cmocka_unit_test(test_escape_every_byte),
	    cmocka_unit_test(test_escape_bounds),
	    cmocka_unit_test(test_call_good),
	    cmocka_unit_test(test_call_big),
	    cmocka_unit_test(test_call_wrong_id),
	    cmocka_unit_test(test_call_reply_is_request),
	    cmocka_unit_test(test_call_timeout),
	    cmocka_unit_test(test_call_peer_closes),
	    cmocka_unit_test(test_call_oversized),
	    cmocka_unit_test(test_call_malformed),
	    cmocka_unit_test(test_call_invalid),
	    cmocka_unit_test(test_clock),
	    cmocka_unit_test_setup_teardown(test_connect_good, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_missing, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_not_socket, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_dir_mode, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_other_daemon_uid, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_socket_owner, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_peer_uid, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_refused, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_connect_backlog_full, setup_dir, teardown_dir),
	    cmocka_unit_test(test_connect_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
