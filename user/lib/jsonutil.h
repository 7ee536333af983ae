/* SPDX-License-Identifier: BSD-3-Clause */
/* The few json-c idioms every program here uses, in one place. */
#ifndef _COMO_JSONUTIL_H
#define _COMO_JSONUTIL_H

#include <stdint.h>
#include <json-c/json.h>

/* addresses and paths read better without "\/" */
#define JSON_PLAIN	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JSON_PRETTY	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

static inline const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_string(v) : NULL;
}

static inline uint64_t json_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_uint64(v) : 0;
}

static inline void json_add_str(struct json_object *o, const char *key,
				const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static inline void json_add_u64(struct json_object *o, const char *key,
				uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

#endif
