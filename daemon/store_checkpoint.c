/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's checkpointer (see store_checkpoint.h).  The store's own
 * connection keeps writing the WAL; a WAL hook on it (which replaces
 * SQLite's auto-checkpoint, itself a WAL hook) only notes how many frames
 * the WAL holds after each commit and wakes the thread past a threshold.
 * The thread, on a second connection opened with the same checks as the
 * store's (store_db_open_again()), runs a PASSIVE checkpoint then: it never
 * waits for and never blocks a login.  When no commit came for a few
 * seconds it runs a TRUNCATE one, without waiting either, so that the WAL
 * file shrinks back to nothing while vigild is idle.  Only store files
 * talk to SQLite; nothing here logs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_checkpoint.h"
#include "store_impl.h"
#include "why.h"

/* WAL frames (pages) past which a commit wakes the thread: SQLite's own
 * auto-checkpoint threshold, about 4 MiB. */
#define CHECKPOINT_FRAMES 1000
/* Seconds without a commit before the WAL is truncated. */
#define CHECKPOINT_IDLE_SECS 5

struct store_checkpoint {
	struct store *s;
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a commit crossed the threshold, or stop */
	/* Under lock: */
	bool stop;
	bool kicked;
	int frames; /* the WAL's frames after the last commit; 0 after a truncate */
	struct store_checkpoint_stats stats;
};

/* Runs in the commit of the store's connection, in its thread. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_checkpoint *c = arg;

	(void)db;
	(void)name;
	pthread_mutex_lock(&c->lock);
	c->frames = frames;
	if (frames >= CHECKPOINT_FRAMES && !c->kicked) {
		c->kicked = true;
		pthread_cond_signal(&c->wake);
	}
	pthread_mutex_unlock(&c->lock);
	return SQLITE_OK;
}

/* One checkpoint in mode; busy is not a failure (a reader or the writer
 * was in the way: the next round tries again).  True if every frame of
 * the WAL is now in the database. */
static bool checkpoint_run(struct store_checkpoint *c, int mode, int frames)
{
	int rc, n_log = 0, n_done = 0;

	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, mode, &n_log, &n_done);
	pthread_mutex_lock(&c->lock);
	if (rc == SQLITE_OK) {
		if (mode == SQLITE_CHECKPOINT_TRUNCATE)
			c->stats.truncate++;
		else
			c->stats.passive++;
		/* Emptied, unless a commit came meanwhile. */
		if (mode == SQLITE_CHECKPOINT_TRUNCATE && c->frames == frames)
			c->frames = 0;
	} else if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
		c->stats.failures++;
		c->stats.last_error = sql_error(rc);
	}
	pthread_mutex_unlock(&c->lock);
	return rc == SQLITE_OK && n_done == n_log;
}

static void *checkpoint_main(void *arg)
{
	struct store_checkpoint *c = arg;
	struct timespec until;
	int frames, last = -1, still = 0, copied = 0;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		if (!c->kicked) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += 1;
			(void)pthread_cond_timedwait(&c->wake, &c->lock, &until);
		}
		if (c->stop)
			break;
		c->kicked = false;
		frames = c->frames;
		pthread_mutex_unlock(&c->lock);

		/* The same count a second later: no commit came. */
		still = frames > 0 && frames == last ? still + 1 : 0;
		last = frames;
		if (frames >= CHECKPOINT_FRAMES && frames != copied) {
			if (checkpoint_run(c, SQLITE_CHECKPOINT_PASSIVE, frames))
				copied = frames;
		} else if (still >= CHECKPOINT_IDLE_SECS && checkpoint_run(c, SQLITE_CHECKPOINT_TRUNCATE, frames)) {
			still = 0;
			copied = 0;
		}

		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* The checkpointer's connection: WAL mode read (so its WAL is open), a
 * small cache, the checkpoint's own syncs full, and no busy wait. */
static int checkpoint_db_open(struct store *s, sqlite3 **ret, char *why, size_t whylen)
{
	static const char *const setup[] = {
	    "PRAGMA synchronous = FULL",
	    /* 256 KiB: a checkpoint copies frames, it reads no tree. */
	    "PRAGMA cache_size = -256",
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	size_t i;
	int rc, r;

	if ((r = store_db_open_again(s, &db, why, whylen)) < 0)
		goto out;
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if ((rc = sqlite3_exec(db, setup[i], NULL, NULL, NULL)) != SQLITE_OK) {
			r = sql_error(rc);
			goto out;
		}
	if ((rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = sql_error(rc);
		goto out;
	}
	mode = sqlite3_column_text(st, 0);
	if (!mode || strcmp((const char *)mode, "wal") != 0) {
		r = -EIO;
		why_set(why, whylen, "%s: not in WAL mode", s->path);
		goto out;
	}
	*ret = db;
	db = NULL;
	r = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

int store_checkpoint_start(struct store *s, struct store_checkpoint **ret, char *why, size_t whylen)
{
	struct store_checkpoint *c = NULL;
	pthread_condattr_t ca;
	sigset_t all, old;
	bool ca_init = false, lock_init = false, wake_init = false;
	int r;

	why_set(why, whylen, "%s", "");
	if (!s || !ret)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->s = s;
	if ((r = checkpoint_db_open(s, &c->db, why, whylen)) < 0)
		goto out;
	if ((r = -pthread_condattr_init(&ca)) < 0)
		goto out;
	ca_init = true;
	if ((r = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) < 0)
		goto out;
	if ((r = -pthread_mutex_init(&c->lock, NULL)) < 0)
		goto out;
	lock_init = true;
	if ((r = -pthread_cond_init(&c->wake, &ca)) < 0)
		goto out;
	wake_init = true;

	/* Signals are the event loop's business, not the checkpointer's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&c->thread, NULL, checkpoint_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto out;
	/* Replaces the auto-checkpoint (wal_autocheckpoint = 0 in effect). */
	sqlite3_wal_hook(s->db, on_commit, c);
	*ret = c;
	c = NULL;
	r = 0;
out:
	if (ca_init)
		pthread_condattr_destroy(&ca);
	if (c) {
		if (wake_init)
			pthread_cond_destroy(&c->wake);
		if (lock_init)
			pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
	}
	return r;
}

int store_checkpoint_stop(struct store_checkpoint *c)
{
	int r;

	if (!c)
		return 0;
	/* No commit calls into c from here on. */
	sqlite3_wal_autocheckpoint(c->s->db, CHECKPOINT_FRAMES);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	r = c->stats.last_error;
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return r;
}

void store_checkpoint_stats(struct store_checkpoint *c, struct store_checkpoint_stats *ret)
{
	pthread_mutex_lock(&c->lock);
	*ret = c->stats;
	pthread_mutex_unlock(&c->lock);
}
