/* The result of a finished transfer: libcurl's code and the HTTP answer
 * mapped to a stable reason, a one-line message, Retry-After. */
#include "sc_int.h"

#include "pd_clock.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "http_100" .. "http_599", built at compile time so reasons stay static. */
#define SC_R10(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"
#define SC_R100(p)                                                                                 \
    SC_R10(p "0"), SC_R10(p "1"), SC_R10(p "2"), SC_R10(p "3"), SC_R10(p "4"), SC_R10(p "5"),      \
        SC_R10(p "6"), SC_R10(p "7"), SC_R10(p "8"), SC_R10(p "9")
static const char *const http_reasons[500] = {
    SC_R100("http_1"), SC_R100("http_2"), SC_R100("http_3"), SC_R100("http_4"), SC_R100("http_5")};

const char *sc_http_reason(int status)
{
    if (status < 100 || status > 599)
        return NULL;
    return http_reasons[status - 100];
}

const char *pd_scrape_reason_name(pd_scrape_reason code, int status)
{
    static const char *const names[] = {
        [PD_SCRAPE_OK] = "ok",
        [PD_SCRAPE_CONNECT] = "connect",
        [PD_SCRAPE_TIMEOUT] = "timeout",
        [PD_SCRAPE_SLOW] = "slow",
        [PD_SCRAPE_TOO_LARGE] = "too_large",
        [PD_SCRAPE_HTTP] = "error",
        [PD_SCRAPE_CPU_IN_USE] = "cpu_in_use",
        [PD_SCRAPE_RETRY_LATER] = "retry_later",
        [PD_SCRAPE_EMPTY] = "empty",
        [PD_SCRAPE_TLS] = "tls",
        [PD_SCRAPE_ABORTED] = "aborted",
        [PD_SCRAPE_ERROR] = "error",
        [PD_SCRAPE_INVALID_PROFILE] = "invalid_profile",
    };
    if (code == PD_SCRAPE_HTTP && sc_http_reason(status) != NULL)
        return sc_http_reason(status);
    if ((size_t)code >= sizeof(names) / sizeof(names[0]))
        return "error";
    return names[code];
}

static void set_reason(pd_fetch_result *r, pd_scrape_reason code)
{
    r->code = code;
    r->reason = pd_scrape_reason_name(code, r->status);
}

int64_t sc_retry_after_ms(const char *v, time_t now)
{
    if (v == NULL)
        return -1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (isdigit((unsigned char)*v)) {
        int64_t s = 0;
        for (; isdigit((unsigned char)*v); v++) {
            if (s > INT64_MAX / 10000)
                return -1;
            s = s * 10 + (*v - '0');
        }
        while (*v == ' ' || *v == '\t')
            v++;
        return *v == '\0' ? s * 1000 : -1;
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : ((int64_t)t - (int64_t)now) * 1000;
}

void sc_first_line(char *dst, size_t cap, const char *src, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '\n' || c == '\r')
            break;
        dst[j++] = c == '\t' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    while (j > 0 && dst[j - 1] == ' ')
        j--;
    dst[j] = '\0';
}

/* Retry-After of the answer, through libcurl's header API. */
static int64_t retry_after(sc_xfer *x)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return -1;
    return sc_retry_after_ms(h->value, (time_t)(pd_now_ns() / 1000000000));
}

/* A complete answer (or a non-2xx one cut short). */
static void from_http(sc_xfer *x, pd_fetch_result *r)
{
    int st = r->status;
    if (st >= 200 && st <= 299) {
        if (x->body.len == 0) {
            set_reason(r, PD_SCRAPE_EMPTY);
            snprintf(r->message, sizeof(r->message), "HTTP %d with an empty body", st);
            return;
        }
        set_reason(r, PD_SCRAPE_OK);
        r->body = pd_buf_steal(&x->body, &r->len);
        snprintf(r->message, sizeof(r->message), "HTTP %d, %zu bytes", st, r->len);
        return;
    }
    char line[201];
    sc_first_line(line, sizeof(line), x->errbody, x->errlen);
    const char *sep = line[0] ? ": " : "";
    set_reason(r, PD_SCRAPE_HTTP);
    if (st == 429 || st == 503) {
        set_reason(r, PD_SCRAPE_RETRY_LATER);
        r->retry_after_ms = retry_after(x);
        if (r->retry_after_ms >= 0) {
            snprintf(r->message, sizeof(r->message), "HTTP %d%s%s (retry after %" PRId64 " s)", st,
                     sep, line, (r->retry_after_ms + 999) / 1000);
            return;
        }
    } else if (st == 500 && strstr(line, "cpu profiling already in use") != NULL) {
        set_reason(r, PD_SCRAPE_CPU_IN_USE);
    }
    snprintf(r->message, sizeof(r->message), "HTTP %d%s%s", st, sep, line);
}

