// TLS for rediss:// URLs, on OpenSSL: one client context per distinct set of files (the trust store
// or a CA file, a client certificate and key), loaded once and shared; a session per connection
// that sends the server name (SNI) and checks that the certificate holds it. Failures are worded
// with the file or name at fault and the URL parameter that changes it. Any thread.
#pragma once

#include "cache/redisurl.h"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace inv {

namespace RedisTls {

// Frees the session and what verification noted on it.
struct SslDeleter
{
    void operator()(SSL *ssl) const;
};
using Session = std::unique_ptr<SSL, SslDeleter>;

// Loads what `url`'s sessions need (the trust store or CA file, a client certificate), once per
// process and set of files, so that no connection's timeout pays for reading them. Throws as open().
void prepare(const RedisUrl &url);
// A client session for `url` over the connected socket `fd`, ready for SSL_connect. Throws
// CacheIoError when a file named in the URL cannot be loaded.
Session open(const RedisUrl &url, int fd);
// Why SSL_connect failed, in plain words with what to pass: the certificate's verification error,
// or OpenSSL's error queue (cleared here).
std::string handshakeFailure(const RedisUrl &url, SSL *ssl);
// OpenSSL's error queue as one line, cleared; `fallback` when it is empty.
std::string errorQueue(const char *fallback);

} // namespace RedisTls

} // namespace inv
