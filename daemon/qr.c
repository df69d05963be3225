/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Renders an otpauth:// URI as a QR code made of UTF-8 half blocks, for
 * vigilctl and for in-band enrollment through the PAM conversation.  The text
 * is trusted (the daemon built it) but it carries a TOTP seed, so every buffer
 * we own that holds the symbol or its rendering is wiped.
 *
 * Convention: most terminals are light text on a dark background, and a
 * scanner needs dark modules darker than light ones.  So LIGHT modules are
 * drawn with block characters (the terminal's light foreground) and DARK
 * modules are left as spaces (the terminal's dark background).  Each character
 * covers two vertically stacked modules: ' ' (both dark), U+2580 upper half
 * (upper light), U+2584 lower half (lower light), U+2588 full block (both
 * light).  A quiet zone of VIGIL_QR_QUIET light modules surrounds the symbol;
 * the bottom margin gets one extra light row so the height is even (a symbol
 * is always an odd number of modules wide).  On a dark-on-light terminal the
 * code comes out inverted; most phone scanners read that too.
 */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "wipe.h"

/* Light modules around the symbol (the standard asks 4; 2 scans on screens
 * and keeps the code short enough for a 24-line terminal). */
#define VIGIL_QR_QUIET 2

static const char QR_BOTH[] = "\xe2\x96\x88";  /* U+2588 full block */
static const char QR_UPPER[] = "\xe2\x96\x80"; /* U+2580 upper half block */
static const char QR_LOWER[] = "\xe2\x96\x84"; /* U+2584 lower half block */

/* Is the module at (x, y) of the bordered image light?  Outside the symbol
 * (the quiet zone) everything is light. */
static int module_light(const QRcode *code, int x, int y)
{
	int sx = x - VIGIL_QR_QUIET, sy = y - VIGIL_QR_QUIET;

	if (sx < 0 || sy < 0 || sx >= code->width || sy >= code->width)
		return 1;
	/* Bit 0 of each byte: 1 = dark module. */
	return !(code->data[(size_t)sy * (size_t)code->width + (size_t)sx] & 1);
}

/* Appends n bytes to out at *pos, keeping room for the final NUL. */
static int out_put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (n >= cap - *pos)
		return -E2BIG;
	memcpy(out + *pos, s, n);
	*pos += n;
	return 0;
}

int qr_render(const char *text, char *out, size_t cap)
{
	QRcode *code = NULL;
	size_t pos = 0;
	int side, height, r;

	if (!text || !out || cap == 0) {
		r = -EINVAL;
		goto out;
	}

	errno = 0;
	code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!code) {
		if (errno == ENOMEM)
			r = -ENOMEM;
		else if (errno == ERANGE)
			r = -E2BIG; /* more data than the largest symbol holds */
		else
			r = -EINVAL;
		goto out;
	}

	side = code->width + 2 * VIGIL_QR_QUIET;
	height = side + 1; /* even: the extra row is quiet zone */
	for (int y = 0; y < height; y += 2) {
		for (int x = 0; x < side; x++) {
			int up = module_light(code, x, y), down = module_light(code, x, y + 1);
			const char *s = up && down ? QR_BOTH : up ? QR_UPPER : down ? QR_LOWER : " ";

			if ((r = out_put(out, cap, &pos, s, strlen(s))) < 0)
				goto out;
		}
		if ((r = out_put(out, cap, &pos, "\n", 1)) < 0)
			goto out;
	}
	out[pos] = '\0';
	r = 0;
out:
	if (code) {
		/* The symbol's modules spell the secret out. */
		wipe(code->data, (size_t)code->width * (size_t)code->width);
		QRcode_free(code);
	}
	if (r < 0)
		wipe(out, cap);
	return r;
}
