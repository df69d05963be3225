/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CTAPHID over libfido2's I/O hooks (fido_dev_io_t).  libfido2 1.12 writes
 * 65 bytes a report (report id 0, then 64) and reads 64 (no report id),
 * with the milliseconds left before its own timeout (-1: none).  Requests
 * are handled as their last frame is written; the answer waits in a queue
 * for read().  A request that needs a touch stays pending: read() sends
 * KEEPALIVE(UPNEEDED) every 100 ms until the touch (touch=yes at once,
 * delay:MS after MS, no never), a CANCEL, or the caller's timeout.  A
 * CANCEL may come from another thread while one sits in read().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "softkey.h"

#define REPORT        64
#define CID_BROADCAST 0xffffffffu
#define KEEPALIVE_MS  100

enum {
	HID_PING = 0x01,
	HID_MSG = 0x03,
	HID_INIT = 0x06,
	HID_WINK = 0x08,
	HID_CBOR = 0x10,
	HID_CANCEL = 0x11,
	HID_KEEPALIVE = 0x3b,
	HID_ERROR = 0x3f,
};
enum {
	ERR_INVALID_CMD = 0x01,
	ERR_INVALID_LEN = 0x03,
	ERR_INVALID_SEQ = 0x04,
	ERR_CHANNEL_BUSY = 0x06,
	ERR_INVALID_CHANNEL = 0x0b,
	ERR_OTHER = 0x7f,
};
enum { STATUS_PROCESSING = 1, STATUS_UPNEEDED = 2 };

void *softkey_io_open(const char *path) SK_EXPORT;
void softkey_io_close(void *handle) SK_EXPORT;
int softkey_io_read(void *handle, unsigned char *buf, size_t len, int ms) SK_EXPORT;
int softkey_io_write(void *handle, const unsigned char *buf, size_t len) SK_EXPORT;

static void ts_add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

static int out_frame(struct sk_dev *d, const unsigned char frame[REPORT])
{
	if (d->out_off > 0 && d->out_off == d->out_len)
		d->out_off = d->out_len = 0;
	if (d->out_len + REPORT > d->out_cap) {
		size_t cap = d->out_cap == 0 ? 16 * REPORT : 2 * d->out_cap;
		unsigned char *n = realloc(d->out, cap);

		if (n == NULL)
			return -ENOMEM;
		d->out = n;
		d->out_cap = cap;
	}
	memcpy(d->out + d->out_len, frame, REPORT);
	d->out_len += REPORT;
	pthread_cond_broadcast(&d->cond);
	return 0;
}

/* Queues one message as an init frame and as many continuation frames as
 * it needs. */
static int out_msg(struct sk_dev *d, uint32_t cid, uint8_t cmd, const unsigned char *p, size_t len)
{
	unsigned char f[REPORT];
	size_t n, off;
	int r;

	if (len > SK_MSG_MAX)
		return -E2BIG;
	memset(f, 0, sizeof(f));
	memcpy(f, &cid, 4);
	f[4] = 0x80 | cmd;
	f[5] = (unsigned char)(len >> 8);
	f[6] = (unsigned char)len;
	n = len < REPORT - 7 ? len : REPORT - 7;
	if (n > 0)
		memcpy(f + 7, p, n);
	if ((r = out_frame(d, f)) < 0)
		return r;
	for (off = n, f[4] = 0; off < len; off += n, f[4]++) {
		memset(f + 5, 0, REPORT - 5);
		n = len - off < REPORT - 5 ? len - off : REPORT - 5;
		memcpy(f + 5, p + off, n);
		if ((r = out_frame(d, f)) < 0)
			return r;
	}
	return 0;
}

static int out_error(struct sk_dev *d, uint32_t cid, uint8_t code)
{
	return out_msg(d, cid, HID_ERROR, &code, 1);
}

static void pending_drop(struct sk_dev *d)
{
	free(d->pend);
	d->pend = NULL;
	d->pend_len = 0;
	d->pending = false;
}

static int cbor_answer(struct sk_dev *d, uint32_t cid, int r, unsigned char *resp, size_t len)
{
	unsigned char status = CTAP1_ERR_OTHER;

	if (r == 0) {
		r = out_msg(d, cid, HID_CBOR, resp, len);
		free(resp);
		return r;
	}
	return out_msg(d, cid, HID_CBOR, &status, 1);
}

