#include "util/log.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/timeutil.h"

static const char *log_progname = "leadledger";
/* Read by every thread, changed on reload: atomic. */
static _Atomic int log_max_level = LL_LOG_INFO;
static int log_syslog_prefix;

int ll_log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 ||
	    fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void ll_log_init(const char *progname)
{
	log_progname = progname;
	log_syslog_prefix = ll_log_stderr_is_journal();
}

void ll_log_set_level(int max_level)
{
	log_max_level = max_level;
}

static const char *level_name(int level)
{
	switch (level) {
	case LL_LOG_ERR: return "error";
	case LL_LOG_WARNING: return "warning";
	case LL_LOG_NOTICE: return "notice";
	case LL_LOG_INFO: return "info";
	default: return "debug";
	}
}

void ll_vlog(int level, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	size_t off;
	int n;

	if (level > log_max_level)
		return;
	if (log_syslog_prefix)
		n = snprintf(line, sizeof line, "<%d>%s%s", level,
			     prefix ? prefix : "", prefix ? ": " : "");
	else
		n = snprintf(line, sizeof line, "%s: %s: %s%s", log_progname,
			     level_name(level), prefix ? prefix : "",
			     prefix ? ": " : "");
	off = n < 0 ? 0 : (size_t)n;
	if (off < sizeof line) {
		n = vsnprintf(line + off, sizeof line - off, fmt, ap);
		off += n < 0 ? 0 : (size_t)n;
	}
	if (off > sizeof line - 2)
		off = sizeof line - 2;
	line[off++] = '\n';
	/* One write per line: atomic with respect to other threads. */
	if (write(STDERR_FILENO, line, off) < 0)
		return;
}

void ll_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void ll_vlog_limited(struct ll_log_limit *l, int level, const char *prefix, const char *fmt,
		     va_list ap)
{
	int64_t now = ll_monotonic_ms(), suppressed = 0;
	int pass;

	pthread_mutex_lock(&l->lock);
	if (now - l->window_start_ms >= (int64_t)l->window_s * 1000) {
		l->window_start_ms = now;
		l->in_window = 0;
	}
	pass = l->in_window < l->burst;
	if (pass) {
		l->in_window++;
		suppressed = l->suppressed;
		l->suppressed = 0;
	} else {
		l->suppressed++;
	}
	pthread_mutex_unlock(&l->lock);
	if (!pass)
		return;
	if (suppressed)
		ll_log(level, "%s%s(%" PRId64 " similar message%s suppressed)", prefix ? prefix : "",
		       prefix ? ": " : "", suppressed, suppressed == 1 ? "" : "s");
	ll_vlog(level, prefix, fmt, ap);
}

void ll_log_limited(struct ll_log_limit *l, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_vlog_limited(l, level, NULL, fmt, ap);
	va_end(ap);
}
