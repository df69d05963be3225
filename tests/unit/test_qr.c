/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for daemon/qr.c.  The rendering is read back into a bitmap (a
 * block half is a light module, a blank half a dark one), written as a PBM
 * image with dark modules black, and decoded by zbarimg: the code must scan
 * back to exactly the URI it was made from.  zbarimg is a test dependency
 * (scripts/deps.sh --test), so its absence is a failure, not a skip.  The
 * URIs here hold a made-up seed; they are still never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qr.h"
#include "vigil/proto.h"

#define TEST_URI                                                                                                       \
	"otpauth://totp/Vigil:alice@host.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Vigil&algorithm=SHA1"  \
	"&digits=6&period=30"
#define QUIET   2 /* light modules the renderer promises around the symbol */
#define SCALE   4 /* image pixels per module */
#define MAX_DIM 256

struct bitmap {
	int w, h;
	unsigned char light[MAX_DIM][MAX_DIM]; /* [y][x], 1 = light module */
};

/* Parses the rendering back into modules; fails the test on any character
 * that is not one of the four the renderer may use, or on ragged lines. */
static void text_to_bitmap(const char *text, struct bitmap *bm)
{
	const unsigned char *p = (const unsigned char *)text;
	int x = 0, y = 0;

	memset(bm, 0, sizeof(*bm));
	bm->w = -1;
	while (*p) {
		int up, down;

		if (*p == '\n') {
			if (bm->w < 0)
				bm->w = x;
			assert_int_equal(x, bm->w);
			x = 0;
			y += 2;
			p++;
			continue;
		}
		if (*p == ' ') {
			up = down = 0;
			p++;
		} else {
			assert_int_equal(p[0], 0xe2);
			assert_int_equal(p[1], 0x96);
			switch (p[2]) {
			case 0x88:
				up = down = 1;
				break;
			case 0x80:
				up = 1, down = 0;
				break;
			case 0x84:
				up = 0, down = 1;
				break;
			default:
				fail_msg("unexpected character in the rendering");
				return;
			}
			p += 3;
		}
		assert_true(x < MAX_DIM && y + 1 < MAX_DIM);
		bm->light[y][x] = (unsigned char)up;
		bm->light[y + 1][x] = (unsigned char)down;
		x++;
	}
	assert_int_equal(x, 0); /* the last line ends with '\n' */
	bm->h = y;
}

static void write_pbm(const char *path, const struct bitmap *bm)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f, "P1\n%d %d\n", bm->w * SCALE, bm->h * SCALE);
	for (int y = 0; y < bm->h * SCALE; y++) {
		for (int x = 0; x < bm->w * SCALE; x++)
			/* PBM: 1 is black.  Dark modules must be black to scan. */
			fputs(bm->light[y / SCALE][x / SCALE] ? "0" : "1", f);
		fputc('\n', f);
	}
	assert_int_equal(fclose(f), 0);
}

/* Runs `zbarimg --raw -q --nodbus path` and returns its output (without the trailing
 * newline) in out.  Returns its exit status, or 127 if it could not run. */
