/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigild: parses its command line, refuses to dump core, loads the
 * configuration, the host key, the store and the audit writer, reconciles
 * sessions whose processes died while it was down, and runs the server.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "config_print.h"
#include "log.h"
#include "safe_file.h"
#include "server.h"
#include "store_checkpoint.h"
#include "totp.h"
#include "vigild.h"
#include "why.h"
#include "wipe.h"

#define DEFAULT_CONFIG    SYSCONFDIR "/vigil/vigil.conf"
#define DEFAULT_STATE_DIR "/var/lib/vigil"

static void usage(FILE *f)
{
	fprintf(f, "Usage: vigild [OPTIONS]\n"
	           "Vigil's session and risk daemon; runs in the foreground.\n\n"
	           "  --config FILE       configuration file [" DEFAULT_CONFIG "]\n"
	           "  --state-dir DIR     database, host key, audit spill [" DEFAULT_STATE_DIR "]\n"
	           "  --runtime-dir DIR   sockets [" VIGIL_DEFAULT_RUNTIME_DIR "]\n"
	           "  --check-config      validate the configuration, print it, and exit\n"
	           "  --debug             log every request (never a secret)\n"
	           "  --version, --help\n");
}

/* Creates dir with exactly mode if missing, whatever the umask: the runtime
 * directory must be searchable by every user or nobody can run vigilctl.
 * An existing directory keeps its mode (we never loosen what the admin
 * set), but is refused if others may write to it. */
static int ensure_dir(const char *dir, mode_t mode, char *why, size_t whylen)
{
	struct stat st;
	bool created = false;
	int fd = -1, r;

	why_set(why, whylen, "%s", "");
	if (mkdir(dir, mode) == 0)
		created = true;
	else if (errno != EEXIST) {
		r = -errno;
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (st.st_uid != geteuid()) {
		r = -EPERM;
		why_set(why, whylen, "owned by uid %u, must be owned by uid %u", (unsigned)st.st_uid,
		        (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & 0022) {
		r = -EPERM;
		why_set(why, whylen, "mode %04o, must not be writable by %s", (unsigned)(st.st_mode & 07777),
		        (st.st_mode & 0002) ? "others" : "its group");
		goto out;
	}
	if (created && fchmod(fd, mode) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Warnings go where errors go: stderr for --check-config, the journal for
 * the service. */
static void config_warning(const char *msg, void *userdata)
{
	(void)userdata;
	log_msg(LOG_WARNING, "%s", msg);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"runtime-dir", required_argument, NULL, 'r'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"debug", no_argument, NULL, 'd'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *config_path = DEFAULT_CONFIG, *state_dir = DEFAULT_STATE_DIR,
	           *runtime_dir = VIGIL_DEFAULT_RUNTIME_DIR;
	struct vigild d = {0};
	struct server *srv = NULL;
	struct store_checkpoint *ckpt = NULL;
	struct rlimit no_core = {0, 0};
	struct audit_record a = {.event = AUDIT_SERVICE, .priority = LOG_NOTICE};
	char err[512], why[512], *path = NULL;
	bool check_only = false;
	int opt, r, r2;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			state_dir = optarg;
			break;
		case 'r':
			runtime_dir = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'd':
			log_set_debug(1);
			break;
		case 'V':
			printf("vigild %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	d.config_path = config_path;
	r = config_load_with(config_path, &(struct config_load_opts){.warn = config_warning}, &d.config, err,
	                     sizeof(err));
	if (r < 0) {
		log_msg(LOG_ERR, "%s", err[0] ? err : strerror(-r));
		return 1;
	}
	if (check_only) {
		r = config_print(d.config, stdout);
		free(d.config);
		if (r < 0) {
			log_msg(LOG_ERR, "%s", strerror(-r));
			return 1;
		}
		return 0;
	}

	/* Seeds pass through this process: no core dumps, no ptrace by
	 * unprivileged users, nothing created readable by others. */
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(0077);

	if ((r = ensure_dir(state_dir, 0700, why, sizeof(why))) < 0) {
		log_msg(LOG_ERR, "state directory %s: %s", state_dir, why[0] ? why : strerror(-r));
		goto out;
	}
	if ((r = ensure_dir(runtime_dir, 0755, why, sizeof(why))) < 0) {
		log_msg(LOG_ERR, "runtime directory %s: %s", runtime_dir, why[0] ? why : strerror(-r));
		goto out;
	}
	if ((r = totp_init()) < 0) {
		log_msg(LOG_ERR, "liboath initialisation failed");
		goto out;
	}
	if ((r = seal_key_load(state_dir, getenv("CREDENTIALS_DIRECTORY"), d.seal_key, why, sizeof(why))) < 0) {
		log_msg(LOG_ERR, "host key: %s", why[0] ? why : strerror(-r));
		goto out;
	}
	if (asprintf(&path, "%s/vigil.db", state_dir) < 0) {
		path = NULL;
		r = -ENOMEM;
		log_msg(LOG_ERR, "database: %s", strerror(-r));
		goto out;
	}
	if ((r = store_open_why(path, &d.store, why, sizeof(why))) < 0) {
		log_msg(LOG_ERR, "database: %s", why[0] ? why : strerror(-r));
		goto out;
	}
	/* Without it, SQLite checkpoints inside commits as it always has. */
	if ((r = store_checkpoint_start(d.store, &ckpt, why, sizeof(why))) < 0) {
		log_msg(LOG_WARNING, "database checkpointer: %s", why[0] ? why : strerror(-r));
		r = 0;
	}
	free(path);
	if (asprintf(&path, "%s/audit.spill", state_dir) < 0) {
		path = NULL;
		r = -ENOMEM;
		log_msg(LOG_ERR, "audit writer: %s", strerror(-r));
		goto out;
	}
	why[0] = '\0';
	if ((r = audit_new_why(path, &d.audit, why, sizeof(why))) < 0) {
		log_msg(LOG_ERR, "audit writer: %s", why[0] ? why : strerror(-r));
		goto out;
	}

	stats_init(&d.stats);
	vigild_reconcile_sessions(&d);

	if ((r = server_new(&d, runtime_dir, &srv)) < 0)
		goto out;
	a.message = "vigild started";
	a.result = "started";
	audit_emit(d.audit, &a);
	log_msg(LOG_NOTICE, "serving on %s", runtime_dir);
	r = server_run(srv);
	a.message = "vigild stopping";
	a.result = "stopped";
	audit_emit(d.audit, &a);
out:
	server_free(srv);
	audit_free(d.audit);
	if ((r2 = store_checkpoint_stop(ckpt)) < 0)
		log_msg(LOG_WARNING, "database checkpointer: %s", strerror(-r2));
	store_close(d.store);
	free(d.config);
	free(path);
	WIPE_ARRAY(d.seal_key);
	return r < 0 ? 1 : 0;
}
