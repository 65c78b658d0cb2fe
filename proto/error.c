/*
 * error.c: names and messages of the RN_E codes, generated from RN_ERRNO_MAP.
 */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>

const char *rn_err_name(int code)
{
    switch (code) {
    case 0:
        return "RN_OK";
#define RN_X_NAME(name, num, msg)                                                                  \
    case RN_##name:                                                                                \
        return "RN_" #name;
        RN_ERRNO_MAP(RN_X_NAME)
#undef RN_X_NAME
    default:
        return "RN_UNKNOWN";
    }
}

const char *rn_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
#define RN_X_MSG(name, num, msg)                                                                   \
    case RN_##name:                                                                                \
        return msg;
        RN_ERRNO_MAP(RN_X_MSG)
#undef RN_X_MSG
    default:
        return "unknown error";
    }
}

int rn_fail(rn_diag *d, int code, const char *field)
{
    if (d != NULL) {
        d->code = code;
        d->field = field;
    }
    return code;
}

int rn_fail_at(rn_diag *d, int code, const char *field, size_t index)
{
    if (d != NULL) {
        d->code = code;
        if (field != NULL)
            d->field = field;
        d->index = (unsigned)index;
    }
    return code;
}

char *rn_diag_format(const rn_diag *d, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (d->field == NULL)
        snprintf(buf, len, "%s", rn_strerror(d->code));
    else if (d->index > 0)
        snprintf(buf, len, "%s[%u]: %s", d->field, d->index - 1, rn_strerror(d->code));
    else
        snprintf(buf, len, "%s: %s", d->field, rn_strerror(d->code));
    return buf;
}

void rn_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "recnet: assertion failed: %s (%s:%d)\n", cond, file, line);
    abort();
}
