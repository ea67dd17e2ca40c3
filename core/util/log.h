/*
 * Logging to standard error.
 *
 * Lines are written whole with one write so concurrent threads never
 * interleave.  When standard error is the journal (systemd sets
 * JOURNAL_STREAM to its device and inode), each line starts with a syslog
 * "<N>" level prefix that journald turns into the priority; anywhere else
 * (a terminal, a file, a pipe) it reads "leadledger: error: ...".
 *
 * Messages must never contain secrets: callers pass identifiers (site,
 * provider, field, key id), never credential values.
 */
#ifndef LL_LOG_H
#define LL_LOG_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#include "leadledger/provider.h"

void ll_log_init(const char *progname);
/* Whether standard error is the journal: JOURNAL_STREAM ("dev:ino") names
 * the very file standard error is, as systemd's own tools check. */
int ll_log_stderr_is_journal(void);
void ll_log_set_level(int max_level);
void ll_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* prefix may be NULL; it is printed as "prefix: " before the message. */
void ll_vlog(int level, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * A message that can repeat without bound (a refused connection per
 * second of an overload) goes through a limiter: at most `burst` lines per
 * `window_s` seconds; the rest are counted, and the next line let through
 * says how many were suppressed.  Initialize with LL_LOG_LIMIT_INIT.
 */
struct ll_log_limit {
	pthread_mutex_t lock;
	int burst;
	int window_s;
	int64_t window_start_ms;
	int in_window;
	int64_t suppressed;
};

#define LL_LOG_LIMIT_INIT(burst, window_s) \
	{ PTHREAD_MUTEX_INITIALIZER, (burst), (window_s), 0, 0, 0 }

void ll_log_limited(struct ll_log_limit *l, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ll_vlog_limited(struct ll_log_limit *l, int level, const char *prefix, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));

#define ll_error(...) ll_log(LL_LOG_ERR, __VA_ARGS__)
#define ll_warning(...) ll_log(LL_LOG_WARNING, __VA_ARGS__)
#define ll_notice(...) ll_log(LL_LOG_NOTICE, __VA_ARGS__)
#define ll_info(...) ll_log(LL_LOG_INFO, __VA_ARGS__)
#define ll_debug(...) ll_log(LL_LOG_DEBUG, __VA_ARGS__)

#endif
