/* jsonlibs.c - cJSON, jansson and json-c alone (jsonlibs.h): build the object, print it
 * with the library's own number printing, parse it, walk it into the arrays. No checks
 * beyond what a program needs to not crash: what the codecs add is the ratio. json-c
 * is in jsonlibs_jsonc.c: its json_object and jansson's cannot share a file. */
#include "jsonlibs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FC_HAVE_CJSON
#include <cjson/cJSON.h>

static size_t cjson_encode(const fc_dataset *in)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; i < in->count; i++) {
        char key[21];
        snprintf(key, sizeof key, "%llu", (unsigned long long)in->keys[i]);
        cJSON_AddNumberToObject(obj, key, in->values[i]);
    }
    char *text = cJSON_PrintUnformatted(obj);
    size_t n = text ? strlen(text) : 0;
    cJSON_free(text);
    cJSON_Delete(obj);
    return n;
}

static size_t cjson_decode(const uint8_t *text, size_t len, fc_dataset *back)
{
    cJSON *root = cJSON_ParseWithLength((const char *)text, len), *m;
    size_t n = 0;
    cJSON_ArrayForEach(m, root)
    {
        back->keys[n] = strtoull(m->string, NULL, 10);
        back->values[n++] = m->valuedouble;
    }
    cJSON_Delete(root);
    return n;
}
#endif

#ifdef FC_HAVE_JANSSON
#include <jansson.h>

static size_t jansson_encode(const fc_dataset *in)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < in->count; i++) {
        char key[21];
        snprintf(key, sizeof key, "%llu", (unsigned long long)in->keys[i]);
        json_object_set_new(obj, key, json_real(in->values[i]));
    }
    char *text = json_dumps(obj, JSON_REAL_PRECISION(17));
    size_t n = text ? strlen(text) : 0;
    free(text);
    json_decref(obj);
    return n;
}

static size_t jansson_decode(const uint8_t *text, size_t len, fc_dataset *back)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)text, len, 0, &je), *v;
    const char *name;
    size_t n = 0;
    json_object_foreach(root, name, v)
    {
        back->keys[n] = strtoull(name, NULL, 10);
        back->values[n++] = json_number_value(v);
    }
    json_decref(root);
    return n;
}
#endif

const fcb_jsonlib fcb_jsonlibs[] = {
#ifdef FC_HAVE_CJSON
    {"cjson", cjson_encode, cjson_decode},
#endif
#ifdef FC_HAVE_JANSSON
    {"jansson", jansson_encode, jansson_decode},
#endif
#ifdef FC_HAVE_JSONC
    {"jsonc", fcb_jsonc_encode, fcb_jsonc_decode},
#endif
    {NULL, NULL, NULL},
};
