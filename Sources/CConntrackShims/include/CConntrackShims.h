#ifndef CCONNTRACK_SHIMS_H
#define CCONNTRACK_SHIMS_H
// Tiny wrappers for libc calls that Swift's Glibc module does not expose
// (they need _GNU_SOURCE). No logic lives here.
#include <sys/types.h>

/// setns(2) for a network namespace (CLONE_NEWNET); returns 0 or -1 with errno set.
int ct_setns_net(int fd);
/// gettid(2).
pid_t ct_gettid(void);

#endif