/* libcurl's own text, or the generic one for its code. */
static void curl_text(sc_xfer *x, CURLcode rc, pd_fetch_result *r)
{
    const char *t = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
    sc_first_line(r->message, sizeof(r->message), t, strlen(t));
}

static bool is_connect_error(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
           rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

static bool is_tls_error(CURLcode rc)
{
    return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
           rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ENGINE_NOTFOUND ||
           rc == CURLE_SSL_ENGINE_SETFAILED || rc == CURLE_SSL_ENGINE_INITFAILED ||
           rc == CURLE_SSL_SHUTDOWN_FAILED || rc == CURLE_SSL_CRL_BADFILE ||
           rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
           rc == CURLE_SSL_INVALIDCERTSTATUS || rc == CURLE_SSL_CLIENTCERT ||
           rc == CURLE_USE_SSL_FAILED;
}

static void timed_out(sc_xfer *x, CURLcode rc, pd_fetch_result *r)
{
    if (!x->connected) {
        set_reason(r, PD_SCRAPE_CONNECT);
        curl_text(x, rc, r);
    } else if (x->low_speed_window_s > 0 && r->duration_ms < x->timeout_ms) {
        set_reason(r, PD_SCRAPE_SLOW);
        snprintf(r->message, sizeof(r->message),
                 "slower than %ld bytes/s for %" PRId64 " s (%zu bytes in %" PRId64 " ms)",
                 x->low_speed_bytes, x->low_speed_window_s, x->bytes, r->duration_ms);
    } else {
        set_reason(r, PD_SCRAPE_TIMEOUT);
        snprintf(r->message, sizeof(r->message),
                 "timed out after %" PRId64 " ms (%zu bytes received)", r->duration_ms, x->bytes);
    }
}

static void from_curl(sc_xfer *x, CURLcode rc, pd_fetch_result *r)
{
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->cut)) {
        from_http(x, r);
    } else if ((rc == CURLE_WRITE_ERROR && x->too_large) || rc == CURLE_FILESIZE_EXCEEDED) {
        set_reason(r, PD_SCRAPE_TOO_LARGE);
        snprintf(r->message, sizeof(r->message), "body over the limit of %zu bytes", x->max_body);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        timed_out(x, rc, r);
    } else if (is_connect_error(rc) && !x->connected && x->timeout_ms > 0 &&
               r->duration_ms >= x->timeout_ms) {
        /* The deadline passed before the connection was made (the transfer
         * waited for its turn, or the loop stalled): curl then reports the
         * step it was at, but the cause is time. */
        set_reason(r, PD_SCRAPE_TIMEOUT);
        snprintf(r->message, sizeof(r->message), "timed out after %" PRId64 " ms before connecting",
                 r->duration_ms);
    } else if (is_connect_error(rc)) {
        set_reason(r, PD_SCRAPE_CONNECT);
        curl_text(x, rc, r);
    } else if (is_tls_error(rc)) {
        set_reason(r, PD_SCRAPE_TLS);
        curl_text(x, rc, r);
    } else {
        set_reason(r, PD_SCRAPE_ERROR);
        curl_text(x, rc, r);
    }
}

void sc_result_build(sc_xfer *x, sc_end how, CURLcode rc, pd_fetch_result *r)
{
    memset(r, 0, sizeof(*r));
    r->retry_after_ms = -1;
    r->bytes = x->bytes;
    r->sent = x->connected;
    uint64_t took_ns = uv_hrtime() - x->start_ns;
    r->duration_ms = (int64_t)(took_ns / 1000000);
    r->started_ns = pd_now_ns() - (int64_t)took_ns;
    long code = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
        r->status = (int)code;
    if (how == SC_END_ABORTED) {
        set_reason(r, PD_SCRAPE_ABORTED);
        snprintf(r->message, sizeof(r->message), "aborted after %" PRId64 " ms", r->duration_ms);
    } else if (how == SC_END_DEADLINE) {
        set_reason(r, PD_SCRAPE_TIMEOUT);
        snprintf(r->message, sizeof(r->message), "timed out after %" PRId64 " ms%s", r->duration_ms,
                 x->connected ? "" : " waiting for a connection");
    } else {
        from_curl(x, rc, r);
    }
}
