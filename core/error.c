/* error.c - filling an fc_error. */
#include "forkcollect.h"

#include <stdarg.h>
#include <stdio.h>

int fc_fail(fc_error *err, int code, int sys_errno, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->sys_errno = sys_errno;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *fc_code_name(int code)
{
    switch (code) {
    case FC_OK: return "FC_OK";
    case FC_EINVAL: return "FC_EINVAL";
    case FC_ENOMEM: return "FC_ENOMEM";
    case FC_EIO: return "FC_EIO";
    case FC_ECORRUPT: return "FC_ECORRUPT";
    case FC_ECHILD: return "FC_ECHILD";
    case FC_EKEYS: return "FC_EKEYS";
    case FC_ECHECKSUM: return "FC_ECHECKSUM";
    case FC_EINTR: return "FC_EINTR";
    case FC_EUNSUPPORTED: return "FC_EUNSUPPORTED";
    default: return "FC_E(unknown)";
    }
}
