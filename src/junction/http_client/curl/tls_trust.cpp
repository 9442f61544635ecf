#include "junction/http_client/curl/tls_trust.hpp"

#include <filesystem>
#include <system_error>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "junction/core/log.hpp"

namespace junction::http_client::curl {
namespace {

struct StoreDeleter {
    void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
using StorePtr = std::unique_ptr<X509_STORE, StoreDeleter>;

/// The CA bundle libcurl was built with ("/etc/ssl/certs/ca-certificates.crt" on Debian), or
/// empty when it has none.
std::string LibcurlDefaultBundle() {
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
        return {};
    }
    char* path = nullptr;
    std::string bundle;
    if (curl_easy_getinfo(easy, CURLINFO_CAINFO, &path) == CURLE_OK && path != nullptr) {
        bundle = path;
    }
    curl_easy_cleanup(easy);
    return bundle;
}

std::size_t CountCertificates(X509_STORE* store) {
    std::size_t count = 0;
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
        if (X509_OBJECT_get_type(sk_X509_OBJECT_value(objects, i)) == X509_LU_X509) {
            ++count;
        }
    }
    return count;
}

/// Adds every certificate of the PEM file at `path`; false when it cannot be read.
bool AddPemFile(X509_STORE* store, const std::string& path) {
    const bool loaded = X509_STORE_load_file(store, path.c_str()) == 1;
    ERR_clear_error();
    return loaded;
}

}  // namespace

TlsTrust::TlsTrust(X509_STORE* store, std::string system_bundle)
    : store_(store), system_bundle_(std::move(system_bundle)) {}

TlsTrust::~TlsTrust() {
    X509_STORE_free(store_);
}

std::size_t TlsTrust::CertificateCount() const {
    return CountCertificates(store_);
}

Result<std::shared_ptr<const TlsTrust>> TlsTrust::Load(const std::string& system_bundle,
                                                       const std::string& extra_file) {
    StorePtr store(X509_STORE_new());
    if (!store) {
        return Fail(ErrorCode::kUnavailable, "Could not create the TLS trust store");
    }
    // What libcurl does with the store it builds itself: an intermediate in the bundle is a
    // trust anchor, and the bundle's certificates are tried before those the peer sent.
    X509_STORE_set_flags(store.get(), X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);

    std::string bundle = system_bundle.empty() ? LibcurlDefaultBundle() : system_bundle;
    std::error_code ignored;
    if (bundle.empty() || !std::filesystem::is_regular_file(bundle, ignored) ||
        !AddPemFile(store.get(), bundle)) {
        LogEvent(spdlog::level::warn,
                 "no system CA bundle could be read: outbound TLS trusts only egress.ca_file",
                 {{"path", bundle}});
        bundle.clear();
    }
    if (!extra_file.empty()) {
        // Counted alone: certificates the system bundle already holds add nothing to `store`.
        const StorePtr alone(X509_STORE_new());
        if (!alone || !AddPemFile(alone.get(), extra_file) || CountCertificates(alone.get()) == 0 ||
            !AddPemFile(store.get(), extra_file)) {
            return Fail(ErrorCode::kInvalidArgument,
                        "egress.ca_file '" + extra_file +
                            "' could not be read as a PEM file of CA certificates");
        }
    }
    return std::shared_ptr<const TlsTrust>(new TlsTrust(store.release(), std::move(bundle)));
}

}  // namespace junction::http_client::curl
