#include "cache/redistls.h"

#include "errors.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <map>
#include <mutex>
#include <tuple>

namespace inv {

namespace {

// The first certificate that failed verification, as the verify callback saw it: by the time
// SSL_connect returns, the session may no longer hold the server's certificate.
struct Rejected
{
    long error = X509_V_OK;
    std::string subject;
    std::string issuer;
};

int rejectedIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

std::string subjectOf(X509 *certificate);
std::string issuerOf(X509 *certificate);

int noteRejection(int ok, X509_STORE_CTX *store)
{
    if (ok)
        return ok;
    auto *ssl = static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto *rejected = ssl ? static_cast<Rejected *>(SSL_get_ex_data(ssl, rejectedIndex())) : nullptr;
    if (rejected && rejected->error == X509_V_OK) {
        X509 *certificate = X509_STORE_CTX_get_current_cert(store);
        rejected->error = X509_STORE_CTX_get_error(store);
        rejected->subject = subjectOf(certificate);
        rejected->issuer = issuerOf(certificate);
    }
    return ok;
}

struct ContextDeleter
{
    void operator()(SSL_CTX *context) const { SSL_CTX_free(context); }
};
using Context = std::shared_ptr<SSL_CTX>;

bool isAddress(const std::string &name)
{
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

Context makeContext(const RedisUrl &url)
{
    Context context(SSL_CTX_new(TLS_client_method()), ContextDeleter{});
    if (!context)
        throw CacheIoError("cannot set up TLS: " + RedisTls::errorQueue("SSL_CTX_new failed"));
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, &noteRejection);
    SSL_CTX_set_mode(context.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!url.caFile.empty()) {
        if (SSL_CTX_load_verify_locations(context.get(), url.caFile.c_str(), nullptr) != 1)
            throw CacheIoError("cannot read the CA certificate '" + url.caFile + "' (cacert= in " +
                               url.display() + "): " + RedisTls::errorQueue("not a PEM certificate") +
                               "; give a readable PEM file of the CA that signed the server's certificate");
    } else if (SSL_CTX_set_default_verify_paths(context.get()) != 1) {
        throw CacheIoError("cannot load the system's trusted certificates: " +
                           RedisTls::errorQueue("no trust store") + "; pass the server's CA as ?cacert=FILE");
    }
    if (!url.certFile.empty()) {
        if (SSL_CTX_use_certificate_chain_file(context.get(), url.certFile.c_str()) != 1)
            throw CacheIoError("cannot read the client certificate '" + url.certFile + "' (cert= in " +
                               url.display() + "): " + RedisTls::errorQueue("not a PEM certificate"));
        if (SSL_CTX_use_PrivateKey_file(context.get(), url.keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
            throw CacheIoError("cannot read the client key '" + url.keyFile + "' (key= in " + url.display() +
                               "): " + RedisTls::errorQueue("not a PEM key"));
        if (SSL_CTX_check_private_key(context.get()) != 1)
            throw CacheIoError("the client key '" + url.keyFile + "' does not belong to the certificate '" +
                               url.certFile + "' (" + RedisTls::errorQueue("mismatch") + ")");
    }
    return context;
}

// One context per set of files: loading the trust store costs milliseconds, a connection should not.
Context contextFor(const RedisUrl &url)
{
    static std::mutex mutex;
    static std::map<std::tuple<std::string, std::string, std::string>, Context> contexts;
    const auto key = std::make_tuple(url.caFile, url.certFile, url.keyFile);
    std::lock_guard lock(mutex);
    auto &context = contexts[key];
    if (!context)
        context = makeContext(url);
    return context;
}

std::string subjectOf(X509 *certificate)
{
    if (!certificate)
        return "a certificate";
    char line[512] = {};
    X509_NAME_oneline(X509_get_subject_name(certificate), line, sizeof line);
    std::string names;
    auto *alternatives =
        static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; alternatives && i < sk_GENERAL_NAME_num(alternatives); ++i) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(alternatives, i);
        if (name->type == GEN_DNS) {
            const auto *text = ASN1_STRING_get0_data(name->d.dNSName);
            names += (names.empty() ? "" : ", ") + std::string("DNS:") +
                     std::string(reinterpret_cast<const char *>(text), ASN1_STRING_length(name->d.dNSName));
        } else if (name->type == GEN_IPADD) {
            names += (names.empty() ? "" : ", ") + std::string("an IP address");
        }
    }
    GENERAL_NAMES_free(alternatives);
    return std::string(line) + (names.empty() ? "" : " (" + names + ")");
}

std::string issuerOf(X509 *certificate)
{
    if (!certificate)
        return "its issuer";
    char line[512] = {};
    X509_NAME_oneline(X509_get_issuer_name(certificate), line, sizeof line);
    return line;
}

} // namespace

std::string RedisTls::errorQueue(const char *fallback)
{
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        const char *reason = ERR_reason_error_string(code);
        out += (out.empty() ? "" : "; ") + std::string(reason ? reason : text);
    }
    return out.empty() ? fallback : out;
}

void RedisTls::prepare(const RedisUrl &url)
{
    contextFor(url);
}

RedisTls::Session RedisTls::open(const RedisUrl &url, int fd)
{
    const Context context = contextFor(url);
    Session ssl(SSL_new(context.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 ||
        SSL_set_ex_data(ssl.get(), rejectedIndex(), new Rejected) != 1)
        throw CacheIoError("cannot set up TLS: " + errorQueue("SSL_new failed"));
    const std::string &name = url.verifiedName();
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl.get());
    if (isAddress(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl.get(), name.c_str());
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    }
    return ssl;
}

void RedisTls::SslDeleter::operator()(SSL *ssl) const
{
    delete static_cast<Rejected *>(SSL_get_ex_data(ssl, rejectedIndex()));
    SSL_free(ssl);
}

std::string RedisTls::handshakeFailure(const RedisUrl &url, SSL *ssl)
{
    const auto *rejected = static_cast<const Rejected *>(SSL_get_ex_data(ssl, rejectedIndex()));
    const std::string queue = errorQueue("");
    const std::string at = "the TLS handshake with Redis at " + url.display() + " failed: ";
    if (rejected && rejected->error != X509_V_OK) {
        const std::string why = X509_verify_cert_error_string(rejected->error);
        const std::string said = "the server's certificate did not verify (" + why + "); ";
        switch (rejected->error) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return at + said + "it is made out to " + rejected->subject + ", not to '" + url.verifiedName() +
                   "': connect by a name it holds, or pass that name as ?sni=NAME";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return at + said + rejected->subject + " is signed by " + rejected->issuer + ", which " +
                   (url.caFile.empty() ? std::string("the system's trust store")
                                       : "the CA file '" + url.caFile + "'") +
                   " does not hold: pass the CA that signed it as ?cacert=FILE";
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return at + said + "renew the server's certificate, or correct this machine's clock";
        default:
            return at + said + "check the server's certificate and the CA passed as ?cacert=FILE";
        }
    }
    return at + (queue.empty() ? std::string("the server closed the connection") : queue) +
           " (if that port does not speak TLS, use redis:// instead of rediss://; if the server requires a "
           "client certificate, pass ?cert=FILE&key=FILE)";
}

} // namespace inv
