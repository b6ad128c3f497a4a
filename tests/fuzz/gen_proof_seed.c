/* Regenerates fuzz_proof_seed.h (not built by CMake; run by hand after a
 * change of the proof format or of the key digest):
 *   gcc -O1 -fopenmp -I. -Iinclude tests/fuzz/gen_proof_seed.c \
 *       build/stark/libcairn_stark.a build/common/libcairn_common.a -lm -o gen
 *   ./gen > tests/fuzz/fuzz_proof_seed.h */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include "stark/machines.h"
#include "stark/stark.h"
int main(void){
  air_machine *m; stark_machine_fib(&m);
  stark_params p; stark_params_preset(&p,"test"); p.queries=2;
  stark_pk *pk; stark_vk *vk; if(stark_setup(&pk,&vk,m,&p)) return 1;
  gl_t *main, pub[3]; stark_fib_trace(&main,pub,3,12345);
  stark_trace tr={main,3}; uint8_t *pf; size_t len;
  if(stark_prove(pk,&tr,pub,3,&pf,&len)) return 2;
  if(stark_verify(vk,pub,3,pf,len)) return 3;
  printf("/* Generated: a valid proof for the fuzz harness's key (fib, preset \"test\",\n * 2 queries, 2^3 rows, trace seed 12345). Regenerate if the proof format\n * or the key digest changes; the harness aborts at start if it is stale. */\n");
  printf("#ifndef FUZZ_PROOF_SEED_H\n#define FUZZ_PROOF_SEED_H\n#define FUZZ_SEED_QUERIES 2\n");
  printf("#define FUZZ_SEED_PUB {0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull}\n",pub[0],pub[1],pub[2]);
  printf("static const uint8_t fuzz_seed_proof[%zu] = {", len);
  for(size_t i=0;i<len;i++) printf("%s0x%02x,", i%16?"":"\n    ", pf[i]);
  printf("\n};\n#endif\n");
  return 0;
}
