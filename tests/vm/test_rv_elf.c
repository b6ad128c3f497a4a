/* ELF loader: valid programs load with their segments; malformed files
 * (truncated at every length, wrong class/machine/endianness/type, bad
 * header sizes, overlapping or out-of-range segments, enormous p_memsz,
 * entry outside any executable segment, e_phnum overflow, dynamic
 * executables, compressed-instruction flag) are rejected with a message
 * that names the problem, never a crash. An empty PT_LOAD is skipped
 * wherever it claims to be. */
#include <stdio.h>

#include "rvasm.h"
#include "testutil.h"

static uint8_t *good_elf(size_t *len)
{
    const uint32_t code[4] = {ADDI(A0, ZERO, 0), ADDI(A7, ZERO, 93), ECALL, 0};
    static const uint8_t data[100] = {1, 2, 3};
    elf_seg s[2] = {{1, CODE_BASE, 5, sizeof code, 4096, (const uint8_t *)code, sizeof code},
                    {1, 0x20000, 6, 0x3000, 4096, data, sizeof data}};
    return elf_build(len, CODE_BASE, s, 2);
}

/* Loads and expects failure with code and a message containing want. */
static void expect_reject(const uint8_t *e, size_t len, cairn_err code, const char *want)
{
    rv_program *p = (rv_program *)1;
    cairn_err err = rv_elf_load(&p, e, len);
    CU_ASSERT_EQUAL(err, code);
    CU_ASSERT_PTR_NULL(p);
    const char *msg = cairn_last_error();
    if (err != code || !strstr(msg, want)) {
        fprintf(stderr, "expected %s containing '%s', got %s: '%s'\n", cairn_err_name(code), want,
                cairn_err_name(err), msg);
        CU_FAIL("wrong error");
    }
    if (err == CAIRN_OK) rv_program_free(p);
}

static void test_good_elf(void)
{
    size_t len;
    uint8_t *e = good_elf(&len);
    rv_program *p;
    CU_ASSERT_EQUAL_FATAL(rv_elf_load(&p, e, len), CAIRN_OK);
    CU_ASSERT_EQUAL(p->entry, CODE_BASE);
    CU_ASSERT_EQUAL(p->nsegs, 2);
    CU_ASSERT_EQUAL(p->segs[1].vaddr, 0x20000);
    CU_ASSERT_EQUAL(p->segs[1].memsz, 0x3000);
    CU_ASSERT_EQUAL(p->segs[1].filesz, 100);
    CU_ASSERT_EQUAL(p->segs[1].data[2], 3);
    rv_config cfg = {0};
    rv_result res;
    CU_ASSERT_EQUAL(rv_execute(p, &cfg, &res), CAIRN_OK);
    CU_ASSERT_EQUAL(res.cycles, 3);
    rv_program_free(p);
    free(e);
}

/* An empty PT_LOAD (p_filesz = p_memsz = 0), as GNU ld emits for a PHDRS
 * segment of a linker script that ends up empty, loads nothing whatever
 * its placement: odd p_offset not congruent to p_vaddr modulo p_align, a
 * p_align that is not a power of two, an address outside guest memory, an
 * offset past the end of the file. qemu-riscv32 runs such files. */
