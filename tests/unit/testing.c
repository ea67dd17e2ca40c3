#include "testing.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tt_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/lltest.XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

const char *tt_write_file(const char *name, const char *text)
{
	static char path[PATH_MAX + 256];
	FILE *f;

	if (snprintf(path, sizeof path, "%s/%s", tt_dir(), name) >= (int)sizeof path)
		abort();
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	return path;
}
