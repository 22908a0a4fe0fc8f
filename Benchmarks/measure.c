/* measure NETNS CMD... : enters the named network namespace (/run/netns/NETNS), runs CMD
 * with stdout and stderr on /dev/null and prints "wall user sys maxrss_kib" (wall from
 * fork to reap; user, system and peak RSS from wait4, microsecond resolution).
 * A small static C launcher so that the peak RSS the kernel reports (which survives
 * execve) is the tool's, not the launcher's, and no `ip netns exec` cost is counted.
 * Built by run-kernel-bench.sh with `cc -O2 -static`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: measure NETNS CMD...\n"); return 2; }
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", argv[1]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) { perror(path); return 1; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double wall = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.6f %.6f %.6f %ld\n", wall,
           ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
    return 0;
}
