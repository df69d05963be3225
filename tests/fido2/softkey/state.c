/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads and writes the soft key's state file (format in README.md beside
 * this file).  The file belongs to the test that made it; it is parsed
 * strictly all the same, so a broken file fails loudly instead of turning
 * into a different key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "state.h"

#define STATE_MAX (1024 * 1024)

const char *sk_state_path(void)
{
	const char *p = getenv("VIGIL_SOFTKEY_STATE");

	return p != NULL && *p != '\0' ? p : SK_STATE_DEFAULT;
}

int sk_state_lock(const char *path, bool create)
{
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

void sk_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, unsigned char *out, size_t max, size_t *ret_n)
{
	size_t len = strlen(s);

	if (len % 2 != 0 || len / 2 > max)
		return -EBADMSG;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -EBADMSG;
		}
		out[i] = (unsigned char)v;
	}
	*ret_n = len / 2;
	return 0;
}

static int unhex_exact(const char *s, unsigned char *out, size_t n)
{
	size_t got;

	if (unhex(s, out, n, &got) < 0 || got != n)
		return -EBADMSG;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int alg_parse(const char *s, enum sk_alg *ret)
{
	if (strcmp(s, "es256") == 0)
		*ret = SK_ALG_ES256;
	else if (strcmp(s, "eddsa") == 0)
		*ret = SK_ALG_EDDSA;
	else
		return -EINVAL;
	return 0;
}

static const char *alg_name(enum sk_alg a)
{
	return a == SK_ALG_EDDSA ? "eddsa" : "es256";
}

int sk_state_set_knob(struct sk_state *st, const char *key, const char *value)
{
	unsigned long v;

	if (strcmp(key, "touch") == 0) {
		if (strcmp(value, "yes") == 0)
			st->touch = SK_TOUCH_YES;
		else if (strcmp(value, "no") == 0)
			st->touch = SK_TOUCH_NO;
		else if (strncmp(value, "delay:", 6) == 0 && parse_uint(value + 6, 600000, &v) == 0) {
			st->touch = SK_TOUCH_DELAY;
			st->touch_delay_ms = (unsigned)v;
		} else
			return -EINVAL;
	} else if (strcmp(key, "counter") == 0) {
		if (strcmp(value, "normal") == 0)
			st->counter_zero = false;
		else if (strcmp(value, "zero") == 0)
			st->counter_zero = true;
		else
			return -EINVAL;
	} else if (strcmp(key, "uv") == 0) {
		if (strcmp(value, "none") == 0)
			st->uv_builtin = false;
		else if (strcmp(value, "builtin") == 0)
			st->uv_builtin = true;
		else
			return -EINVAL;
	} else if (strcmp(key, "fmt") == 0) {
		if (strcmp(value, "packed") == 0)
			st->fmt = SK_FMT_PACKED;
		else if (strcmp(value, "x5c") == 0)
			st->fmt = SK_FMT_X5C;
		else if (strcmp(value, "none") == 0)
			st->fmt = SK_FMT_NONE;
		else
			return -EINVAL;
	} else if (strcmp(key, "alg") == 0) {
		return alg_parse(value, &st->alg);
	} else if (strcmp(key, "retries") == 0) {
		if (parse_uint(value, SK_PIN_RETRIES, &v) < 0)
			return -EINVAL;
		st->retries = (unsigned)v;
	} else
		return -EINVAL;
	return 0;
}

void sk_state_set_pin(struct sk_state *st, const char *pin)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	st->retries = SK_PIN_RETRIES;
	st->pin_set = pin != NULL;
	if (pin == NULL) {
		OPENSSL_cleanse(st->pin_hash, sizeof(st->pin_hash));
		return;
	}
	SHA256((const unsigned char *)pin, strlen(pin), md);
	memcpy(st->pin_hash, md, sizeof(st->pin_hash));
	OPENSSL_cleanse(md, sizeof(md));
}

