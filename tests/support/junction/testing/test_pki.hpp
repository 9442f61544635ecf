#pragma once

#include <string>

namespace junction::testing {

/// A throw-away certificate authority and one server certificate it signed, made fresh in
/// memory (EC P-256, valid from an hour ago for a day), for loopback TLS upstreams.
struct TestPki {
    std::string ca_pem{};           // the CA certificate: what a client must trust
    std::string server_cert_pem{};  // CN and SAN IP 127.0.0.1, SAN DNS localhost
    std::string server_key_pem{};   // the server certificate's private key (PKCS#8)
};

/// A new TestPki; aborts the test binary (FAIL) when OpenSSL cannot make one.
[[nodiscard]] TestPki MakeTestPki();

}  // namespace junction::testing