static int on_cbor(struct sk_dev *d, uint32_t cid, const unsigned char *p, size_t len)
{
	unsigned char *resp = NULL;
	size_t resp_len = 0;
	int r;

	if (d->pending)
		return out_error(d, cid, ERR_CHANNEL_BUSY);
	if (len == 0)
		return out_error(d, cid, ERR_INVALID_LEN);
	r = sk_ctap(d, p, len, false, &resp, &resp_len);
	if (r != SK_NEED_TOUCH)
		return cbor_answer(d, cid, r, resp, resp_len);
	if ((d->pend = malloc(len)) == NULL)
		return cbor_answer(d, cid, -ENOMEM, NULL, 0);
	memcpy(d->pend, p, len);
	d->pend_len = len;
	d->pend_cid = cid;
	d->pending = true;
	d->pend_never = d->want_touch == SK_TOUCH_NO;
	clock_gettime(CLOCK_MONOTONIC, &d->touch_at);
	d->keepalive_at = d->touch_at;
	if (d->want_touch == SK_TOUCH_DELAY)
		ts_add_ms(&d->touch_at, d->want_delay_ms);
	pthread_cond_broadcast(&d->cond);
	return 0;
}

static int on_init(struct sk_dev *d, uint32_t cid, const unsigned char *p, size_t len)
{
	unsigned char resp[17];

	if (len != 8)
		return out_error(d, cid, ERR_INVALID_LEN);
	pending_drop(d);
	sk_ctap_next_clear(d);
	if (cid == CID_BROADCAST) {
		do {
			if (RAND_bytes((unsigned char *)&d->cid, sizeof(d->cid)) != 1)
				return out_error(d, cid, ERR_OTHER);
		} while (d->cid == 0 || d->cid == CID_BROADCAST);
	}
	memcpy(resp, p, 8);
	memcpy(resp + 8, &d->cid, 4);
	resp[12] = 2; /* CTAPHID protocol version */
	resp[13] = 1; /* device version 1.0.0 */
	resp[14] = 0;
	resp[15] = 0;
	resp[16] = 0x01 | 0x04 | 0x08; /* WINK, CBOR, NMSG: no U2F */
	return out_msg(d, cid, HID_INIT, resp, sizeof(resp));
}

static int on_message(struct sk_dev *d, uint32_t cid, uint8_t cmd, const unsigned char *p, size_t len)
{
	if (cmd == HID_INIT)
		return on_init(d, cid, p, len);
	if (cid == CID_BROADCAST || cid != d->cid)
		return out_error(d, cid, ERR_INVALID_CHANNEL);
	switch (cmd) {
	case HID_PING:
		return out_msg(d, cid, HID_PING, p, len);
	case HID_WINK:
		return out_msg(d, cid, HID_WINK, NULL, 0);
	case HID_CBOR:
		return on_cbor(d, cid, p, len);
	default:
		return out_error(d, cid, ERR_INVALID_CMD);
	}
}

/* CANCEL answers nothing itself: the request it cancels ends with
 * CTAP2_ERR_KEEPALIVE_CANCEL. */
static int on_cancel(struct sk_dev *d, uint32_t cid)
{
	unsigned char status = CTAP2_ERR_KEEPALIVE_CANCEL;

	if (!d->pending || cid != d->pend_cid)
		return 0;
	pending_drop(d);
	return out_msg(d, cid, HID_CBOR, &status, 1);
}

static int on_frame(struct sk_dev *d, const unsigned char *f)
{
	uint32_t cid;
	size_t n;

	memcpy(&cid, f, 4);
	if (f[4] & 0x80) {
		uint8_t cmd = f[4] & 0x7f;
		size_t bcnt = (size_t)f[5] << 8 | f[6];

		if (cmd == HID_CANCEL)
			return on_cancel(d, cid);
		if (d->in_busy && cid != d->in_cid)
			return out_error(d, cid, ERR_CHANNEL_BUSY);
		if (d->in_busy && cmd != HID_INIT) {
			d->in_busy = false;
			return out_error(d, cid, ERR_INVALID_SEQ);
		}
		if (bcnt > SK_MSG_MAX)
			return out_error(d, cid, ERR_INVALID_LEN);
		n = bcnt < REPORT - 7 ? bcnt : REPORT - 7;
		memcpy(d->in, f + 7, n);
		d->in_cid = cid;
		d->in_cmd = cmd;
		d->in_len = bcnt;
		d->in_got = n;
		d->in_seq = 0;
		d->in_busy = true;
	} else {
		/* A stray continuation frame is ignored, as the spec says. */
		if (!d->in_busy || cid != d->in_cid)
			return 0;
		if (f[4] != d->in_seq) {
			d->in_busy = false;
			return out_error(d, cid, ERR_INVALID_SEQ);
		}
		n = d->in_len - d->in_got < REPORT - 5 ? d->in_len - d->in_got : REPORT - 5;
		memcpy(d->in + d->in_got, f + 5, n);
		d->in_got += n;
		d->in_seq++;
	}
	if (d->in_got < d->in_len)
		return 0;
	d->in_busy = false;
	return on_message(d, d->in_cid, d->in_cmd, d->in, d->in_len);
}

