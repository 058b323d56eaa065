#include "pd_file.h"

#include "pd_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pd_read_file(const char *path, size_t max, uint8_t **out, size_t *len, pd_err *err)
{
    *out = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pd_errf(err, -errno, "%s: %s", path, strerror(errno));
    pd_buf b;
    pd_buf_init(&b, max);
    int rc = 0;
    /* A regular file's size sizes the buffer once (one more byte to see the
     * end); pipes and growing files fall back to growing it. */
    struct stat st;
    size_t chunk = 65536;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
        chunk = (size_t)st.st_size + 1;
    for (;;) {
        if (pd_buf_reserve(&b, chunk) < 0 && pd_buf_reserve(&b, 1) < 0) {
            /* Full at exactly `max`: over it only if a byte follows. */
            char probe;
            ssize_t n = read(fd, &probe, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0)
                break;
            rc = n < 0 ? pd_errf(err, -errno, "%s: %s", path, strerror(errno))
                       : pd_errf(err, -E2BIG, "%s: larger than the limit of %zu bytes", path, max);
            break;
        }
        size_t room = b.cap - b.len;
        ssize_t n = read(fd, b.data + b.len, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pd_errf(err, -errno, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        chunk = 65536;
    }
    if (!is_stdin)
        close(fd);
    if (rc < 0) {
        pd_buf_free(&b);
        return rc;
    }
    *out = pd_buf_steal(&b, len);
    if (*out == NULL)
        *out = calloc(1, 1);
    return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int pd_write_file(const char *path, const uint8_t *data, size_t len, pd_err *err)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        int rc = write_all(STDOUT_FILENO, data, len);
        return rc < 0 ? pd_errf(err, rc, "stdout: %s", strerror(-rc)) : 0;
    }
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return pd_errf(err, -ENOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmp%d", path, (int)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = pd_errf(err, -errno, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        pd_errf(err, rc, "%s: %s", path, strerror(-rc));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

int pd_read_secret(const char *path, char **out, pd_err *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return 0;
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = pd_read_file(path, 4096, &data, &len, err);
    if (rc < 0)
        return rc;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
                       data[len - 1] == '\t'))
        len--;
    char *s = malloc(len + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, len);
    s[len] = '\0';
    free(data);
    *out = s;
    return 0;
}
