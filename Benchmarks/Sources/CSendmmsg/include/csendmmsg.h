#pragma once
#include <netinet/in.h>
#include <stddef.h>

/// sendmmsg(2) (a GNU extension Glibc's Swift module does not show) of `count` datagrams,
/// each carrying the same `length` bytes of `payload`, to `destinations[i]`.
/// Returns how many were sent, or -1 with errno set.
int ct_sendmmsg_to(int fd, const struct sockaddr_in *destinations, unsigned count,
                   const void *payload, size_t length);
