/* `pd_testtool hammer PORT PATH CONNS SECONDS [HEADER]`: CONNS kept-alive clients on
 * 127.0.0.1:PORT, each sending GET PATH again as soon as the answer is in,
 * reconnecting when the server closes, for SECONDS. Prints the number of
 * answers. The tight loop is the point: a server stopping under it sees
 * new requests on old connections at every turn of its loop. */
#define _GNU_SOURCE /* strcasestr */
#include "tt_hammer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct hammer {
    int port;
    const char *path;
    const char *header; /* "Name: value", or "" */
    time_t until;
    atomic_long answers;
} hammer;

/* One answer read from fd: 0, or -1 when the connection is gone. */
static int read_answer(int fd)
{
    char buf[65536];
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        if (have == sizeof(buf) - 1)
            return -1;
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(buf, "\r\ncontent-length:");
    long body = cl != NULL ? strtol(cl + 17, NULL, 10) : 0;
    long left = body - (long)(have - (size_t)(end + 4 - buf));
    while (left > 0) {
        ssize_t n = read(fd, buf, left < (long)sizeof(buf) ? (size_t)left : sizeof(buf));
        if (n <= 0)
            return -1;
        left -= n;
    }
    return 0;
}

static void *client(void *arg)
{
    hammer *h = arg;
    char req[1024];
    int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n", h->path,
                       h->header, h->header[0] ? "\r\n" : "");
    if (len < 0 || (size_t)len >= sizeof(req))
        return NULL;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)h->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (time(NULL) < h->until) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            if (fd >= 0)
                close(fd);
            usleep(10000);
            continue;
        }
        while (time(NULL) < h->until && write(fd, req, (size_t)len) == len && read_answer(fd) == 0)
            atomic_fetch_add(&h->answers, 1);
        close(fd);
    }
    return NULL;
}

int tt_hammer(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: pd_testtool hammer PORT PATH CONNS SECONDS [HEADER]\n");
        return 2;
    }
    hammer h = {atoi(argv[1]), argv[2], argc == 6 ? argv[5] : "", time(NULL) + atoi(argv[4]), 0};
    int conns = atoi(argv[3]);
    if (h.port <= 0 || conns <= 0 || conns > 256) {
        fprintf(stderr, "hammer: bad PORT or CONNS\n");
        return 2;
    }
    pthread_t t[256];
    int started = 0;
    for (; started < conns; started++)
        if (pthread_create(&t[started], NULL, client, &h) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    printf("%ld answers\n", atomic_load(&h.answers));
    return started == conns ? 0 : 1;
}
