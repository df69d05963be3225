/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's event loop: listens on the public, PAM and admin sockets
 * (passed by systemd socket activation, or created in runtime_dir; the PAM
 * and admin sockets serve root only, before public work), serves many
 * clients at once, reloads the configuration on SIGHUP and stops on SIGTERM
 * or SIGINT.  Blocks those signals in the calling thread.
 */
#pragma once

#include "vigild.h"

struct server;

/* Sets up sockets and signal handling.  0, or a negative errno (logged). */
/* The configuration it reloads on SIGHUP is d->config_path (reload.h). */
int server_new(struct vigild *d, const char *runtime_dir, struct server **ret);
/* Tells systemd it is ready and serves until asked to stop.  0 or -errno. */
int server_run(struct server *s);
/* Closes every connection, removes the sockets it created.  NULL-safe. */
void server_free(struct server *s);
