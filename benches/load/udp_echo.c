/* The baseline of the load benchmark: the least a program can do for N
 * RTP streams with a socket each, as Trunkline has: one thread, epoll, and
 * every datagram sent straight back to its sender.
 *
 * Usage: udp_echo N   binds N UDP sockets on 127.0.0.1 (ports picked by
 * the kernel), prints each port on its own line, then "ready", and echoes
 * until killed or stdin closes. Each line on stdin makes it print how many
 * datagrams it has echoed so far. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: udp_echo STREAMS\n");
        return 2;
    }
    int n = atoi(argv[1]);
    int ep = epoll_create1(0);
    if (ep < 0) { perror("epoll_create1"); return 1; }
    for (int i = 0; i < n; i++) {
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
            getsockname(s, (struct sockaddr *)&a, &len) < 0) {
            perror("socket/bind");
            return 1;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = s };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0) { perror("epoll_ctl"); return 1; }
        printf("%u\n", ntohs(a.sin_port));
    }
    struct epoll_event in = { .events = EPOLLIN, .data.fd = 0 };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in) < 0) { perror("epoll_ctl stdin"); return 1; }
    unsigned long long echoed = 0;
    printf("ready\n");
    fflush(stdout);
    struct epoll_event ready[256];
    unsigned char buf[2048];
    for (;;) {
        int k = epoll_wait(ep, ready, 256, -1);
        if (k < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < k; i++) {
            int s = ready[i].data.fd;
            if (s == 0) {
                if (read(0, buf, sizeof buf) <= 0) return 0;
                printf("%llu\n", echoed);
                fflush(stdout);
                continue;
            }
            for (;;) {
                struct sockaddr_storage from;
                socklen_t flen = sizeof from;
                ssize_t got = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
                if (got < 0) break;
                if (sendto(s, buf, (size_t)got, 0, (struct sockaddr *)&from, flen) == got) echoed++;
            }
        }
    }
}
