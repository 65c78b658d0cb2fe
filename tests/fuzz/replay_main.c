/*
 * replay_main.c: runs a libFuzzer harness over files, without libFuzzer.
 *
 * Every harness in tests/fuzz/ is linked twice: with libFuzzer (clang, `make fuzz`) to search
 * for new inputs, and with this driver to replay the committed corpus as an ordinary ctest
 * (fuzz.<name>), with any compiler and under the sanitizer build. A crash found by fuzzing is
 * added to the corpus and from then on every `make test` replays it.
 *
 * Usage: fuzz_<name>_replay PATH...  where each PATH is a file or a directory whose regular files
 * (not recursing, skipping names that start with '.') are each one input, in name order so that
 * runs are reproducible. Each input is copied into a buffer of exactly its size, so that the
 * sanitizers catch a read one byte past the end as libFuzzer would. The name of each input goes to
 * stderr before it runs: when the harness crashes, the last name printed is the culprit.
 *
 * Exits 0 when every input ran, 1 when a path cannot be read, holds no input at all, or a file is
 * larger than REPLAY_INPUT_BYTES_MAX. A crash or sanitizer report ends the process on its own.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Larger than any input a recnet decoder accepts (a proof bundle is at most ~4 MiB). */
#define REPLAY_INPUT_BYTES_MAX (16u * 1024u * 1024u)

/* Directory entries read from one corpus directory. */
#define REPLAY_DIR_FILES_MAX 100000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a harness, as in libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Runs the harness over one file. Returns 0, or -1 after printing why the file was not run. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 ||
        (uint64_t)st.st_size > REPLAY_INPUT_BYTES_MAX) {
        fprintf(stderr, "replay: %s: unreadable or larger than %u bytes\n", path,
                REPLAY_INPUT_BYTES_MAX);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    /* malloc(0) may return NULL; keep a distinct, exactly sized buffer for the sanitizers. */
    uint8_t *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        fclose(f);
        return -1;
    }
    size_t got = size > 0 ? fread(buf, 1, size, f) : 0;
    fclose(f);
    if (got != size) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(buf);
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    (void)LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the harness over the regular files of `dir` in name order. Adds the number run to *runs. */
static int run_dir(const char *dir, unsigned long *runs)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == REPLAY_DIR_FILES_MAX) {
            fprintf(stderr, "replay: %s: more than %u files\n", dir, REPLAY_DIR_FILES_MAX);
            rc = -1;
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **p = realloc(names, ncap * sizeof(*names));
            if (p == NULL) {
                rc = -1;
                goto out;
            }
            names = p;
            cap = ncap;
        }
        size_t len = strlen(dir) + 1 + strlen(de->d_name) + 1;
        names[n] = malloc(len);
        if (names[n] == NULL) {
            rc = -1;
            goto out;
        }
        snprintf(names[n], len, "%s/%s", dir, de->d_name);
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (run_file(names[i]) != 0) {
            rc = -1;
            goto out;
        }
        (*runs)++;
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long runs = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 1;
    }
    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        int rc;
        if (S_ISDIR(st.st_mode)) {
            rc = run_dir(argv[i], &runs);
        } else {
            rc = run_file(argv[i]);
            if (rc == 0)
                runs++;
        }
        if (rc != 0)
            return 1;
    }
    if (runs == 0) {
        fprintf(stderr, "replay: no input found: an empty corpus protects nothing\n");
        return 1;
    }
    printf("replay: %lu inputs ran\n", runs);
    return 0;
}
