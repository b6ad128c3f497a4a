/* ELF32 loader for RV32IM executables. The input is untrusted: every field
 * is read through bounds-checked helpers and every offset and size is
 * checked in 64-bit arithmetic before use. Field names and values follow
 * the System V gABI and the RISC-V ELF psABI. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv.h"

#define EHDR_SIZE 52  /* sizeof(Elf32_Ehdr) */
#define PHDR_SIZE 32  /* sizeof(Elf32_Phdr) */
#define SHDR_SIZE 40  /* sizeof(Elf32_Shdr) */
#define EM_RISCV 243
#define ET_EXEC 2
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PF_X 1
#define EF_RISCV_RVC 0x1
#define EF_RISCV_FLOAT_ABI 0x6
#define PN_XNUM 0xffff

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

void rv_program_free(rv_program *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nsegs; i++) free(p->segs[i].data);
    free(p);
}

static int cmp_seg(const void *a, const void *b)
{
    const rv_load_segment *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static cairn_err check_header(const uint8_t *e, size_t len)
{
    RETURN_ERROR_IF(len < EHDR_SIZE, CAIRN_ERR_FORMAT,
                    "ELF file is %zu bytes, shorter than the 52-byte ELF32 header", len);
    RETURN_ERROR_IF(memcmp(e, "\177ELF", 4) != 0, CAIRN_ERR_FORMAT, "not an ELF file (bad magic)");
    RETURN_ERROR_IF(e[4] != 1, CAIRN_ERR_UNSUPPORTED,
                    "ELF class %u: only ELFCLASS32 (1) is supported (RV32)", e[4]);
    RETURN_ERROR_IF(e[5] != 1, CAIRN_ERR_UNSUPPORTED,
                    "ELF data encoding %u: only little-endian (ELFDATA2LSB, 1) is supported", e[5]);
    RETURN_ERROR_IF(e[6] != 1, CAIRN_ERR_FORMAT, "ELF ident version %u, expected 1", e[6]);
    uint16_t type = rd16(e + 16), mach = rd16(e + 18);
    uint32_t ver = rd32(e + 20), flags = rd32(e + 36);
    RETURN_ERROR_IF(type != ET_EXEC, CAIRN_ERR_UNSUPPORTED,
                    "ELF e_type %u: only static executables (ET_EXEC, 2) are supported", type);
    RETURN_ERROR_IF(mach != EM_RISCV, CAIRN_ERR_UNSUPPORTED,
                    "ELF e_machine %u: not RISC-V (EM_RISCV, 243)", mach);
    RETURN_ERROR_IF(ver != 1, CAIRN_ERR_FORMAT, "ELF e_version %u, expected 1", ver);
    RETURN_ERROR_IF(flags & EF_RISCV_RVC, CAIRN_ERR_UNSUPPORTED,
                    "ELF e_flags 0x%x: compressed instructions (EF_RISCV_RVC) are not supported "
                    "(RV32IM only; build with -march=rv32im)", flags);
    RETURN_ERROR_IF(flags & EF_RISCV_FLOAT_ABI, CAIRN_ERR_UNSUPPORTED,
                    "ELF e_flags 0x%x: hardware floating-point ABI is not supported (use -mabi=ilp32)",
                    flags);
    uint16_t ehsize = rd16(e + 40), phentsize = rd16(e + 42), phnum = rd16(e + 44);
    uint16_t shentsize = rd16(e + 46), shnum = rd16(e + 48), shstrndx = rd16(e + 50);
    uint32_t phoff = rd32(e + 28), shoff = rd32(e + 32);
    RETURN_ERROR_IF(ehsize != EHDR_SIZE, CAIRN_ERR_FORMAT, "ELF e_ehsize %u, expected 52", ehsize);
    RETURN_ERROR_IF(phnum == 0, CAIRN_ERR_FORMAT, "ELF has no program headers (e_phnum 0)");
    RETURN_ERROR_IF(phnum == PN_XNUM || phnum > RV_ELF_MAX_PHNUM, CAIRN_ERR_FORMAT,
                    "ELF e_phnum %u exceeds the supported %u", phnum, RV_ELF_MAX_PHNUM);
    RETURN_ERROR_IF(phentsize != PHDR_SIZE, CAIRN_ERR_FORMAT,
                    "ELF e_phentsize %u, expected 32", phentsize);
    RETURN_ERROR_IF(phoff < EHDR_SIZE || phoff % 4, CAIRN_ERR_FORMAT,
                    "ELF e_phoff 0x%x overlaps the ELF header or is not 4-aligned", phoff);
    RETURN_ERROR_IF((uint64_t)phoff + (uint64_t)phnum * PHDR_SIZE > len, CAIRN_ERR_FORMAT,
                    "ELF program headers (e_phoff 0x%x + %u x 32) beyond file size 0x%zx", phoff,
                    phnum, len);
    /* Sections are not used, but a section header table that is present
     * must at least lie inside the file. */
    if (shoff != 0 || shnum != 0) {
        RETURN_ERROR_IF(shentsize != SHDR_SIZE, CAIRN_ERR_FORMAT,
                        "ELF e_shentsize %u, expected 40", shentsize);
        RETURN_ERROR_IF((uint64_t)shoff + (uint64_t)shnum * SHDR_SIZE > len, CAIRN_ERR_FORMAT,
                        "ELF section headers (e_shoff 0x%x + %u x 40) beyond file size 0x%zx",
                        shoff, shnum, len);
        RETURN_ERROR_IF(shnum && shstrndx >= shnum, CAIRN_ERR_FORMAT,
                        "ELF e_shstrndx %u not below e_shnum %u", shstrndx, shnum);
    }
    return CAIRN_OK;
}

cairn_err rv_elf_load(rv_program **out, const uint8_t *e, size_t len)
{
    *out = NULL;
    RETURN_ERROR_IF(!e && len, CAIRN_ERR_USAGE, "rv_elf_load: NULL buffer");
    FORWARD_IF_ERROR(check_header(e, len));
    uint32_t entry = rd32(e + 24), phoff = rd32(e + 28);
    unsigned phnum = rd16(e + 44);

    rv_program *p = calloc(1, sizeof *p);
    RETURN_ERROR_IF(!p, CAIRN_ERR_NOMEM, "rv_elf_load: out of memory");
    p->entry = entry;
    cairn_err err = CAIRN_OK;
    uint64_t total = 0;
#define FAIL(code, ...)                                                                \
    do {                                                                               \
        err = cairn_fail(code, __VA_ARGS__);                                           \
        goto fail;                                                                     \
    } while (0)
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (size_t)i * PHDR_SIZE;
        uint32_t type = rd32(ph), off = rd32(ph + 4), vaddr = rd32(ph + 8);
        uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20), flags = rd32(ph + 24),
                 align = rd32(ph + 28);
        if (type == PT_INTERP || type == PT_DYNAMIC)
            FAIL(CAIRN_ERR_UNSUPPORTED,
                 "ELF program header %u: %s: dynamically linked executables are not supported "
                 "(link with -static)", i, type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC");
        if (type != PT_LOAD) continue;
        /* An empty segment loads nothing, so its offset, address and
         * alignment do not matter: GNU ld emits one (p_offset not congruent
         * to p_vaddr modulo p_align) when a linker script lists a PHDRS
         * segment that ends up empty, and qemu-riscv32 and Linux run such
         * files. So it is skipped before any check of its placement. */
        if (memsz == 0 && filesz == 0) continue;
        if ((uint64_t)off + filesz > len)
            FAIL(CAIRN_ERR_FORMAT, "ELF program header %u: p_offset+p_filesz 0x%llx beyond file size 0x%zx",
                 i, (unsigned long long)off + filesz, len);
        if (filesz > memsz)
            FAIL(CAIRN_ERR_FORMAT, "ELF program header %u: p_filesz 0x%x larger than p_memsz 0x%x", i,
                 filesz, memsz);
        if (align > 1 && (align & (align - 1)))
            FAIL(CAIRN_ERR_FORMAT, "ELF program header %u: p_align 0x%x is not a power of two", i, align);
        if (align > 1 && (vaddr - off) % align)
            FAIL(CAIRN_ERR_FORMAT, "ELF program header %u: p_vaddr 0x%x and p_offset 0x%x differ modulo p_align 0x%x",
                 i, vaddr, off, align);
        if (memsz > RV_ELF_MAX_MEMSZ || (total += memsz) > RV_ELF_MAX_MEMSZ)
            FAIL(CAIRN_ERR_LIMIT, "ELF program header %u: p_memsz 0x%x brings the loaded size over the 0x%x-byte limit",
                 i, memsz, RV_ELF_MAX_MEMSZ);
        if (vaddr < RV_MEM_MIN || (uint64_t)vaddr + memsz > (1ull << 32))
            FAIL(CAIRN_ERR_FORMAT, "ELF program header %u: segment [0x%x, 0x%llx) outside guest memory [0x%x, 0x100000000)",
                 i, vaddr, (unsigned long long)vaddr + memsz, RV_MEM_MIN);
        if (p->nsegs == RV_ELF_MAX_SEGMENTS)
            FAIL(CAIRN_ERR_LIMIT, "ELF program header %u: more than %u PT_LOAD segments", i, RV_ELF_MAX_SEGMENTS);
        rv_load_segment *s = &p->segs[p->nsegs];
        s->vaddr = vaddr;
        s->memsz = memsz;
        s->filesz = filesz;
        s->flags = flags;
        s->data = malloc(filesz ? filesz : 1);
        if (!s->data) FAIL(CAIRN_ERR_NOMEM, "ELF program header %u: no memory for 0x%x bytes", i, filesz);
        if (filesz) memcpy(s->data, e + off, filesz);
        p->nsegs++;
    }
    if (p->nsegs == 0) FAIL(CAIRN_ERR_FORMAT, "ELF has no loadable (PT_LOAD) segment with p_memsz > 0");
    qsort(p->segs, p->nsegs, sizeof p->segs[0], cmp_seg);
    for (size_t i = 1; i < p->nsegs; i++) {
        const rv_load_segment *a = &p->segs[i - 1], *b = &p->segs[i];
        if ((uint64_t)a->vaddr + a->memsz > b->vaddr)
            FAIL(CAIRN_ERR_FORMAT, "ELF segments overlap: [0x%x, 0x%llx) and [0x%x, 0x%llx)", a->vaddr,
                 (unsigned long long)a->vaddr + a->memsz, b->vaddr, (unsigned long long)b->vaddr + b->memsz);
    }
    if (entry % 4) FAIL(CAIRN_ERR_FORMAT, "ELF e_entry 0x%x is not 4-aligned", entry);
    {
        int found = 0;
        for (size_t i = 0; i < p->nsegs; i++) {
            const rv_load_segment *s = &p->segs[i];
            if ((s->flags & PF_X) && entry >= s->vaddr && (uint64_t)entry + 4 <= (uint64_t)s->vaddr + s->memsz)
                found = 1;
        }
        if (!found) FAIL(CAIRN_ERR_FORMAT, "ELF e_entry 0x%x is not inside an executable (PF_X) segment", entry);
    }
#undef FAIL
    *out = p;
    return CAIRN_OK;
fail:
    rv_program_free(p);
    return err;
}
