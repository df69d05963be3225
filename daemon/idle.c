/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session activity (see idle.h).  /proc is read as text the kernel wrote
 * but still parsed strictly: a command name may hold spaces and
 * parentheses, so the stat fields are counted after its last ')'.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idle.h"
#include "origin.h"

struct proc_entry {
	uint32_t pid, ppid, tty_nr;
	uint64_t start, cpu;
};

struct proc_table {
	struct proc_entry *by_pid;  /* sorted by pid */
	struct proc_entry *by_ppid; /* the same, sorted by ppid */
	size_t n;
};

static bool digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int idle_tty_path(const char *tty, char *out, size_t cap)
{
	const char *name = tty;
	size_t len;

	if (!tty)
		return -ENOENT;
	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	len = strlen(name);
	if (!((len > 4 && strncmp(name, "pts/", 4) == 0 && digits(name + 4, len - 4)) ||
	      (len > 3 && strncmp(name, "tty", 3) == 0 && digits(name + 3, len - 3))))
		return -ENOENT;
	if ((size_t)snprintf(out, cap, "/dev/%s", name) >= cap)
		return -ENOENT;
	return 0;
}

static bool tty_ours(const struct stat *st, uid_t uid)
{
	return S_ISCHR(st->st_mode) && st->st_uid == uid;
}

int idle_tty_atime(const char *tty, uid_t uid, uint64_t *ret)
{
	char path[64];
	struct stat st;

	if (idle_tty_path(tty, path, sizeof(path)) < 0 || stat(path, &st) < 0 || !tty_ours(&st, uid))
		return -ENOENT;
	*ret = st.st_atim.tv_sec < 0 ? 0 : (uint64_t)st.st_atim.tv_sec;
	return 0;
}

int idle_tty_write(const char *tty, uid_t uid, const char *text)
{
	char path[64];
	struct stat st;
	size_t len = strlen(text);
	ssize_t w;
	int fd, r;

	if (idle_tty_path(tty, path, sizeof(path)) < 0)
		return -ENOENT;
	/* Never our controlling terminal, never a wait on a stuck one. */
	fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno; /* EACCES: no write access (vigild.service: SupplementaryGroups=tty) */
	/* Checked on what was opened: the terminal may have changed hands
	 * since the session began (a pts number is reused). */
	if (fstat(fd, &st) < 0 || !tty_ours(&st, uid)) {
		r = -ENOENT;
		goto out;
	}
	w = write(fd, text, len);
	if (w < 0) {
		r = errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		goto out;
	}
	r = 0;
out:
	close(fd);
	return r;
}

/* ppid, start time and CPU time of pid from /proc/PID/stat. */
static int stat_parse(uint32_t pid, struct proc_entry *e)
{
	char buf[1024], *p, *end;
	uint64_t v[20];
	int i, r;

	if ((r = origin_proc_read((pid_t)pid, "stat", buf, sizeof(buf))) < 0)
		return r;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EBADMSG;
	p += 2;
	/* Field 3 is the state (a letter); fields 4..22 are numbers. */
	if (!*p || p[1] != ' ')
		return -EBADMSG;
	p += 2;
	for (i = 0; i < 19; i++) {
		if (!isdigit((unsigned char)*p) && *p != '-')
			return -EBADMSG;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno || end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -EBADMSG;
		p = *end ? end + 1 : end;
	}
	e->pid = pid;
	e->ppid = (uint32_t)v[0];               /* field 4 */
	e->tty_nr = (uint32_t)v[3];             /* 7: the controlling terminal */
	e->cpu = v[10] + v[11] + v[12] + v[13]; /* 14..17: utime stime cutime cstime */
	e->start = v[18];                       /* 22 */
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_ppid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	return x->ppid < y->ppid ? -1 : x->ppid > y->ppid;
}

int proc_table_load(struct proc_table **ret)
{
	struct proc_table *t = NULL;
	struct proc_entry *grown;
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;
	int r;

	if (!(dir = opendir("/proc")))
		return -errno;
	if (!(t = calloc(1, sizeof(*t)))) {
		r = -ENOMEM;
		goto out;
	}
	while ((de = readdir(dir))) {
		unsigned long pid;
		char *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || pid == 0 || pid > INT32_MAX)
			continue;
		if (t->n == cap) {
			cap = cap ? cap * 2 : 512;
			if (!(grown = reallocarray(t->by_pid, cap, sizeof(*grown)))) {
				r = -ENOMEM;
				goto out;
			}
			t->by_pid = grown;
		}
		if (stat_parse((uint32_t)pid, &t->by_pid[t->n]) == 0)
			t->n++;
	}
	if (!(t->by_ppid = calloc(t->n ? t->n : 1, sizeof(*t->by_ppid)))) {
		r = -ENOMEM;
		goto out;
	}
	if (t->n)
		memcpy(t->by_ppid, t->by_pid, t->n * sizeof(*t->by_pid));
	qsort(t->by_pid, t->n, sizeof(*t->by_pid), cmp_pid);
	qsort(t->by_ppid, t->n, sizeof(*t->by_ppid), cmp_ppid);
	*ret = t;
	t = NULL;
	r = 0;
