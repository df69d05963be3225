/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softkey-ctl: makes and adjusts a soft key's state file for tests.
 *
 *   softkey-ctl init STATE             a new key (mode 0666: any user of the
 *                                      namespace may touch it, as with a
 *                                      uaccess udev rule)
 *   softkey-ctl set STATE KEY VALUE    touch yes|no|delay:MS, counter
 *                                      normal|zero, uv none|builtin, fmt
 *                                      packed|x5c|none, alg es256|eddsa,
 *                                      retries N, pin PIN|- (resets retries)
 *   softkey-ctl get STATE counter|retries|creds|pin
 *   softkey-ctl counter STATE N        the signature counter (a clone that
 *                                      lags behind)
 *   softkey-ctl copy SRC DST           a clone: same keys, same counter
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static int usage(void)
{
	fprintf(stderr, "usage: softkey-ctl init STATE\n"
	                "       softkey-ctl set STATE touch|counter|uv|fmt|alg|retries|pin VALUE\n"
	                "       softkey-ctl get STATE counter|retries|creds|pin\n"
	                "       softkey-ctl counter STATE N\n"
	                "       softkey-ctl copy SRC DST\n");
	return 2;
}

static int fail(const char *what, const char *path, int r)
{
	fprintf(stderr, "softkey-ctl: %s %s: %s\n", what, path, strerror(-r));
	return 1;
}

static int write_new(const char *path, const struct sk_state *st)
{
	int fd = sk_state_lock(path, true), r;

	if (fd < 0)
		return fd;
	if (fchmod(fd, 0666) < 0)
		r = -errno;
	else
		r = sk_state_write(fd, st);
	close(fd);
	return r;
}

static int print(const struct sk_state *st, const char *what)
{
	if (strcmp(what, "counter") == 0)
		printf("%lu\n", (unsigned long)st->counter);
	else if (strcmp(what, "retries") == 0)
		printf("%u\n", st->retries);
	else if (strcmp(what, "pin") == 0)
		printf("%s\n", st->pin_set ? "set" : "unset");
	else if (strcmp(what, "creds") == 0)
		for (size_t i = 0; i < st->ncreds; i++) {
			const struct sk_cred *c = &st->creds[i];
			char id[2 * SK_CRED_ID_LEN + 1], user[2 * SK_USER_MAX + 1];

			sk_hex(c->id, sizeof(c->id), id);
			sk_hex(c->user, c->user_len, user);
			printf("%s %s rk=%d %s %s\n", id, c->alg == SK_ALG_EDDSA ? "eddsa" : "es256", c->rk ? 1 : 0,
			       c->rp, c->user_len > 0 ? user : "-");
		}
	else
		return usage();
	return 0;
}

/* Runs one locked read-modify-write (or read-only, for get) on STATE. */
static int edit(int argc, char **argv)
{
	const char *path = argv[2];
	struct sk_state st = {0};
	int fd, r, rc = 1;

	if ((fd = sk_state_lock(path, false)) < 0)
		return fail("open", path, fd);
	if ((r = sk_state_read(fd, &st)) < 0) {
		fail("read", path, r);
		goto out;
	}
	if (strcmp(argv[1], "get") == 0) {
		rc = argc == 4 ? print(&st, argv[3]) : usage();
		goto out;
	}
	if (strcmp(argv[1], "counter") == 0) {
		char *end;
		unsigned long v;

		errno = 0;
		v = argc == 4 ? strtoul(argv[3], &end, 10) : 0;
		if (argc != 4 || errno != 0 || *end != '\0' || argv[3][0] == '-' || v > UINT32_MAX) {
			rc = usage();
			goto out;
		}
		st.counter = (uint32_t)v;
	} else if (argc == 5 && strcmp(argv[3], "pin") == 0) {
		size_t n = strlen(argv[4]);

		if (strcmp(argv[4], "-") == 0)
			sk_state_set_pin(&st, NULL);
		else if (n < 4 || n > 63) {
			fprintf(stderr, "softkey-ctl: a PIN has 4 to 63 bytes\n");
			goto out;
		} else
			sk_state_set_pin(&st, argv[4]);
	} else if (argc != 5 || sk_state_set_knob(&st, argv[3], argv[4]) < 0) {
		rc = usage();
		goto out;
	}
	if ((r = sk_state_write(fd, &st)) < 0) {
		fail("write", path, r);
		goto out;
	}
	rc = 0;
out:
	sk_state_clear(&st);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct sk_state st = {0};
	int fd, r, rc = 1;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "init") == 0 && argc == 3) {
		if ((r = sk_state_new(&st)) < 0 || (r = write_new(argv[2], &st)) < 0)
			fail("init", argv[2], r);
		else
			rc = 0;
	} else if (strcmp(argv[1], "copy") == 0 && argc == 4) {
		if ((fd = sk_state_lock(argv[2], false)) < 0)
			return fail("open", argv[2], fd);
		if ((r = sk_state_read(fd, &st)) < 0)
			fail("read", argv[2], r);
		else if ((r = write_new(argv[3], &st)) < 0)
			fail("write", argv[3], r);
		else
			rc = 0;
		close(fd);
	} else if (strcmp(argv[1], "set") == 0 || strcmp(argv[1], "get") == 0 || strcmp(argv[1], "counter") == 0) {
		return edit(argc, argv);
	} else
		return usage();
	sk_state_clear(&st);
	return rc;
}
