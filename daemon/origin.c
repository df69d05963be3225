/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a login comes from (see origin.h).  The SSH_AUTH_INFO_0 and
 * SSH_CONNECTION values are whatever the PAM caller sent: bounded by the
 * codec, parsed strictly here.  /proc/PID/stat is parsed from the last ')'
 * because a process name may contain anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "origin.h"
#include "parse.h"
#include "ssh_key.h"

int origin_ssh_fingerprint(const char *auth_info, char out[VIGIL_FINGERPRINT_MAX + 1], char *key_type,
                           size_t key_type_cap)
{
	struct ssh_auth_key keys[SSH_AUTH_KEYS_MAX];
	size_t n;
	int r;

	/* A value that does not parse, or shows more keys than sshd ever
	 * would, is malformed all the same: the caller denies on -EBADMSG. */
	r = ssh_auth_info_keys(auth_info, keys, SSH_AUTH_KEYS_MAX);
	if (r < 0)
		return -EBADMSG;
	if (r == 0)
		return -ENOENT;
	/* The first key is the device: the one the login began with. */
	strcpy(out, keys[0].fingerprint);
	if (key_type && key_type_cap > 0) {
		n = strlen(keys[0].type);
		if (n >= key_type_cap)
			n = key_type_cap - 1;
		memcpy(key_type, keys[0].type, n);
		key_type[n] = '\0';
	}
	return 0;
}

static bool is_numeric_address(const char *s)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int origin_source(const char *ssh_connection, const char *rhost, char out[VIGIL_ADDR_MAX + 1])
{
	char first[VIGIL_ADDR_MAX + 1];
	size_t n;

	/* SSH_CONNECTION is "client_ip client_port server_ip server_port" and
	 * always numeric, whatever UseDNS says about PAM_RHOST. */
	n = strcspn(ssh_connection, " ");
	if (n > 0 && n <= VIGIL_ADDR_MAX) {
		memcpy(first, ssh_connection, n);
		first[n] = '\0';
		if (is_numeric_address(first)) {
			memcpy(out, first, n + 1);
			return 0;
		}
	}
	if (strlen(rhost) > VIGIL_ADDR_MAX)
		return -E2BIG;
	strcpy(out, rhost);
	return 0;
}

int origin_prefix(const char *source, char out[VIGIL_ADDR_MAX + 1])
{
	uint8_t a[16];
	char text[INET6_ADDRSTRLEN];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	out[0] = '\0';
	if (inet_pton(AF_INET, source, a) == 1) {
		snprintf(out, VIGIL_ADDR_MAX + 1, "%u.%u.%u.0/24", a[0], a[1], a[2]);
		return 0;
	}
	if (inet_pton(AF_INET6, source, a) != 1)
		return 0;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		snprintf(out, VIGIL_ADDR_MAX + 1, "%u.%u.%u.0/24", a[12], a[13], a[14]);
		return 0;
	}
	memset(a + 8, 0, 8);
	if (!inet_ntop(AF_INET6, a, text, sizeof(text)))
		return 0;
	snprintf(out, VIGIL_ADDR_MAX + 1, "%s/64", text);
	return 0;
}

int origin_proc_read(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	if (pid <= 0 || cap < 2)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	return 0;
}

/* The parent and the start time of pid from /proc/PID/stat:
 * "pid (comm) state ppid pgrp ... starttime ...", starttime being field 22
 * (clock ticks after boot).  comm may hold blanks and ')', so the fields
 * are counted from the last ')'. */
static int stat_read(pid_t pid, pid_t *ret_ppid, uint64_t *ret_start)
{
	char buf[1024], *p, *field, *save = NULL;
	uint64_t ppid = 0, start = 0;
	int i, r;

	if ((r = origin_proc_read(pid, "stat", buf, sizeof(buf))) < 0)
		return r;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EBADMSG;
	/* Field 3 (state) is the first after ") ". */
	for (i = 3, field = strtok_r(p + 2, " \n", &save); field && i <= 22;
	     i++, field = strtok_r(NULL, " \n", &save)) {
		if (i == 4 && parse_u64(field, INT32_MAX, &ppid) < 0)
			return -EBADMSG;
		if (i == 22 && parse_u64(field, UINT64_MAX, &start) < 0)
			return -EBADMSG;
	}
	if (i <= 22)
		return -EBADMSG;
	if (ret_ppid)
		*ret_ppid = (pid_t)ppid;
	if (ret_start)
		*ret_start = start;
	return 0;
}

int origin_pid_start(pid_t pid, uint64_t *ret)
{
	return stat_read(pid, NULL, ret);
}

int origin_pid_chain(pid_t pid, uint32_t *out, uint64_t *out_start, size_t max)
{
	uint64_t start;
	size_t n = 0;
	pid_t parent;

	if (pid <= 0 || max == 0)
		return -ESRCH;
	while (n < max && pid > 1) {
		if (stat_read(pid, &parent, &start) < 0)
			break;
		out[n] = (uint32_t)pid;
		out_start[n] = start;
		n++;
		pid = parent;
	}
	return n > 0 ? (int)n : -ESRCH;
}
