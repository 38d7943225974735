/* codecs.h - the backends compiled into libforkcollect (see registry.c). */
#ifndef FC_CODECS_H
#define FC_CODECS_H

#include "forkcollect.h"

extern const fc_codec fc_codec_raw;
extern const fc_codec fc_codec_json;
extern const fc_codec fc_codec_msgpack;
extern const fc_codec fc_codec_protobuf;
extern const fc_codec fc_codec_tpl;

#endif
