/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What vigild can observe of a session's activity without reading the
 * user's data.
 *
 * A session with a terminal: the terminal's access time, which the kernel
 * moves when the terminal is read, that is on input (the user typing), as
 * w(1) and logind read it; its modify time moves on output, including
 * vigild's own warning and a program printing on its own, so it does not
 * count.  The kernel updates both only when they change by more than 8
 * seconds (so that they do not leak keystroke timing): activity is known to
 * within 8 s.
 *
 * A session without a terminal: the CPU time (utime, stime, and cutime,
 * cstime of reaped children: /proc/PID/stat) and the bytes read and
 * written through system calls (rchar, wchar: /proc/PID/io) of its
 * recorded process and every descendant of it (by parent pid, at the time
 * of the look); a change between two looks is activity.  io needs ptrace
 * read access: the shipped unit has no CAP_SYS_PTRACE, so there it reads
 * none of a session's processes and the CPU time is all that counts.  A
 * process whose io cannot be read adds no bytes.  Limits: a
 * process that left the tree (double fork, setsid -f under another parent)
 * is not seen; traffic the session's sshd carries counts, including
 * keepalives (ClientAliveInterval, ServerAliveInterval keep it active); a
 * process that spins on its own counts as activity.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "/dev/pts/N", "/dev/ttyN" (or without "/dev/", as PAM_TTY may hold it)
 * into out; -ENOENT for anything else (sshd's "ssh" for a session without
 * a terminal). */
int idle_tty_path(const char *tty, char *out, size_t cap);

/* The access time (seconds) of the session's terminal, if it is a
 * character device owned by uid; -ENOENT otherwise. */
int idle_tty_atime(const char *tty, uid_t uid, uint64_t *ret);

/* Writes text (a fixed text of vigild's, never user data) on the terminal,
 * opened O_WRONLY | O_NOCTTY | O_NONBLOCK and checked on the descriptor to
 * be a character device owned by uid.  -ENOENT if not; the open's error
 * if it cannot be opened (-EACCES without write access: a pty is its
 * owner's, mode 0620, group tty); -EAGAIN if it would block (the line is
 * then not written). */
int idle_tty_write(const char *tty, uid_t uid, const char *text);

/* Every process's parent and CPU time, read once per watcher pass. */
struct proc_table;
int proc_table_load(struct proc_table **ret);
void proc_table_free(struct proc_table *t);

/* The activity of a process tree, as described above: the CPU time of
 * all its processes, and the io bytes of those whose /proc/PID/io vigild
 * may read (io_n of them; none under the shipped unit, see README
 * "Sessions"). */
struct tree_activity {
	uint64_t cpu, io;
	uint32_t io_n;
};

/* The activity of the process tree rooted at pid (if its start time is
 * pid_start).  -ESRCH if the process is gone. */
int proc_tree_activity(const struct proc_table *t, uint32_t pid, uint64_t pid_start, struct tree_activity *ret);

/* Whether the tree was active between two looks: its CPU time moved, or
 * the io bytes of as many readable processes did. */
bool tree_activity_moved(const struct tree_activity *before, const struct tree_activity *now);

/* The terminal of a session whose PAM_TTY names none (sshd opens its PAM
 * session before the pty, so PAM_TTY is "ssh"): the controlling terminals
 * of the process tree rooted at pid (if its start time is pid_start) that
 * are pseudo-terminals owned by uid, the one read last (a ControlMaster
 * connection may carry several); "/dev/pts/N" into out.  -ENOENT if none,
 * -ESRCH if the process is gone. */
int proc_tree_tty(const struct proc_table *t, uint32_t pid, uint64_t pid_start, uid_t uid, char *out, size_t cap);