static int zbar_decode(const char *path, char *out, size_t cap)
{
	int fds[2], status = 0;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execlp("zbarimg", "zbarimg", "--raw", "-q", "--nodbus", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	out[len] = '\0';
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *render(const char *text)
{
	char *out = malloc(VIGIL_QR_MAX + 1);

	assert_non_null(out);
	assert_int_equal(qr_render(text, out, VIGIL_QR_MAX + 1), 0);
	return out;
}

/* Renders, rebuilds the image, scans it: the decoded text is the input. */
static void assert_scans_back(const char *uri)
{
	char dir[] = "/tmp/vigil-test-qr.XXXXXX", path[sizeof(dir) + 16], *decoded, *text;
	struct bitmap *bm = malloc(sizeof(*bm));
	int st;

	assert_non_null(bm);
	decoded = calloc(1, 4096);
	assert_non_null(decoded);
	text = render(uri);
	text_to_bitmap(text, bm);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/qr.pbm", dir);
	write_pbm(path, bm);
	st = zbar_decode(path, decoded, 4096);
	unlink(path);
	rmdir(dir);
	if (st == 127)
		fail_msg("zbarimg could not be run: install zbar-tools (scripts/deps.sh --test)");
	assert_int_equal(st, 0);
	/* Compared without printing: the URI carries a (test) seed. */
	assert_int_equal(strlen(decoded), strlen(uri));
	assert_true(strcmp(decoded, uri) == 0);
	free(text);
	free(decoded);
	free(bm);
}

static void test_scans_back(void **state)
{
	assert_scans_back(TEST_URI);
}

/* The longest URI the protocol carries still renders within VIGIL_QR_MAX
 * and still scans. */
static void test_longest_uri_scans_back(void **state)
{
	char uri[VIGIL_URI_MAX + 1];
	size_t n;

	n = (size_t)snprintf(uri, sizeof(uri), "%s&pad=", TEST_URI);
	for (size_t i = n; i < VIGIL_URI_MAX; i++)
		uri[i] = (char)('a' + i % 26);
	uri[VIGIL_URI_MAX] = '\0';
	assert_scans_back(uri);
}

/* The light/dark convention and the quiet zone, checked module by module. */
static void test_layout(void **state)
{
	struct bitmap *bm = malloc(sizeof(*bm));
	char *text = render(TEST_URI);
	int sym;

	assert_non_null(bm);
	text_to_bitmap(text, bm);
	sym = bm->w - 2 * QUIET;
	assert_true(sym >= 21 && (sym - 17) % 4 == 0); /* a QR symbol side */
	assert_int_equal(bm->h, bm->w + 1);            /* one extra quiet row */
	for (int y = 0; y < bm->h; y++)
		for (int x = 0; x < bm->w; x++)
			if (x < QUIET || y < QUIET || x >= QUIET + sym || y >= QUIET + sym)
				assert_int_equal(bm->light[y][x], 1);
	/* Finder patterns: a dark ring, a light ring, a dark 3x3 centre.  Dark
	 * modules must come out as blanks (the convention documented in qr.c). */
	for (int i = 0; i < 7; i++) {
		assert_int_equal(bm->light[QUIET][QUIET + i], 0);
		assert_int_equal(bm->light[QUIET + i][QUIET], 0);
		assert_int_equal(bm->light[QUIET][QUIET + sym - 1 - i], 0);
		assert_int_equal(bm->light[QUIET + sym - 1 - i][QUIET], 0);
	}
	assert_int_equal(bm->light[QUIET + 1][QUIET + 1], 1);
	assert_int_equal(bm->light[QUIET + 3][QUIET + 3], 0);
	/* The top line is all full blocks: two rows of quiet zone. */
	assert_true(strncmp(text, "\xe2\x96\x88\xe2\x96\x88", 6) == 0);
	free(text);
	free(bm);
}

/* Exactly the rendering's length plus the NUL fits; one byte less does not,
 * and the partial output is wiped. */
static void test_cap_boundary(void **state)
{
	char *text = render(TEST_URI);
	size_t len = strlen(text);
	char *out = malloc(len + 1);

	assert_non_null(out);
	assert_int_equal(qr_render(TEST_URI, out, len + 1), 0);
	assert_true(strcmp(out, text) == 0);
	memset(out, 'x', len + 1);
	assert_int_equal(qr_render(TEST_URI, out, len), -E2BIG);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(out[i], 0);
	free(out);
	free(text);
}

static void test_tiny_cap(void **state)
{
	char out[64];

	memset(out, 'x', sizeof(out));
	assert_int_equal(qr_render(TEST_URI, out, sizeof(out)), -E2BIG);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
}

/* 1000 characters encode as a QR symbol, but its rendering is larger than
 * anything the protocol can carry. */
static void test_1000_chars_too_big(void **state)
{
	char *in = malloc(1001), *out = malloc(VIGIL_QR_MAX + 1);

	assert_non_null(in);
	assert_non_null(out);
	memset(in, 'q', 1000);
	in[1000] = '\0';
	assert_int_equal(qr_render(in, out, VIGIL_QR_MAX + 1), -E2BIG);
	/* A cap large enough proves the failure was the size, not the input. */
	free(out);
	out = malloc(65536);
	assert_non_null(out);
	assert_int_equal(qr_render(in, out, 65536), 0);
	assert_true(strlen(out) > VIGIL_QR_MAX);
	free(out);
	free(in);
}

/* More than the largest symbol can hold, and input that is not encodable. */
static void test_unencodable(void **state)
{
	char *in = malloc(4001), out[128];

	assert_non_null(in);
	memset(in, 'q', 4000);
	in[4000] = '\0';
	assert_int_equal(qr_render(in, out, sizeof(out)), -E2BIG);
	assert_int_equal(qr_render("", out, sizeof(out)), -EINVAL);
	assert_int_equal(qr_render(NULL, out, sizeof(out)), -EINVAL);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scans_back),  cmocka_unit_test(test_longest_uri_scans_back),
	    cmocka_unit_test(test_layout),      cmocka_unit_test(test_cap_boundary),
	    cmocka_unit_test(test_tiny_cap),    cmocka_unit_test(test_1000_chars_too_big),
	    cmocka_unit_test(test_unencodable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
