/* Build-time helper: decompresses a .gz file and writes it as a C byte array
 * (used to embed Django's common-password list without committing it). */
#include <stdio.h>
#include <stdlib.h>

#include <zlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: embed_gz IN.gz OUT.c SYMBOL\n");
        return 2;
    }
    gzFile in = gzopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "embed_gz: cannot open %s\n", argv[1]);
        return 1;
    }
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        fprintf(stderr, "embed_gz: cannot write %s\n", argv[2]);
        gzclose(in);
        return 1;
    }
    fprintf(out, "/* Generated from %s by embed_gz. */\n#include <stddef.h>\nconst char %s[] = {\n",
            argv[1], argv[3]);
    unsigned char buf[65536];
    size_t total = 0;
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0) {
        for (int i = 0; i < n; i++)
            fprintf(out, "%d,%s", buf[i], (total + (size_t)i) % 32 == 31 ? "\n" : "");
        total += (size_t)n;
    }
    int rc = 0;
    if (n < 0) {
        fprintf(stderr, "embed_gz: %s is not valid gzip\n", argv[1]);
        rc = 1;
    }
    fprintf(out, "0};\nconst size_t %s_len = %zu;\n", argv[3], total);
    gzclose(in);
    if (fclose(out) != 0)
        rc = 1;
    return rc;
}
