/* Shared setup for the cmocka unit tests. */
#ifndef LL_TESTING_H
#define LL_TESTING_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Write text to a fresh file under the test's temporary directory and
 * return its path (static storage, valid until the next call). */
const char *tt_write_file(const char *name, const char *text);
const char *tt_dir(void);

#endif
