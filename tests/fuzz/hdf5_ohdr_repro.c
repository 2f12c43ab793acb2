/*
 * hdf5_ohdr_repro.c - HDF5 1.10 alone, no sculpt code: what the "ohdr-*" inputs of
 * tests/fuzz/corpus/tsdb/ do to libhdf5 (tests/fuzz/README.md, "The ohdr- inputs").
 *
 * Opens FILE read-only and, as sculpt's store reader does, H5Gopen2s every group and
 * H5Dopen2s every t/v dataset reached by H5Lvisit, asking H5Aexists(obj, "schema") of
 * each; closes every id that was returned; prints H5Fget_obj_count(H5F_OBJ_ALL) before
 * and after H5Fclose, then H5close().  On every ohdr- input one open fails inside
 * libhdf5 (a corrupt object header), the counts are 1 (the file) and 0, and
 * LeakSanitizer still reports 56-848 bytes allocated under H5O_protect: the library
 * keeps what it allocated for the failed decode, with no id left for a caller to close.
 *
 *   gcc -g -fsanitize=address -I/usr/include/hdf5/serial tests/fuzz/hdf5_ohdr_repro.c \
 *       -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -o /tmp/hdf5_ohdr_repro
 *   ASAN_OPTIONS=fast_unwind_on_malloc=0 /tmp/hdf5_ohdr_repro tests/fuzz/corpus/tsdb/ohdr-...
 *
 * (h5ls -r, HDF5's own tool, prints "HDF5: infinite loop closing library" on the same
 * files: the free lists still hold the lost blocks when the library shuts down.)
 */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static herr_t visit(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)info;
    (void)op;
    /* as sculpt's store reader does: H5Dopen2 the datasets t and v, H5Gopen2 the rest */
    size_t n = strlen(name);
    int ds = n >= 2 && name[n - 2] == '/' && (name[n - 1] == 't' || name[n - 1] == 'v');
    hid_t o = ds ? H5Dopen2(g, name, H5P_DEFAULT) : H5Gopen2(g, name, H5P_DEFAULT);
    htri_t a = o >= 0 ? H5Aexists(o, "schema") : -1;
    printf("%-40s %s %s, H5Aexists %d\n", name, ds ? "H5Dopen2" : "H5Gopen2",
           o >= 0 ? "ok" : "FAILS", (int)a);
    if (o >= 0)
        H5Oclose(o);
    return 0; /* go on */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hdf5_ohdr_repro FILE.h5\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        printf("H5Fopen fails\n");
    } else {
        printf("%-40s H5Aexists %d\n", "/", (int)H5Aexists(f, "schema"));
        H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, NULL);
        printf("open ids before H5Fclose: %zd\n", (ssize_t)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
        H5Fclose(f);
    }
    printf("open ids after H5Fclose: %zd\n", (ssize_t)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL));
    H5close();
    return 0;
}
