#include "util/fault.h"

#ifdef LL_ENABLE_FAULT_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/timeutil.h"

void ll_fault_point(const char *name)
{
	static long hits;
	const char *spec = getenv("LEADLEDGER_FAULT");
	const char *colon;
	int64_t n;
	size_t len = strlen(name);

	if (!spec || strncmp(spec, name, len) != 0 || spec[len] != ':')
		return;
	colon = spec + len;
	if (ll_parse_int64(colon + 1, 1, 1000000000, &n) < 0)
		return;
	if (++hits == n)
		raise(SIGKILL);
}
#endif
