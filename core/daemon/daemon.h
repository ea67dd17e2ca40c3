/*
 * leadledgerd's parts and the state they share.
 *
 *   daemon/main.c      options, signals, start-up checks, the main loop
 *                      (systemd, reloads, lease reaping), shutdown
 *   daemon/snapshot.c  the configuration in force, reference-counted
 *   daemon/workers.c   the threads that claim and run jobs
 *
 * ll_daemon.lock guards current, keyring_tried, busy and runs.
 */
#ifndef LL_DAEMON_H
#define LL_DAEMON_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "app.h"
#include "store/db.h"
#include "sync/schedule.h"
#include "util/buf.h"

/* What tells one version of a file from the next. */
struct ll_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* A configuration and everything derived from it, shared by the jobs
 * that started under it. */
struct ll_snapshot {
	struct ll_app app;
	struct ll_buf known; /* array literal of "site/provider" we can run */
	char keyring_path[4096];
	struct ll_file_id keyring_id; /* of the keyring file this snapshot read */
	int refs;
};

struct ll_daemon {
	const char *config_path;
	int verbose;
	struct ll_db db;          /* main thread: registry and schema */
	struct ll_lease lease;
	pthread_mutex_t lock;
	struct ll_snapshot *current;
	struct ll_file_id keyring_tried; /* a keyring version a reload was tried for */
	int busy;                 /* workers running a job */
	int64_t runs;
};

extern struct ll_daemon ll_daemon;
/* Set by SIGTERM/SIGINT: stop claiming, let pages in flight commit. */
extern volatile sig_atomic_t ll_daemon_stop;

/* Load and check a configuration; providers of prev (may be NULL) are
 * reused.  An exit code; *out is set on 0. */
int ll_snapshot_load(const struct ll_snapshot *prev, struct ll_snapshot **out);
/* The current snapshot, with a reference the caller releases. */
struct ll_snapshot *ll_snapshot_acquire(void);
void ll_snapshot_release(struct ll_snapshot *s);
/* True once for each new version of the current snapshot's keyring file
 * (a version whose reload failed is not reported again). */
int ll_snapshot_keyring_changed(void);
/* The API server's view of the configuration (api/server.h hooks). */
extern const struct ll_api_hooks ll_snapshot_api_hooks;

/* A worker thread: claims due integrations and runs them until stop. */
void *ll_worker_main(void *arg);

#endif
