#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "CConntrackShims.h"

int ct_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }
pid_t ct_gettid(void) { return (pid_t)syscall(SYS_gettid); }
