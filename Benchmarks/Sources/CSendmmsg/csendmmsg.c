#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>
#include "csendmmsg.h"

enum { maxBatch = 256 };

int ct_sendmmsg_to(int fd, const struct sockaddr_in *destinations, unsigned count,
                   const void *payload, size_t length) {
    struct mmsghdr headers[maxBatch];
    struct iovec iov = { (void *)payload, length };
    if (count > maxBatch) count = maxBatch;
    memset(headers, 0, sizeof(headers[0]) * count);
    for (unsigned i = 0; i < count; i++) {
        headers[i].msg_hdr.msg_name = (void *)&destinations[i];
        headers[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        headers[i].msg_hdr.msg_iov = &iov;
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    return sendmmsg(fd, headers, count, 0);
}
