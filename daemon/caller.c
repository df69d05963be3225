/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The invoking user of a local privilege change (see caller.h).  The
 * "Uid:" line of /proc/PID/status lists the real, effective, saved and
 * file-system uids; the first is the real uid, which a set-uid program such
 * as su or sudo keeps as the user who ran it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "caller.h"
#include "origin.h"
#include "parse.h"

int caller_real_uid(pid_t pid, uid_t *ret)
{
	char buf[4096], *line, *end;
	uint64_t uid;
	int r;

	if ((r = origin_proc_read(pid, "status", buf, sizeof(buf))) < 0)
		return r;
	/* "Uid:\t<real>\t<effective>\t<saved>\t<fs>\n", at a line start. */
	line = strstr(buf, "\nUid:\t");
	if (!line)
		return -EBADMSG;
	line += strlen("\nUid:\t");
	end = strchr(line, '\t');
	if (!end)
		return -EBADMSG;
	*end = '\0';
	if (parse_u64(line, UINT32_MAX - 1, &uid) < 0)
		return -EBADMSG;
	*ret = (uid_t)uid;
	return 0;
}

void caller_party(uid_t ruid, char out[CALLER_PARTY_MAX])
{
	snprintf(out, CALLER_PARTY_MAX, "uid=%u", (unsigned)ruid);
}
