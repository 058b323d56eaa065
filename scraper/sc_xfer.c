/* One transfer: option checks and the easy handle's configuration, and the
 * callbacks libcurl calls while it runs (body bytes, connection made). */
#include "sc_int.h"

#include "pd_mem.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SC_USER_AGENT "pprofd/" PPROFD_VERSION

/* Body bytes. A 2xx body goes into x->body up to max_body; past it the
 * transfer is aborted (too_large) without growing the buffer. Of any other
 * status only the start is kept, for the message; a long one is cut off. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    sc_xfer *x = ud;
    size_t n = size * nmemb;
    if (x->bytes == 0 && n > 0 && x->first_byte != NULL)
        x->first_byte(x->ctx);
    x->bytes += n;
    if (x->status == 0) {
        long code = 0;
        if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
            x->status = (int)code;
    }
    if (x->status >= 200 && x->status <= 299) {
        if (pd_buf_append(&x->body, ptr, n) < 0) {
            x->too_large = true;
            return 0; /* != n: libcurl aborts with CURLE_WRITE_ERROR */
        }
        return n;
    }
    size_t room = sizeof(x->errbody) - x->errlen;
    size_t take = n < room ? n : room;
    memcpy(x->errbody + x->errlen, ptr, take);
    x->errlen += take;
    if (x->errlen == sizeof(x->errbody) && n > 0) {
        x->cut = true;
        return 0;
    }
    return n;
}

