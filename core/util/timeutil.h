/*
 * Time helpers shared by the host and handed to providers.
 */
#ifndef LL_TIMEUTIL_H
#define LL_TIMEUTIL_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

/* RFC 3339 / ISO 8601 date-time to microseconds since the epoch.  Accepts
 * "YYYY-MM-DDTHH:MM:SS", optional fraction, and "Z" or "+HH:MM"; a missing
 * zone is read as UTC (Housecall Pro's documented format has none).
 * Returns 0, or -1 for anything else. */
int ll_parse_time(const char *text, int64_t *epoch_us);

/* "YYYY-MM-DD" to a validated date; 0 or -1. */
int ll_parse_date(const char *text, int *year, int *month, int *day);

/* Microseconds to "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (PostgreSQL accepts it). */
void ll_format_time(int64_t epoch_us, char *out, size_t len);

int64_t ll_now_us(void);
/* CLOCK_MONOTONIC in milliseconds, for durations and deadlines. */
int64_t ll_monotonic_ms(void);

/* Sleep ms milliseconds in short slices, returning early (-1) once *stop
 * is set (stop may be NULL); 0 after the whole sleep. */
int ll_sleep_ms(int64_t ms, const volatile sig_atomic_t *stop);

#endif