int sk_state_add_cred(struct sk_state *st, const struct sk_cred *c)
{
	struct sk_cred *n;

	if (st->ncreds >= SK_CREDS_MAX)
		return -E2BIG;
	n = realloc(st->creds, (st->ncreds + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	st->creds = n;
	st->creds[st->ncreds++] = *c;
	return 0;
}

void sk_state_clear(struct sk_state *st)
{
	if (st->creds != NULL)
		OPENSSL_cleanse(st->creds, st->ncreds * sizeof(*st->creds));
	free(st->creds);
	OPENSSL_cleanse(st, sizeof(*st));
}

static int rp_valid(const char *rp)
{
	if (*rp == '\0' || strlen(rp) > SK_RP_MAX)
		return 0;
	for (const char *p = rp; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* cred IDHEX ALG RK RP USERHEX|- KEYHEX */
static int parse_cred(struct sk_state *st, char **f, int n)
{
	struct sk_cred c = {0};
	unsigned long rk;
	int r = -EBADMSG;

	if (n != 7 || unhex_exact(f[1], c.id, sizeof(c.id)) < 0 || alg_parse(f[2], &c.alg) < 0 ||
	    parse_uint(f[3], 1, &rk) < 0 || !rp_valid(f[4]))
		goto out;
	c.rk = rk == 1;
	strcpy(c.rp, f[4]);
	if (strcmp(f[5], "-") != 0 && unhex(f[5], c.user, sizeof(c.user), &c.user_len) < 0)
		goto out;
	if (unhex(f[6], c.key, sizeof(c.key), &c.key_len) < 0 || c.key_len == 0)
		goto out;
	r = sk_state_add_cred(st, &c);
out:
	OPENSSL_cleanse(&c, sizeof(c));
	return r;
}

static int parse_line(struct sk_state *st, char *line)
{
	char *f[8];
	int n = 0;
	unsigned long v;

	for (char *save = NULL, *t = strtok_r(line, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (n == 8)
			return -EBADMSG;
		f[n++] = t;
	}
	if (n == 0)
		return 0;
	if (strcmp(f[0], "cred") == 0)
		return parse_cred(st, f, n);
	if (n != 2)
		return -EBADMSG;
	if (strcmp(f[0], "softkey-state") == 0)
		return strcmp(f[1], "1") == 0 ? 0 : -EBADMSG;
	if (strcmp(f[0], "sigcount") == 0) {
		if (parse_uint(f[1], UINT32_MAX, &v) < 0)
			return -EBADMSG;
		st->counter = (uint32_t)v;
		return 0;
	}
	if (strcmp(f[0], "pin") == 0) {
		st->pin_set = strcmp(f[1], "-") != 0;
		return st->pin_set ? unhex_exact(f[1], st->pin_hash, sizeof(st->pin_hash)) : 0;
	}
	if (strcmp(f[0], "aaguid") == 0)
		return unhex_exact(f[1], st->aaguid, sizeof(st->aaguid));
	if (strcmp(f[0], "attkey") == 0)
		return unhex(f[1], st->att_key, sizeof(st->att_key), &st->att_key_len);
	if (strcmp(f[0], "attcert") == 0)
		return unhex(f[1], st->att_cert, sizeof(st->att_cert), &st->att_cert_len);
	return sk_state_set_knob(st, f[0], f[1]) < 0 ? -EBADMSG : 0;
}

int sk_state_read(int fd, struct sk_state *ret)
{
	struct sk_state st = {0};
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	st.retries = SK_PIN_RETRIES;
	if ((text = malloc(STATE_MAX + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		goto out;
	}
	while ((n = read(fd, text + len, STATE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		r = -errno;
		goto out;
	}
	if (len > STATE_MAX || memchr(text, '\0', len) != NULL) {
		r = -EBADMSG;
		goto out;
	}
	text[len] = '\0';
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
		if ((r = parse_line(&st, l)) < 0)
			goto out;
	if (st.att_key_len == 0 || st.att_cert_len == 0) {
		r = -EBADMSG;
		goto out;
	}
	*ret = st;
	memset(&st, 0, sizeof(st));
	r = 0;
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	sk_state_clear(&st);
	return r;
}

/* Appends "key hex\n" to the stream (just "hex\n" for an empty key). */
static void put_hex(FILE *f, const char *key, const unsigned char *p, size_t n)
{
	if (*key != '\0')
		fprintf(f, "%s ", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('\n', f);
}

int sk_state_write(int fd, const struct sk_state *st)
{
	static const char *const fmts[] = {"packed", "x5c", "none"};
	char *text = NULL;
	size_t len = 0, off = 0;
	FILE *f;
	int r;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -ENOMEM;
	fprintf(f, "softkey-state 1\n");
	if (st->touch == SK_TOUCH_DELAY)
		fprintf(f, "touch delay:%u\n", st->touch_delay_ms);
	else
		fprintf(f, "touch %s\n", st->touch == SK_TOUCH_NO ? "no" : "yes");
	fprintf(f, "counter %s\nuv %s\nfmt %s\nalg %s\n", st->counter_zero ? "zero" : "normal",
	        st->uv_builtin ? "builtin" : "none", fmts[st->fmt], alg_name(st->alg));
	fprintf(f, "sigcount %lu\nretries %u\n", (unsigned long)st->counter, st->retries);
	if (st->pin_set)
		put_hex(f, "pin", st->pin_hash, sizeof(st->pin_hash));
	else
		fprintf(f, "pin -\n");
	put_hex(f, "aaguid", st->aaguid, sizeof(st->aaguid));
	put_hex(f, "attkey", st->att_key, st->att_key_len);
	put_hex(f, "attcert", st->att_cert, st->att_cert_len);
	for (size_t i = 0; i < st->ncreds; i++) {
		const struct sk_cred *c = &st->creds[i];
		char id[2 * SK_CRED_ID_LEN + 1], user[2 * SK_USER_MAX + 1];

		sk_hex(c->id, sizeof(c->id), id);
		sk_hex(c->user, c->user_len, user);
		fprintf(f, "cred %s %s %d %s %s ", id, alg_name(c->alg), c->rk ? 1 : 0, c->rp,
		        c->user_len > 0 ? user : "-");
		put_hex(f, "", c->key, c->key_len);
	}
	if (fclose(f) != 0) {
		r = -ENOMEM;
		goto out;
	}
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			r = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	r = 0;
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return r;
}

int sk_state_new(struct sk_state *ret)
{
	struct sk_state st = {0};
	/* A made-up AAGUID, fixed so tests can recognise the soft key. */
	static const unsigned char aaguid[16] = {0x76, 0x69, 0x67, 0x69, 0x6c, 0x2d, 0x73, 0x6f,
	                                         0x66, 0x74, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x31};
	int r;

	st.retries = SK_PIN_RETRIES;
	memcpy(st.aaguid, aaguid, sizeof(aaguid));
	if ((r = sk_attest_new(st.att_key, sizeof(st.att_key), &st.att_key_len, st.att_cert, sizeof(st.att_cert),
	                       &st.att_cert_len)) < 0)
		goto out;
	*ret = st;
	memset(&st, 0, sizeof(st));
	r = 0;
out:
	sk_state_clear(&st);
	return r;
}