/* Called once a connection is made or reused, before the request is sent. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    sc_xfer *x = ud;
    x->connected = true;
    return CURL_PREREQFUNC_OK;
}

/* Whether the URL's host is an IP address rather than a name. */
static bool host_is_ip(const char *url)
{
    const char *h = strstr(url, "://");
    if (h == NULL)
        return false;
    h += 3;
    char buf[64];
    size_t n = 0;
    if (*h == '[') { /* [v6]:port */
        h++;
        while (h[n] != '\0' && h[n] != ']' && n < sizeof(buf) - 1)
            n++;
    } else {
        while (h[n] != '\0' && h[n] != ':' && h[n] != '/' && h[n] != '?' && n < sizeof(buf) - 1)
            n++;
    }
    memcpy(buf, h, n);
    buf[n] = '\0';
    unsigned char addr[16];
    return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

static int check_opts(const pd_fetch_opts *o, pd_err *err)
{
    if (o->url == NULL ||
        (strncasecmp(o->url, "http://", 7) != 0 && strncasecmp(o->url, "https://", 8) != 0))
        return pd_errf(err, -EINVAL, "url %s: need http:// or https://",
                       o->url ? o->url : "(null)");
    if (o->timeout_ms <= 0 || o->timeout_ms > INT32_MAX)
        return pd_errf(err, -EINVAL, "%s: timeout_ms %lld out of range", o->url,
                       (long long)o->timeout_ms);
    if (o->connect_timeout_ms < 0 || o->connect_timeout_ms > INT32_MAX)
        return pd_errf(err, -EINVAL, "%s: connect_timeout_ms %lld out of range", o->url,
                       (long long)o->connect_timeout_ms);
    if (o->max_body == 0)
        return pd_errf(err, -EINVAL, "%s: max_body must be > 0", o->url);
    if (o->low_speed_window_s < 0 || o->low_speed_window_s > INT32_MAX ||
        (o->low_speed_window_s > 0 && o->low_speed_bytes <= 0))
        return pd_errf(err, -EINVAL, "%s: low speed needs a window >= 0 s and bytes > 0", o->url);
    return 0;
}

/* curl_easy_setopt with its result checked; jumps to `out` on failure. */
#define SC_SET(opt, val)                                                                           \
    do {                                                                                           \
        CURLcode c_ = curl_easy_setopt(x->easy, opt, val);                                         \
        if (c_ != CURLE_OK) {                                                                      \
            rc = pd_errf(err, c_ == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL, "%s: %s: %s", o->url, \
                         #opt, curl_easy_strerror(c_));                                            \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* Credentials and TLS files. */
static int set_auth_tls(sc_xfer *x, const pd_fetch_opts *o, pd_err *err)
{
    int rc = 0;
    if (o->bearer_token != NULL) {
        SC_SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        SC_SET(CURLOPT_XOAUTH2_BEARER, o->bearer_token);
    } else if (o->basic_user != NULL) {
        SC_SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SC_SET(CURLOPT_USERNAME, o->basic_user);
        SC_SET(CURLOPT_PASSWORD, o->basic_password ? o->basic_password : "");
    }
    if (o->ca_file != NULL)
        SC_SET(CURLOPT_CAINFO, o->ca_file);
    if (o->cert_file != NULL)
        SC_SET(CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file != NULL)
        SC_SET(CURLOPT_SSLKEY, o->key_file);
    if (o->insecure_skip_verify) {
        SC_SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SC_SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
out:
    return rc;
}

static int configure(pd_fetcher *f, sc_xfer *x, const pd_fetch_opts *o, pd_err *err)
{
    int rc = 0;
    int64_t connect_ms = o->connect_timeout_ms;
    if (connect_ms == 0)
        connect_ms = o->timeout_ms < 5000 ? o->timeout_ms : 5000;
    SC_SET(CURLOPT_URL, o->url);
    SC_SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SC_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SC_SET(CURLOPT_FOLLOWLOCATION, 0L);
    SC_SET(CURLOPT_NOSIGNAL, 1L);
    /* Never wait for a resolver thread when a transfer is removed early. */
    SC_SET(CURLOPT_QUICK_EXIT, 1L);
    SC_SET(CURLOPT_PRIVATE, (void *)x);
    SC_SET(CURLOPT_ERRORBUFFER, x->curl_err);
    SC_SET(CURLOPT_WRITEFUNCTION, on_write);
    SC_SET(CURLOPT_WRITEDATA, (void *)x);
    SC_SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SC_SET(CURLOPT_PREREQDATA, (void *)x);
    /* By hand, not CURLOPT_ACCEPT_ENCODING: the body must stay gzip. */
    SC_SET(CURLOPT_HTTPHEADER, f->header);
    SC_SET(CURLOPT_USERAGENT, SC_USER_AGENT);
    /* libcurl prunes its whole name cache (an entry per host and port, so
     * per target) at every resolve of a transfer whose entries can expire:
     * with 10,000 targets that walk was the scraper's largest cost. An IP
     * address never needs resolving again, so its entry never expires and
     * its transfers skip the walk; names keep libcurl's 60 s. */
    if (host_is_ip(o->url))
        SC_SET(CURLOPT_DNS_CACHE_TIMEOUT, -1L);
    /* A connection per transfer, closed after it. libcurl (7.88) walks
     * every connection it keeps at each finished transfer, and its pruning
     * of idle ones starts its walk over (polling each) for every one it
     * closes: with idle connections kept per target that was most of the
     * daemon's CPU at 10,000 targets, even with a 2 s idle age. A target
     * scraped every minute per type gains little from reuse, and none is
     * left holding idle connections for us. */
    SC_SET(CURLOPT_FORBID_REUSE, 1L);
    SC_SET(CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    SC_SET(CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    /* Refuses a Content-Length over the cap before any body byte. */
    SC_SET(CURLOPT_MAXFILESIZE_LARGE,
           (curl_off_t)(o->max_body > INT64_MAX ? INT64_MAX : (int64_t)o->max_body));
    if (o->low_speed_window_s > 0) {
        SC_SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
        SC_SET(CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_window_s);
    }
    rc = set_auth_tls(x, o, err);
out:
    return rc;
}

int sc_xfer_new(pd_fetcher *f, const pd_fetch_opts *o, sc_xfer **out, pd_err *err)
{
    *out = NULL;
    int rc = check_opts(o, err);
    if (rc < 0)
        return rc;
    sc_xfer *x = pd_xcalloc(1, sizeof(*x));
    pd_buf_init(&x->body, o->max_body);
    x->timeout_ms = o->timeout_ms;
    x->low_speed_window_s = o->low_speed_window_s;
    x->low_speed_bytes = o->low_speed_bytes;
    x->max_body = o->max_body;
    x->first_byte = o->first_byte;
    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        free(x);
        return pd_errf(err, -ENOMEM, "%s: curl_easy_init failed", o->url);
    }
    rc = configure(f, x, o, err);
    if (rc < 0) {
        sc_xfer_free(x);
        return rc;
    }
    x->start_ns = uv_hrtime();
    x->deadline_ns =
        x->start_ns + ((uint64_t)o->timeout_ms + SC_DEADLINE_GRACE_MS) * UINT64_C(1000000);
    *out = x;
    return 0;
}

void sc_xfer_free(sc_xfer *x)
{
    if (x == NULL)
        return;
    if (x->easy != NULL)
        curl_easy_cleanup(x->easy);
    pd_buf_free(&x->body);
    free(x);
}
