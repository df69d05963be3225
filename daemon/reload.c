/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reload (see reload.h).  Trusts the file only as far as
 * config_load() does; the new configuration replaces the old one between
 * two requests (the daemon is single-threaded), so no request ever sees
 * half of each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "nss_cache.h"
#include "reload.h"

/* A setting that loads but probably does not do what was meant. */
static void reload_warning(const char *msg, void *userdata)
{
	(void)userdata;
	log_msg(LOG_WARNING, "%s", msg);
}

int vigild_reload(struct vigild *d, const char *by, char *err, size_t errlen)
{
	struct vigil_config *c = NULL;
	struct audit_record a = {.event = AUDIT_SERVICE, .priority = LOG_NOTICE, .method = by};
	struct timespec ts;
	int r;

	/* systemd shows the reload (SIGHUP or `vigilctl reload`) until READY=1
	 * below.  MONOTONIC_USEC: systemd 253 and later match it to the reload
	 * they asked for; older ones ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	           (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
	err[0] = '\0';
	/* A reload is also how an admin says "the accounts changed": NSS's
	 * answers are asked afresh, whatever the configuration does. */
	nss_cache_clear();
	r = config_load_with(d->config_path, &(struct config_load_opts){.warn = reload_warning}, &c, err, errlen);
	if (r < 0) {
		/* config_load_with() says what is wrong, a missing file too;
		 * only a bare errno needs words here. */
		if (!err[0])
			snprintf(err, errlen, "%s: %s", d->config_path, strerror(-r));
		log_msg(LOG_ERR, "reload failed, keeping the running configuration: %s", err);
		a.message = "configuration reload failed; the previous configuration stays in force";
		a.result = "failed";
		/* `systemctl status` says so until the next good reload. */
		sd_notify(0, "READY=1\nSTATUS=Serving logins; the last reload failed, the previous configuration "
		             "stays in force (see the journal)");
	} else {
		free(d->config);
		d->config = c;
		log_msg(LOG_NOTICE, "configuration reloaded from %s", d->config_path);
		a.message = "configuration reloaded";
		a.result = "reloaded";
		sd_notify(0, "READY=1\nSTATUS=Serving logins");
	}
	audit_emit(d->audit, &a);
	return r < 0 ? r : 0;
}
