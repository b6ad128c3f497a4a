/* libFuzzer harness for the ELF loader (vm/rv32im/rv_elf.c). Half of the
 * inputs are taken raw; the other half are XORed onto a valid two-segment
 * RV32 executable so the fuzzer starts past the magic and reaches the
 * program-header checks at once. A loaded program must satisfy the
 * loader's promises (sorted, non-overlapping segments inside guest memory,
 * entry in an executable segment). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/rv32im/rv.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#define TLEN 0x200
static void template_elf(uint8_t *e)
{
    memset(e, 0, TLEN);
    memcpy(e, "\177ELF\1\1\1", 7);
    put16(e + 16, 2);
    put16(e + 18, 243);
    put32(e + 20, 1);
    put32(e + 24, 0x10000);
    put32(e + 28, 52);
    put16(e + 40, 52);
    put16(e + 42, 32);
    put16(e + 44, 2);
    uint8_t *ph = e + 52;
    put32(ph, 1), put32(ph + 4, 0x100), put32(ph + 8, 0x10000), put32(ph + 16, 0x40);
    put32(ph + 20, 0x40), put32(ph + 24, 5), put32(ph + 28, 0x100);
    ph += 32;
    put32(ph, 1), put32(ph + 4, 0x180), put32(ph + 8, 0x20080), put32(ph + 16, 0x80);
    put32(ph + 20, 0x1000), put32(ph + 24, 6), put32(ph + 28, 0x100);
    put32(e + 0x100, 0x00000073u);
}

static void check(const uint8_t *e, size_t len)
{
    rv_program *p = NULL;
    if (rv_elf_load(&p, e, len) != CAIRN_OK) {
        if (p) abort();
        return;
    }
    int entry_ok = 0;
    for (size_t i = 0; i < p->nsegs; i++) {
        const rv_load_segment *s = &p->segs[i];
        if (s->vaddr < RV_MEM_MIN || (uint64_t)s->vaddr + s->memsz > (1ull << 32) || s->filesz > s->memsz) abort();
        if (i && (uint64_t)p->segs[i - 1].vaddr + p->segs[i - 1].memsz > s->vaddr) abort();
        if ((s->flags & 1) && p->entry >= s->vaddr && (uint64_t)p->entry + 4 <= (uint64_t)s->vaddr + s->memsz)
            entry_ok = 1;
        volatile uint8_t sink = s->filesz ? s->data[s->filesz - 1] : 0; /* ASan checks the copy */
        (void)sink;
    }
    if (!entry_ok || p->entry % 4) abort();
    rv_program_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && (data[0] & 1)) {
        uint8_t e[TLEN];
        template_elf(e);
        for (size_t i = 1; i < size; i++) e[(i - 1) % TLEN] ^= data[i];
        check(e, TLEN);
        /* also as a truncated file */
        if (size > 2) check(e, data[1] % TLEN);
    } else {
        uint8_t *copy = malloc(size ? size : 1); /* exact size: overreads are caught */
        memcpy(copy, data, size);
        check(copy, size);
        free(copy);
    }
    return 0;
}
