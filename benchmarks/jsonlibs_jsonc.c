/* jsonlibs_jsonc.c - json-c alone (jsonlibs.h); apart from jansson, whose json_object
 * type has the same name. */
#include "jsonlibs.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef FC_HAVE_JSONC
#include <json-c/json.h>

size_t fcb_jsonc_encode(const fc_dataset *in)
{
    json_object *obj = json_object_new_object();
    for (size_t i = 0; i < in->count; i++) {
        char key[21];
        snprintf(key, sizeof key, "%llu", (unsigned long long)in->keys[i]);
        json_object_object_add(obj, key, json_object_new_double(in->values[i]));
    }
    size_t n = 0;
    json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &n);
    json_object_put(obj);
    return n;
}

size_t fcb_jsonc_decode(const uint8_t *text, size_t len, fc_dataset *back)
{
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, (const char *)text, (int)len);
    size_t n = 0;
    if (root) {
        json_object_object_foreach(root, name, v)
        {
            back->keys[n] = strtoull(name, NULL, 10);
            back->values[n++] = json_object_get_double(v);
        }
    }
    json_object_put(root);
    json_tokener_free(tok);
    return n;
}
#endif
