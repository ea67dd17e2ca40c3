/*
 * libFuzzer target: the configuration parser and validator, and the
 * lead-source rules reader.  Inputs go through a file because libconfig
 * reads files; @include lines are skipped so the fuzzer cannot make the
 * parser read arbitrary paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ll_config cfg;
	struct ll_rules rules;
	struct ll_errors errs;
	FILE *f;

	if (memmem(data, size, "@include", 8))
		return 0;
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/llfuzz-config.%ld", (long)getpid());
	f = fopen(path, "w");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	ll_config_init(&cfg);
	ll_errors_init(&errs);
	ll_config_load(path, &cfg, &errs);
	ll_config_release(&cfg);
	ll_rules_init(&rules);
	ll_rules_load_file(&rules, path, &errs);
	ll_rules_classify(&rules, "Google Ads");
	ll_rules_release(&rules);
	ll_errors_release(&errs);
	return 0;
}
