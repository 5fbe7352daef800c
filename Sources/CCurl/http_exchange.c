#include "http_exchange.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct gptls_http_exchange {
    pthread_mutex_t lock;
    int cancelled;
    // The connection's socket while curl holds it open, else -1: only then may `cancel` shut it down (a closed
    // descriptor's number can be reused by any other file of the process).
    int socket;
    CURL *curl;
    gptls_http_body_callback on_body;
    void *context;
};

// libcurl, loaded the first time an exchange is performed rather than linked: linking maps libcurl and the dozen
// libraries it needs (TLS, HTTP/2, LDAP, Kerberos...) into every gptls process at start, some 5 MiB resident, and
// only a server that talks to a remote endpoint uses any of it. curl.h still gives the types and constants.
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    CURLcode (*easy_perform)(CURL *curl);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
} libcurl;
// Why loading failed ("" when it did not); written once, under `load_once`.
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
    static const char *const names[] = {"libcurl.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library; i++) library = dlopen(names[i], RTLD_NOW);
    if (!library) {
        snprintf(load_error, sizeof load_error, "libcurl could not be loaded (install libcurl4): %s", dlerror());
        return;
    }
    struct { void **slot; const char *symbol; } const functions[] = {
        {(void **)&libcurl.global_init, "curl_global_init"},
        {(void **)&libcurl.easy_init, "curl_easy_init"},
        {(void **)&libcurl.easy_setopt, "curl_easy_setopt"},
        {(void **)&libcurl.easy_getinfo, "curl_easy_getinfo"},
        {(void **)&libcurl.easy_perform, "curl_easy_perform"},
        {(void **)&libcurl.easy_cleanup, "curl_easy_cleanup"},
        {(void **)&libcurl.easy_strerror, "curl_easy_strerror"},
        {(void **)&libcurl.slist_append, "curl_slist_append"},
        {(void **)&libcurl.slist_free_all, "curl_slist_free_all"},
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        *functions[i].slot = dlsym(library, functions[i].symbol);
        if (!*functions[i].slot) {
            snprintf(load_error, sizeof load_error, "the loaded libcurl has no %s", functions[i].symbol);
            return;
        }
    }
    libcurl.global_init(CURL_GLOBAL_DEFAULT);
}

gptls_http_exchange *gptls_http_exchange_create(void) {
    gptls_http_exchange *exchange = calloc(1, sizeof *exchange);
    if (!exchange) return NULL;
    pthread_mutex_init(&exchange->lock, NULL);
    exchange->socket = -1;
    return exchange;
}

void gptls_http_exchange_destroy(gptls_http_exchange *exchange) {
    if (!exchange) return;
    pthread_mutex_destroy(&exchange->lock);
    free(exchange);
}

void gptls_http_exchange_cancel(gptls_http_exchange *exchange) {
    pthread_mutex_lock(&exchange->lock);
    exchange->cancelled = 1;
    if (exchange->socket >= 0) shutdown(exchange->socket, SHUT_RDWR);
    pthread_mutex_unlock(&exchange->lock);
}

int gptls_http_exchange_is_cancelled(gptls_http_exchange *exchange) {
    pthread_mutex_lock(&exchange->lock);
    int cancelled = exchange->cancelled;
    pthread_mutex_unlock(&exchange->lock);
    return cancelled;
}

static curl_socket_t open_socket(void *context, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    gptls_http_exchange *exchange = context;
    pthread_mutex_lock(&exchange->lock);
    curl_socket_t made = CURL_SOCKET_BAD;
    if (!exchange->cancelled) {
        made = socket(address->family, address->socktype, address->protocol);
        if (made >= 0) exchange->socket = made;
    }
    pthread_mutex_unlock(&exchange->lock);
    return made;
}

static int close_socket(void *context, curl_socket_t item) {
    gptls_http_exchange *exchange = context;
    pthread_mutex_lock(&exchange->lock);
    if (exchange->socket == item) exchange->socket = -1;
    pthread_mutex_unlock(&exchange->lock);
    return close(item);
}

static size_t received(char *bytes, size_t size, size_t count, void *context) {
    gptls_http_exchange *exchange = context;
    size_t length = size * count;
    if (gptls_http_exchange_is_cancelled(exchange)) return 0;  // a short count makes curl stop with CURLE_WRITE_ERROR
    long status = 0;
    libcurl.easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
    if (length > 0 && exchange->on_body(exchange->context, status, bytes, length) != 0) {
        gptls_http_exchange_cancel(exchange);
        return 0;
    }
    return length;
}

// Curl calls this at least once a second even while nothing arrives: a cancel during name resolution or connect
// (before there is a socket to shut down) ends the transfer here.
static int progress(void *context, curl_off_t down_total, curl_off_t down_now, curl_off_t up_total,
                    curl_off_t up_now) {
    (void)down_total; (void)down_now; (void)up_total; (void)up_now;
    return gptls_http_exchange_is_cancelled(context);
}

int gptls_http_exchange_perform(gptls_http_exchange *exchange, const char *method, const char *url,
                                const char *const *headers, size_t header_count,
                                const void *body, size_t body_length, long idle_timeout_ms,
                                gptls_http_body_callback on_body, void *context,
                                long *status, char *error, size_t error_capacity) {
    *status = 0;
    if (error_capacity > 0) error[0] = 0;
    pthread_once(&load_once, load_curl);
    if (load_error[0]) {
        snprintf(error, error_capacity, "%s", load_error);
        return GPTLS_HTTP_FAILED;
    }
    CURL *curl = libcurl.easy_init();
    if (!curl) {
        snprintf(error, error_capacity, "cannot start an HTTP exchange (libcurl)");
        return GPTLS_HTTP_FAILED;
    }
    exchange->curl = curl;
    exchange->on_body = on_body;
    exchange->context = context;

    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = libcurl.slist_append(list, headers[i]);
    // Curl would otherwise ask for "100 Continue" before a large body and wait up to a second for it.
    list = libcurl.slist_append(list, "Expect:");

    char curl_error[CURL_ERROR_SIZE] = {0};
    long idle_seconds = idle_timeout_ms <= 0 ? 1 : (idle_timeout_ms + 999) / 1000;
    libcurl.easy_setopt(curl, CURLOPT_URL, url);
    libcurl.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        libcurl.easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        libcurl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    }
    libcurl.easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    libcurl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    libcurl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    libcurl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, idle_timeout_ms <= 0 ? 1000L : idle_timeout_ms);
    libcurl.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    libcurl.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, idle_seconds);
    libcurl.easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    libcurl.easy_setopt(curl, CURLOPT_OPENSOCKETDATA, exchange);
    libcurl.easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    libcurl.easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, exchange);
    libcurl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, received);
    libcurl.easy_setopt(curl, CURLOPT_WRITEDATA, exchange);
    libcurl.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    libcurl.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
    libcurl.easy_setopt(curl, CURLOPT_XFERINFODATA, exchange);

    CURLcode code = libcurl.easy_perform(curl);
    libcurl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    int outcome;
    if (gptls_http_exchange_is_cancelled(exchange)) {
        outcome = GPTLS_HTTP_CANCELLED;
    } else if (code == CURLE_OK) {
        outcome = GPTLS_HTTP_COMPLETE;
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        outcome = GPTLS_HTTP_TIMED_OUT;
    } else {
        outcome = GPTLS_HTTP_FAILED;
        snprintf(error, error_capacity, "%s", curl_error[0] ? curl_error : libcurl.easy_strerror(code));
    }
    libcurl.easy_cleanup(curl);
    libcurl.slist_free_all(list);
    exchange->curl = NULL;
    return outcome;
}
