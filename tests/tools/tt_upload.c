/* `pd_testtool upload PORT PATH BYTES`: one POST of BYTES zero bytes to
 * 127.0.0.1:PORT, sent in 64 KiB pieces a few milliseconds apart whatever
 * the server answers meanwhile, then the answer read to the end. Prints
 * "status=S sent=N/BYTES error=E" and exits 0 only if every byte went out
 * and a status line came back: a server that answers early (413) and then
 * closes without draining resets the connection, and a client still
 * sending sees EPIPE or ECONNRESET instead of its answer. */
#include "tt_upload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PIECE 65536

int tt_upload(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pd_testtool upload PORT PATH BYTES\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long long bytes = atoll(argv[3]);
    if (port <= 0 || bytes <= 0) {
        fprintf(stderr, "upload: bad PORT or BYTES\n");
        return 2;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("upload: connect");
        return 1;
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char head[1024];
    int hl = snprintf(head, sizeof(head),
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %lld\r\n\r\n",
                      argv[2], bytes);
    const char *error = "none";
    if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) != hl)
        error = strerror(errno);
    static char piece[PIECE];
    long long sent = 0;
    while (strcmp(error, "none") == 0 && sent < bytes) {
        size_t n = bytes - sent < PIECE ? (size_t)(bytes - sent) : PIECE;
        ssize_t w = send(fd, piece, n, MSG_NOSIGNAL);
        if (w < 0) {
            error = strerror(errno);
            break;
        }
        sent += w;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    char buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        if (have == sizeof(buf) - 1)
            break;
    }
    buf[have] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    printf("status=%d sent=%lld/%lld error=%s\n", status, sent, bytes, error);
    return status != 0 && sent == bytes ? 0 : 1;
}
