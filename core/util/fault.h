/*
 * Fault points for crash tests (PostgreSQL's INJECTION_POINT idea).
 *
 * Compiled in only with --enable-fault-points (test builds).  Armed by
 * LEADLEDGER_FAULT="name:N": the Nth time the named point is reached the
 * process raises SIGKILL, as an operator's kill -9 would.
 */
#ifndef LL_FAULT_H
#define LL_FAULT_H

#ifdef LL_ENABLE_FAULT_POINTS
void ll_fault_point(const char *name);
#define LL_FAULT_POINT(name) ll_fault_point(name)
#else
#define LL_FAULT_POINT(name) ((void)0)
#endif

#endif