out:
	closedir(dir);
	proc_table_free(t);
	return r;
}

void proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	free(t->by_pid);
	free(t->by_ppid);
	free(t);
}

/* rchar + wchar of /proc/PID/io.  -EACCES (or -EPERM) for another
 * user's process, or one with more capabilities, under the shipped unit:
 * io needs ptrace read access, which a vigild without CAP_SYS_PTRACE has
 * only to processes of its own uid and capabilities. */
static int io_bytes(uint32_t pid, uint64_t *ret)
{
	char buf[512], *p;
	uint64_t sum = 0;
	int r;

	if ((r = origin_proc_read((pid_t)pid, "io", buf, sizeof(buf))) < 0)
		return r;
	if (!(p = strstr(buf, "rchar: ")))
		return -EBADMSG;
	sum += strtoull(p + 7, NULL, 10);
	if (!(p = strstr(buf, "wchar: ")))
		return -EBADMSG;
	sum += strtoull(p + 7, NULL, 10);
	*ret = sum;
	return 0;
}

/* Calls visit on pid (if its start time is pid_start) and every
 * descendant, breadth first over the children (by_ppid); a pid is a child
 * of one parent only, so nothing is visited twice. */
static int tree_walk(const struct proc_table *t, uint32_t pid, uint64_t pid_start,
                     void (*visit)(const struct proc_entry *e, void *ctx), void *ctx)
{
	struct proc_entry key = {.pid = pid}, *root;
	const struct proc_entry **queue = NULL, **grown;
	size_t head = 0, tail = 0, cap = 16, lo, hi, mid;
	int r;

	root = bsearch(&key, t->by_pid, t->n, sizeof(*t->by_pid), cmp_pid);
	if (!root || root->start != pid_start)
		return -ESRCH;
	if (!(queue = malloc(cap * sizeof(*queue))))
		return -ENOMEM;
	queue[tail++] = root;
	while (head < tail) {
		const struct proc_entry *parent = queue[head++];

		visit(parent, ctx);
		lo = 0;
		hi = t->n;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (t->by_ppid[mid].ppid < parent->pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < t->n && t->by_ppid[lo].ppid == parent->pid; lo++) {
			if (tail == cap) {
				if (!(grown = reallocarray(queue, cap * 2, sizeof(*queue)))) {
					r = -ENOMEM;
					goto out;
				}
				queue = grown;
				cap *= 2;
			}
			queue[tail++] = &t->by_ppid[lo];
		}
	}
	r = 0;
out:
	free(queue);
	return r;
}

static void add_activity(const struct proc_entry *e, void *ctx)
{
	struct tree_activity *a = ctx;
	uint64_t io;

	a->cpu += e->cpu;
	/* Unreadable io is absent, not an error and not activity. */
	if (io_bytes(e->pid, &io) == 0) {
		a->io += io;
		a->io_n++;
	}
}

int proc_tree_activity(const struct proc_table *t, uint32_t pid, uint64_t pid_start, struct tree_activity *ret)
{
	struct tree_activity a = {0};
	int r;

	if ((r = tree_walk(t, pid, pid_start, add_activity, &a)) < 0)
		return r;
	*ret = a;
	return 0;
}

bool tree_activity_moved(const struct tree_activity *before, const struct tree_activity *now)
{
	if (before->cpu != now->cpu)
		return true;
	/* The bytes of different sets of processes are not comparable: a
	 * process whose io turned readable or unreadable (it changed its
	 * credentials) or came or went with no CPU time is not activity. */
	return before->io_n == now->io_n && before->io != now->io;
}

struct tty_pick {
	uid_t uid;
	uint64_t atime;
	char path[64];
};

/* A pseudo-terminal slave (majors 136..143) as /dev/pts/N. */
static void pick_tty(const struct proc_entry *e, void *ctx)
{
	struct tty_pick *p = ctx;
	unsigned major = (e->tty_nr >> 8) & 0xfff, minor = (e->tty_nr & 0xff) | ((e->tty_nr >> 12) & 0xfff00);
	char path[64];
	uint64_t atime;

	if (major < 136 || major > 143)
		return;
	snprintf(path, sizeof(path), "/dev/pts/%u", (major - 136) * 256 + minor);
	if (idle_tty_atime(path, p->uid, &atime) < 0 || (p->path[0] && atime <= p->atime))
		return;
	p->atime = atime;
	snprintf(p->path, sizeof(p->path), "%s", path);
}

int proc_tree_tty(const struct proc_table *t, uint32_t pid, uint64_t pid_start, uid_t uid, char *out, size_t cap)
{
	struct tty_pick p = {.uid = uid};
	int r;

	if ((r = tree_walk(t, pid, pid_start, pick_tty, &p)) < 0)
		return r;
	if (!p.path[0] || strlen(p.path) >= cap)
		return -ENOENT;
	memcpy(out, p.path, strlen(p.path) + 1);
	return 0;
}
