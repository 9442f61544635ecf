#pragma once

#include <memory>
#include <string>

#include "junction/core/result.hpp"

// OpenSSL's X509_STORE, without its headers.
struct x509_store_st;

namespace junction::http_client::curl {

/// The certificate authorities outbound TLS trusts, read from disk once and shared by every
/// connection of every client in the process.
///
/// Why: Debian's libcurl is built with a CA path as well as a CA file, and libcurl 7.88 then
/// re-reads the whole bundle for every new connection (20 ms of an IO thread's time per TLS
/// handshake, bench/RESULTS.md). A client hands this store to each new connection instead
/// (CURLOPT_SSL_CTX_FUNCTION), so a handshake never touches the disk.
///
/// Thread-safety: immutable after Load; OpenSSL locks the store for concurrent verifications.
/// Lifetime: shared; connections hold their own reference to the store.
class TlsTrust {
public:
    /// Reads `system_bundle` (empty: the CA bundle libcurl was built with) and then
    /// `extra_file` (empty: none), both PEM files of certificates.
    /// kInvalidArgument naming the file when `extra_file` cannot be read or holds no
    /// certificate (an operator's setting: refusing to start beats failing every call later).
    /// A missing system bundle is not an error here: calls to public hosts then fail with
    /// `tls_error`, as they would with libcurl's own loading.
    [[nodiscard]] static Result<std::shared_ptr<const TlsTrust>> Load(
        const std::string& system_bundle, const std::string& extra_file);

    TlsTrust(const TlsTrust&) = delete;
    TlsTrust& operator=(const TlsTrust&) = delete;
    TlsTrust(TlsTrust&&) = delete;
    TlsTrust& operator=(TlsTrust&&) = delete;
    ~TlsTrust();

    /// The store; callers that keep it beyond this object's life take a reference
    /// (SSL_CTX_set1_cert_store does).
    [[nodiscard]] x509_store_st* Store() const { return store_; }
    /// How many certificates the store holds (logged at start-up; tests).
    [[nodiscard]] std::size_t CertificateCount() const;
    /// The system bundle that was read, or empty when there was none.
    [[nodiscard]] const std::string& SystemBundle() const { return system_bundle_; }

private:
    TlsTrust(x509_store_st* store, std::string system_bundle);

    x509_store_st* store_;
    std::string system_bundle_;
};

}  // namespace junction::http_client::curl
