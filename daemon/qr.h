/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QR codes for enrollment: the otpauth:// URI rendered with libqrencode as
 * UTF-8 half blocks (two modules a character, quiet zone included), light
 * modules drawn as blocks so it scans on the usual light-on-dark terminal
 * (dark modules are blanks; see qr.c).  The daemon renders it once
 * and sends the text to the module (in-band enrollment) or to vigilctl, so
 * neither needs libqrencode.  The text encodes a secret: the caller wipes it.
 */
#pragma once

#include <stddef.h>

/* Renders text into out (cap bytes, NUL-terminated, lines ended by '\n').
 * Returns 0; -E2BIG if the rendering does not fit in cap; -ENOMEM; -EINVAL
 * if text cannot be encoded.  out is wiped on failure. */
int qr_render(const char *text, char *out, size_t cap);
