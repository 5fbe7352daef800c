#include "http_exchange.h"

#include <curl/curl.h>
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

static pthread_once_t global_init = PTHREAD_ONCE_INIT;
static void init_curl(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

gptls_http_exchange *gptls_http_exchange_create(void) {
    pthread_once(&global_init, init_curl);
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
    curl_easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &status);
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
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, error_capacity, "cannot start an HTTP exchange (libcurl)");
        return GPTLS_HTTP_FAILED;
    }
    exchange->curl = curl;
    exchange->on_body = on_body;
    exchange->context = context;

    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    // Curl would otherwise ask for "100 Continue" before a large body and wait up to a second for it.
    list = curl_slist_append(list, "Expect:");

    char curl_error[CURL_ERROR_SIZE] = {0};
    long idle_seconds = idle_timeout_ms <= 0 ? 1 : (idle_timeout_ms + 999) / 1000;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, idle_timeout_ms <= 0 ? 1000L : idle_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, idle_seconds);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, exchange);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(curl, CURLOPT_CLOSESOCKETDATA, exchange);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, received);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, exchange);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, exchange);

    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    int outcome;
    if (gptls_http_exchange_is_cancelled(exchange)) {
        outcome = GPTLS_HTTP_CANCELLED;
    } else if (code == CURLE_OK) {
        outcome = GPTLS_HTTP_COMPLETE;
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        outcome = GPTLS_HTTP_TIMED_OUT;
    } else {
        outcome = GPTLS_HTTP_FAILED;
        snprintf(error, error_capacity, "%s", curl_error[0] ? curl_error : curl_easy_strerror(code));
    }
    curl_easy_cleanup(curl);
    curl_slist_free_all(list);
    exchange->curl = NULL;
    return outcome;
}