static void test_empty_segment(void)
{
    const uint32_t code[4] = {ADDI(A0, ZERO, 7), ADDI(A7, ZERO, 93), ECALL, 0};
    static const uint8_t data[8] = {9};
    /* placements of the empty segment: p_offset, p_vaddr, p_align */
    static const uint32_t place[][3] = {
        {0x1235, 0x30000, 0x1000}, /* offset and address differ modulo p_align */
        {0x1233, 0x30001, 6},      /* p_align not a power of two */
        {0x35, 0, 4},              /* address 0, below guest memory */
        {0x7fffffffu, 0xfffffff0u, 0x10}, /* offset past the end of the file */
    };
    for (size_t k = 0; k < sizeof place / sizeof place[0]; k++) {
        elf_seg s[3] = {{1, CODE_BASE, 5, sizeof code, 4096, (const uint8_t *)code, sizeof code},
                        {1, 0x20000, 6, 0x1000, 4096, data, sizeof data},
                        {1, 0x30000, 6, 0, 4096, NULL, 0}};
        size_t len;
        uint8_t *e = elf_build(&len, CODE_BASE, s, 3);
        uint8_t *ph2 = e + 52 + 2 * 32;
        put32(ph2 + 4, place[k][0]);
        put32(ph2 + 8, place[k][1]);
        put32(ph2 + 12, place[k][1]);
        put32(ph2 + 28, place[k][2]);
        rv_program *p = NULL;
        cairn_err err = rv_elf_load(&p, e, len);
        if (err != CAIRN_OK) fprintf(stderr, "\n  placement %zu: %s\n", k, cairn_last_error());
        CU_ASSERT_EQUAL_FATAL(err, CAIRN_OK);
        CU_ASSERT_EQUAL(p->nsegs, 2); /* the empty one is not a segment */
        rv_config cfg = {0};
        rv_result res;
        CU_ASSERT_EQUAL(rv_execute(p, &cfg, &res), CAIRN_OK);
        CU_ASSERT_EQUAL(res.final.exit_code, 7);
        rv_program_free(p);
        /* not empty: p_filesz without p_memsz is still refused */
        put32(ph2 + 16, 4);
        expect_reject(e, len, CAIRN_ERR_FORMAT, "program header 2");
        free(e);
    }
}

static void test_truncated_everywhere(void)
{
    size_t len;
    uint8_t *e = good_elf(&len);
    int ok = 0;
    for (size_t l = 0; l < len; l++) {
        uint8_t *t = malloc(l ? l : 1); /* exact-size copy so overreads are caught by tools */
        memcpy(t, e, l);
        rv_program *p;
        if (rv_elf_load(&p, t, l) == CAIRN_OK) {
            ok++;
            rv_program_free(p);
        } else {
            CU_ASSERT(strlen(cairn_last_error()) > 0);
        }
        free(t);
    }
    CU_ASSERT_EQUAL(ok, 0);
    free(e);
}

