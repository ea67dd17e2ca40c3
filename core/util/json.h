/*
 * JSON output for people and programs: one line, no escaped slashes.
 */
#ifndef LL_JSON_H
#define LL_JSON_H

#include <json-c/json.h>
#include <stdio.h>

void ll_json_print(struct json_object *o, FILE *out);

#endif
