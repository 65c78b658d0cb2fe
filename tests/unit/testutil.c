/*
 * testutil.c: helpers shared by the unit tests (see testutil.h).
 */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int test_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[1024];
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= sizeof(sub)) {
            rc = -1;
            continue;
        }
        if (test_rmtree(sub) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

static bool ref_equal(const query_ref *a, const query_ref *b)
{
    return memcmp(a->author, b->author, PROTO_KEY_BYTES) == 0 && a->seq == b->seq &&
           a->timestamp_ms == b->timestamp_ms;
}

static bool terms_equal(const query_terms *a, const query_terms *b)
{
    if (a->has_ects != b->has_ects || a->ects_centi != b->ects_centi || a->eqf != b->eqf ||
        a->differences_n != b->differences_n || strcmp(a->conditions, b->conditions) != 0 ||
        strcmp(a->appeal, b->appeal) != 0 || a->valid_from_ms != b->valid_from_ms ||
        a->valid_until_ms != b->valid_until_ms || strcmp(a->supersedes, b->supersedes) != 0)
        return false;
    for (uint32_t i = 0; i < a->differences_n; i++)
        if (a->differences[i].type != b->differences[i].type ||
            strcmp(a->differences[i].note, b->differences[i].note) != 0)
            return false;
    return true;
}

bool test_recognition_equal(const query_recognition *a, const query_recognition *b)
{
    if (a->result != b->result || a->outcome != b->outcome || !ref_equal(&a->basis, &b->basis) ||
        strcmp(a->basis_id, b->basis_id) != 0 || a->forked != b->forked ||
        !ref_equal(&a->spec, &b->spec) || !ref_equal(&a->provider, &b->provider) ||
        strcmp(a->provider_id, b->provider_id) != 0 || a->spec_status != b->spec_status ||
        a->provider_status != b->provider_status || a->spec_ects_centi != b->spec_ects_centi ||
        a->spec_eqf != b->spec_eqf || a->spec_title_n != b->spec_title_n ||
        strcmp(a->provider_name, b->provider_name) != 0 || !terms_equal(&a->terms, &b->terms))
        return false;
    for (uint32_t i = 0; i < a->spec_title_n; i++)
        if (strcmp(a->spec_title[i].lang, b->spec_title[i].lang) != 0 ||
            strcmp(a->spec_title[i].text, b->spec_title[i].text) != 0)
            return false;
    return true;
}
