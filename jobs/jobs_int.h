/* Shared between the files of the jobs module; not its interface
 * (jobs.h). */
#ifndef CAIRN_JOBS_JOBS_INT_H
#define CAIRN_JOBS_JOBS_INT_H

#include "jobs/jobs.h"

/* The run summary under /run of a proof job (jobs_finish): the values
 * cairn exec stores, and proof_bytes. */
cairn_err jobs_run_summary(h5s_job *w, const rv_state *final, uint64_t cycles, uint64_t nseg, unsigned po2,
                           uint64_t proof_bytes);

#endif
