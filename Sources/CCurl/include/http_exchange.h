#ifndef GPTLS_HTTP_EXCHANGE_H
#define GPTLS_HTTP_EXCHANGE_H

#include <stddef.h>

// One HTTP exchange over libcurl, run to its end on the calling thread and cancellable from any other.
//
// Why not URLSession: on Linux, cancelling a URLSessionTask while its reply completes makes FoundationNetworking
// trap ("Trying to access a behaviour for a task that in not in the registry"), and the remote backend cancels
// exactly then (a stop rule firing as the stream ends, a supersede). Here cancelling shuts the connection's socket
// down, which ends the transfer at once, whatever state it is in, and the engine sees the connection close.
//
// libcurl is loaded (dlopen) by the first `perform`, not linked: a process that never sends a request never maps it,
// and one that cannot load it gets GPTLS_HTTP_FAILED saying so.

typedef struct gptls_http_exchange gptls_http_exchange;

// Called with each piece of the reply's body and the reply's status; returns nonzero to stop the exchange.
typedef int (*gptls_http_body_callback)(void *context, long status, const char *bytes, size_t count);

enum {
    GPTLS_HTTP_COMPLETE = 0,   // the whole reply arrived (any status)
    GPTLS_HTTP_CANCELLED = 1,  // cancelled, or the body callback asked to stop
    GPTLS_HTTP_TIMED_OUT = 2,  // no byte for the idle timeout (or no connection within it)
    GPTLS_HTTP_FAILED = 3,     // the connection failed; the reason is in `error`
};

gptls_http_exchange *gptls_http_exchange_create(void);
void gptls_http_exchange_destroy(gptls_http_exchange *exchange);

// Ends the exchange as soon as possible; safe from any thread, any number of times, before or during `perform`.
void gptls_http_exchange_cancel(gptls_http_exchange *exchange);

// Nonzero once `cancel` was called (or the body callback asked to stop).
int gptls_http_exchange_is_cancelled(gptls_http_exchange *exchange);

// Sends `method` to `url` with `headers` ("Name: value") and `body`, and reads the reply, handing its body to
// `on_body` piece by piece. `status` gets the reply's status (0 if none arrived). Returns one of the values above.
int gptls_http_exchange_perform(gptls_http_exchange *exchange, const char *method, const char *url,
                                const char *const *headers, size_t header_count,
                                const void *body, size_t body_length, long idle_timeout_ms,
                                gptls_http_body_callback on_body, void *context,
                                long *status, char *error, size_t error_capacity);

#endif
