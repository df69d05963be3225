/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kept daemon connection (see keep.h), stored with pam_set_data().  The
 * cleanup closes the fd the entry still owns, whenever it runs: on
 * pam_end() in the application, in every forked child that ends its copy
 * of the handle (PAM_DATA_SILENT: closing that process's copy never
 * disturbs the parent's), and on PAM_DATA_REPLACE.  A phase that takes the
 * connection marks the entry as no longer owning it before replacing it,
 * so it is never closed under that phase.  Trusts nothing in the handle but
 * its own data; the fd was checked against the daemon's uid when it was
 * connected.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "keep.h"

#define KEEP_DATA "pam_vigil_conn"

struct keep {
	int fd;
	pid_t pid; /* the process that connected: the only one that may use fd */
	uint32_t next_id;
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void keep_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct keep *k = data;

	(void)pamh;
	(void)error_status;
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

/* The kept entry, or NULL.  Ours and allocated writable: pam_get_data()
 * only hands it back as const. */
static struct keep *keep_get(pam_handle_t *pamh)
{
	const void *data = NULL;

	if (pam_get_data(pamh, KEEP_DATA, &data) != PAM_SUCCESS)
		return NULL;
	return (struct keep *)(uintptr_t)data;
}

void keep_drop(pam_handle_t *pamh)
{
	/* The cleanup closes the fd (PAM_DATA_REPLACE).  Should PAM refuse,
	 * the entry stays, unusable by anyone but its own process, until
	 * pam_end(). */
	if (keep_get(pamh))
		(void)pam_set_data(pamh, KEEP_DATA, NULL, NULL);
}

int keep_take(pam_handle_t *pamh, const char *socket, int *ret_fd, uint32_t *ret_next_id)
{
	struct keep *k = keep_get(pamh);
	uint32_t id;
	int fd;

	if (!k)
		return 0;
	if (k->fd < 0 || k->pid != getpid() || strcmp(k->socket, socket) != 0) {
		keep_drop(pamh);
		return 0;
	}
	fd = k->fd;
	id = k->next_id;
	/* Ours now: the entry must not close it when it goes. */
	k->fd = -1;
	keep_drop(pamh);
	*ret_fd = fd;
	*ret_next_id = id;
	return 1;
}

int keep_put(pam_handle_t *pamh, const char *socket, int fd, uint32_t next_id)
{
	struct keep *k = NULL;
	size_t n = strlen(socket);
	int r;

	/* An entry already there is replaced: its cleanup closes its fd. */
	if (n >= sizeof(k->socket)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		r = -ENOMEM;
		goto out;
	}
	k->fd = fd;
	k->pid = getpid();
	k->next_id = next_id;
	memcpy(k->socket, socket, n + 1);
	if (pam_set_data(pamh, KEEP_DATA, k, keep_cleanup) != PAM_SUCCESS) {
		keep_drop(pamh);
		r = -EIO;
		goto out;
	}
	k = NULL;
	fd = -1;
	r = 0;
out:
	free(k);
	if (fd >= 0)
		close(fd);
	return r;
}