/* The touch came: run the request for real and queue its answer. */
static int pending_finish(struct sk_dev *d)
{
	unsigned char *resp = NULL;
	size_t resp_len = 0;
	uint32_t cid = d->pend_cid;
	int r;

	r = sk_ctap(d, d->pend, d->pend_len, true, &resp, &resp_len);
	pending_drop(d);
	if (r == SK_NEED_TOUCH)
		r = -EPROTO;
	return cbor_answer(d, cid, r, resp, resp_len);
}

static int keepalive(struct sk_dev *d)
{
	unsigned char status = STATUS_UPNEEDED;

	return out_msg(d, d->pend_cid, HID_KEEPALIVE, &status, 1);
}

void *softkey_io_open(const char *path)
{
	struct sk_dev *d = NULL;
	pthread_condattr_t ca;

	if (path == NULL || strcmp(path, "softkey:0") != 0)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* No state file: no key plugged in. */
	if ((d->state_path = strdup(sk_state_path())) == NULL || access(d->state_path, R_OK | W_OK) < 0 ||
	    (d->ka = sk_ecdh_new()) == NULL || RAND_bytes(d->token, sizeof(d->token)) != 1) {
		softkey_io_close(d);
		return NULL;
	}
	return d;
}

void softkey_io_close(void *handle)
{
	struct sk_dev *d = handle;

	if (d == NULL)
		return;
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	pending_drop(d);
	sk_ctap_next_clear(d);
	EVP_PKEY_free(d->ka);
	free(d->out);
	free(d->state_path);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

int softkey_io_write(void *handle, const unsigned char *buf, size_t len)
{
	struct sk_dev *d = handle;
	int r;

	if (d == NULL || buf == NULL || len != REPORT + 1 || buf[0] != 0)
		return -1;
	pthread_mutex_lock(&d->lock);
	r = on_frame(d, buf + 1);
	pthread_mutex_unlock(&d->lock);
	return r < 0 ? -1 : (int)len;
}

int softkey_io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	struct sk_dev *d = handle;
	struct timespec now, deadline, wake;
	int r = -1;

	if (d == NULL || buf == NULL || len != REPORT)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (ms >= 0)
		ts_add_ms(&deadline, ms);
	pthread_mutex_lock(&d->lock);
	for (;;) {
		bool timed = ms >= 0;

		if (d->out_off < d->out_len) {
			memcpy(buf, d->out + d->out_off, REPORT);
			d->out_off += REPORT;
			r = REPORT;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (d->pending) {
			if (!d->pend_never && ts_cmp(&now, &d->touch_at) >= 0) {
				if (pending_finish(d) < 0)
					break;
				continue;
			}
			if (ts_cmp(&now, &d->keepalive_at) >= 0) {
				d->keepalive_at = now;
				ts_add_ms(&d->keepalive_at, KEEPALIVE_MS);
				if (keepalive(d) < 0)
					break;
				continue;
			}
			wake = d->keepalive_at;
			if (!d->pend_never && ts_cmp(&d->touch_at, &wake) < 0)
				wake = d->touch_at;
			if (timed && ts_cmp(&deadline, &wake) < 0)
				wake = deadline;
			timed = true;
		} else
			wake = deadline;
		if (ms >= 0 && ts_cmp(&now, &deadline) >= 0)
			break; /* the caller's timeout: libfido2 reports FIDO_ERR_RX */
		if (timed)
			pthread_cond_timedwait(&d->cond, &d->lock, &wake);
		else
			pthread_cond_wait(&d->cond, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}
