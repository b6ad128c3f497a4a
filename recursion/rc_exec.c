/* The executor: runs a (valid) program on witness values with the native
 * field code (stark/gl.h, stark/p2.h). Each instruction computes exactly
 * what its constraint in the recursion VM's AIR forces
 * (docs/recursion.md); the trace generator (rc_air.c) takes the values of
 * every variable from rc_exec_run, so the AIR proves exactly this run. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "rc_internal.h"

cairn_err rc_exec_run(gl3_t *v, rc_exec_result *res, const rc_program *p, const gl_t *witness,
                      size_t n)
{
    rc_exec_result dummy;
    if (!res) res = &dummy;
    memset(res, 0, sizeof *res);
    res->reason = "";
    RETURN_ERROR_IF(n != p->ninputs, CAIRN_ERR_USAGE,
                    "rc_exec: the witness has %zu elements, the program reads %zu", n, p->ninputs);
    for (size_t i = 0; i < n; i++)
        RETURN_ERROR_IF(witness[i] >= GL_P, CAIRN_ERR_USAGE,
                        "rc_exec: witness element %zu is not canonical (>= p)", i);
    size_t wi = 0;
    for (size_t i = 0; i < p->nins; i++) {
        const rc_instr *in = &p->ins[i];
        const uint32_t *a = p->args + in->arg;
        gl3_t *d = v + in->dst;
        int ok = 1;
        switch (in->op) {
        case RC_CONST: *d = gl3_from_base(p->imm[in->extra]); break;
        case RC_INPUT: *d = gl3_from_base(witness[wi++]); break;
        case RC_ADD: *d = gl3_from_base(gl_add(v[a[0]].c[0], v[a[1]].c[0])); break;
        case RC_SUB: *d = gl3_from_base(gl_sub(v[a[0]].c[0], v[a[1]].c[0])); break;
        case RC_MUL: *d = gl3_from_base(gl_mul(v[a[0]].c[0], v[a[1]].c[0])); break;
        case RC_INV: *d = gl3_from_base(gl_inv(v[a[0]].c[0])); break; /* gl_inv(0) = 0 */
        case RC_SELECT: *d = v[a[0]].c[0] ? v[a[1]] : v[a[2]]; break;
        case RC_BITS: {
            gl_t x = v[a[0]].c[0];
            for (unsigned k = 0; k < in->n; k++) d[k] = gl3_from_base((x >> k) & 1);
            break;
        }
        case RC_E_CONST:
            *d = (gl3_t){{p->imm[in->extra], p->imm[in->extra + 1], p->imm[in->extra + 2]}};
            break;
        case RC_E_INPUT:
            *d = (gl3_t){{witness[wi], witness[wi + 1], witness[wi + 2]}};
            wi += 3;
            break;
        case RC_E_FROM_BASE: *d = gl3_from_base(v[a[0]].c[0]); break;
        case RC_E_ADD: *d = gl3_add(v[a[0]], v[a[1]]); break;
        case RC_E_SUB: *d = gl3_sub(v[a[0]], v[a[1]]); break;
        case RC_E_MUL: *d = gl3_mul(v[a[0]], v[a[1]]); break;
        case RC_E_MUL_BASE: *d = gl3_mul_base(v[a[0]], v[a[1]].c[0]); break;
        case RC_E_MUL_BASE_ADD: *d = gl3_add(v[a[2]], gl3_mul_base(v[a[0]], v[a[1]].c[0])); break;
        case RC_E_MUL_BASE_ADD2:
        case RC_E_HORNER2:
            *d = gl3_add(gl3_add(v[a[2]], gl3_mul_base(v[a[0]], v[a[1]].c[0])),
                         gl3_mul_base(v[a[3]], v[a[4]].c[0]));
            break;
        case RC_E_INV: *d = gl3_inv(v[a[0]]); break; /* gl3_inv(0) = 0 */
        case RC_E_SELECT: *d = v[a[0]].c[0] ? v[a[1]] : v[a[2]]; break;
        case RC_E_PARTS: {
            gl3_t x = v[a[0]];
            for (int k = 0; k < 3; k++) d[k] = gl3_from_base(x.c[k]);
            break;
        }
        case RC_PERMUTE: {
            gl_t s[P2_WIDTH];
            for (int k = 0; k < P2_WIDTH; k++) s[k] = v[a[k]].c[0];
            p2_permute(s);
            for (int k = 0; k < P2_WIDTH; k++) d[k] = gl3_from_base(s[k]);
            break;
        }
        case RC_PERMUTE_SWAP: {
            /* a[0] is the bit, a[1..13) the inputs */
            gl_t s[P2_WIDTH];
            for (unsigned k = 0; k < P2_WIDTH; k++) s[k] = v[a[1 + rc_swap_lane(k, v[a[0]].c[0] != 0)]].c[0];
            p2_permute(s);
            for (int k = 0; k < P2_WIDTH; k++) d[k] = gl3_from_base(s[k]);
            break;
        }
        case RC_ASSERT_EQ: ok = v[a[0]].c[0] == v[a[1]].c[0]; break;
        case RC_E_ASSERT_EQ: ok = gl3_eq(v[a[0]], v[a[1]]); break;
        default:
            return cairn_fail(CAIRN_ERR_INTERNAL, "rc_exec: opcode %u in a parsed program", in->op);
        }
        if (!ok && res->failures++ == 0) {
            res->failed_instr = i;
            res->reason = p->reasons[in->extra];
        }
    }
    res->accepted = res->failures == 0;
    RETURN_ERROR_IF(!res->accepted, CAIRN_ERR_VERIFY,
                    "recursion program: assertion at instruction %zu failed: %s", res->failed_instr,
                    res->reason);
    return CAIRN_OK;
}

cairn_err rc_exec(rc_exec_result *res, const rc_program *p, const gl_t *witness, size_t n)
{
    gl3_t *v = cairn_malloc_array(p->nvars + 1, sizeof *v);
    if (!v) return cairn_fail_nomem(SIZE_MAX, "rc_exec: out of memory for %zu variables", p->nvars);
    cairn_err e = rc_exec_run(v, res, p, witness, n);
    free(v);
    return e;
}