static void test_header_fields(void)
{
    size_t len;
    uint8_t *e = good_elf(&len), *b = malloc(len);
#define MUTATE(stmt, code, want)                                               \
    do {                                                                       \
        memcpy(b, e, len);                                                     \
        stmt;                                                                  \
        expect_reject(b, len, code, want);                                     \
    } while (0)
    MUTATE(b[0] = 0x7e, CAIRN_ERR_FORMAT, "magic");
    MUTATE(b[4] = 2, CAIRN_ERR_UNSUPPORTED, "ELFCLASS32");
    MUTATE(b[5] = 2, CAIRN_ERR_UNSUPPORTED, "little-endian");
    MUTATE(b[6] = 0, CAIRN_ERR_FORMAT, "ident version");
    MUTATE(put16(b + 16, 3), CAIRN_ERR_UNSUPPORTED, "e_type 3");
    MUTATE(put16(b + 16, 1), CAIRN_ERR_UNSUPPORTED, "e_type 1");
    MUTATE(put16(b + 18, 62), CAIRN_ERR_UNSUPPORTED, "e_machine 62");
    MUTATE(put32(b + 20, 2), CAIRN_ERR_FORMAT, "e_version");
    MUTATE(put32(b + 36, 1), CAIRN_ERR_UNSUPPORTED, "EF_RISCV_RVC");
    MUTATE(put32(b + 36, 4), CAIRN_ERR_UNSUPPORTED, "floating-point");
    MUTATE(put16(b + 40, 64), CAIRN_ERR_FORMAT, "e_ehsize");
    MUTATE(put16(b + 42, 56), CAIRN_ERR_FORMAT, "e_phentsize");
    MUTATE(put16(b + 44, 0), CAIRN_ERR_FORMAT, "e_phnum 0");
    MUTATE(put16(b + 44, 0xffff), CAIRN_ERR_FORMAT, "e_phnum 65535");
    MUTATE(put32(b + 28, (uint32_t)len - 32), CAIRN_ERR_FORMAT, "beyond file size");
    MUTATE(put32(b + 28, 0xfffffff0u), CAIRN_ERR_FORMAT, "e_phoff");
    MUTATE(put32(b + 28, 8), CAIRN_ERR_FORMAT, "e_phoff");
    MUTATE(put32(b + 24, CODE_BASE + 2), CAIRN_ERR_FORMAT, "e_entry");
    MUTATE(put32(b + 24, 0x20000), CAIRN_ERR_FORMAT, "e_entry 0x20000 is not inside an executable");
    MUTATE(put32(b + 24, 0x90000), CAIRN_ERR_FORMAT, "e_entry");
    MUTATE((put32(b + 32, 0x7fffff00u), put16(b + 48, 3), put16(b + 46, 40)), CAIRN_ERR_FORMAT, "section headers");
    /* program header 1 (data) fields */
    uint8_t *ph1 = b + 52 + 32;
    (void)ph1;
    MUTATE(put32(b + 52 + 32 + 4, (uint32_t)len), CAIRN_ERR_FORMAT, "program header 1: p_offset+p_filesz");
    MUTATE(put32(b + 52 + 32 + 16, 0xffffffffu), CAIRN_ERR_FORMAT, "program header 1: p_offset+p_filesz");
    MUTATE(put32(b + 52 + 32 + 20, 50), CAIRN_ERR_FORMAT, "p_filesz 0x64 larger than p_memsz 0x32");
    MUTATE(put32(b + 52 + 32 + 20, 0xfffff000u), CAIRN_ERR_LIMIT, "p_memsz");
        MUTATE((put32(b + 52 + 32 + 8, 0xfffff000u), put32(b + 52 + 32 + 4, 0x2000)), CAIRN_ERR_FORMAT,
           "outside guest memory");
    MUTATE((put32(b + 52 + 32 + 8, 0x100), put32(b + 52 + 32 + 28, 0x100)), CAIRN_ERR_FORMAT, "outside guest memory");
    MUTATE(put32(b + 52 + 32 + 28, 3000), CAIRN_ERR_FORMAT, "not a power of two");
    MUTATE(put32(b + 52 + 32 + 8, 0x20004), CAIRN_ERR_FORMAT, "modulo p_align");
    /* overlap: data segment moved onto the code */
    MUTATE((put32(b + 52 + 32 + 8, CODE_BASE + 8), put32(b + 52 + 32 + 28, 4)),
           CAIRN_ERR_FORMAT, "overlap");
    MUTATE(put32(b + 52 + 32, 3), CAIRN_ERR_UNSUPPORTED, "PT_INTERP");
    MUTATE(put32(b + 52 + 32, 2), CAIRN_ERR_UNSUPPORTED, "PT_DYNAMIC");
    MUTATE((put32(b + 52, 4), put32(b + 52 + 32, 6)), CAIRN_ERR_FORMAT, "no loadable");
    /* other program header types are ignored */
    memcpy(b, e, len);
    put32(b + 52 + 32, 0x70000003u); /* PT_RISCV_ATTRIBUTES */
    rv_program *p;
    CU_ASSERT_EQUAL(rv_elf_load(&p, b, len), CAIRN_OK);
    if (p) CU_ASSERT_EQUAL(p->nsegs, 1);
    rv_program_free(p);
#undef MUTATE
    free(b);
    free(e);
}

static void test_random_mutations(void)
{
    /* Random byte corruption of the headers never crashes and either
     * loads or reports an error with a message. */
    size_t len;
    uint8_t *e = good_elf(&len), *b = malloc(len);
    rng_t r;
    rng_seed(&r, test_seed("elf mutations"));
    for (int it = 0; it < 20000; it++) {
        memcpy(b, e, len);
        int n = 1 + (int)(rng_u64(&r) % 4);
        for (int k = 0; k < n; k++) b[rng_u64(&r) % 116] = (uint8_t)rng_u64(&r);
        rv_program *p;
        cairn_err err = rv_elf_load(&p, b, len);
        if (err == CAIRN_OK) {
            CU_ASSERT_PTR_NOT_NULL(p);
            rv_program_free(p);
        } else {
            CU_ASSERT(strlen(cairn_last_error()) > 0);
        }
    }
    free(b);
    free(e);
}

int main(void)
{
    static const test_case cases[] = {
        {"valid ELF loads and runs", test_good_elf},
        {"empty PT_LOAD anywhere loads and runs", test_empty_segment},
        {"truncated at every length", test_truncated_everywhere},
        {"bad header and program-header fields", test_header_fields},
        {"random header mutations", test_random_mutations},
        {NULL, NULL},
    };
    return test_run_suite("rv_elf", cases);
}
