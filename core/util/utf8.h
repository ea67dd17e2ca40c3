/*
 * UTF-8 validation: the database stores text as UTF-8 and refuses
 * anything else, so text from the configuration file is checked up front.
 */
#ifndef LL_UTF8_H
#define LL_UTF8_H

/* True when s is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
int ll_utf8_valid(const char *s);

#endif
