/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a login comes from: the device (for sshd the SHA-256 fingerprint of
 * the public key that authenticated, from SSH_AUTH_INFO_0), the source
 * address and its /24 or /64 prefix, and the chain of parent processes of
 * the caller, through which sudo and su inherit the device and source of the
 * login session they run in.  Everything parsed here is untrusted text from
 * a PAM caller or from /proc.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vigil/proto.h"

#define ORIGIN_PID_CHAIN_MAX 16

/* The fingerprint ("SHA256:" + unpadded base64, as ssh-keygen -l prints) of
 * the first "publickey TYPE BASE64" line of an SSH_AUTH_INFO_0 value, and the
 * key type into key_type (cap bytes; may be NULL).  The value is parsed
 * whole by ssh_auth_info_keys() (ssh_key.h).  Returns 0; -ENOENT if no
 * publickey line; -EBADMSG if any line is malformed. */
int origin_ssh_fingerprint(const char *auth_info, char out[VIGIL_FINGERPRINT_MAX + 1], char *key_type,
                           size_t key_type_cap);

/* The client address: the first word of SSH_CONNECTION if it is a numeric
 * address, else rhost if it is one, else rhost as given (a host name), else
 * "".  Returns 0 or -E2BIG. */
int origin_source(const char *ssh_connection, const char *rhost, char out[VIGIL_ADDR_MAX + 1]);

/* "a.b.c.0/24" for IPv4, "x:x:x:x::/64" for IPv6 (IPv4-mapped IPv6 counts as
 * IPv4); "" when source is not a numeric address.  Returns 0. */
int origin_prefix(const char *source, char out[VIGIL_ADDR_MAX + 1]);

/* The start time of pid (field 22 of /proc/PID/stat: clock ticks after
 * boot), which with the pid names one process for good: a pid can be reused,
 * a pid with its start time cannot.  Returns 0; -ESRCH if pid is gone;
 * -EBADMSG if the stat line does not parse. */
int origin_pid_start(pid_t pid, uint64_t *ret);

/* pid and then its parents (from /proc/PID/stat) into out, and the start
 * time of each into out_start, at most max entries each; stops at pid 1.
 * Returns the number of entries written (>= 1 for a live pid); -ESRCH if
 * pid is gone. */
int origin_pid_chain(pid_t pid, uint32_t *out, uint64_t *out_start, size_t max);

/* The start of /proc/PID/FILE (one read, at most cap - 1 bytes, which is
 * all of stat or status), NUL-terminated in buf.  Returns 0; -ESRCH if the
 * process is gone or the file unreadable.  Untrusted text: parse strictly. */
int origin_proc_read(pid_t pid, const char *file, char *buf, size_t cap);
