#pragma once

#include <memory>
#include <string>

#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction::testing {

/// Stoplight Prism (`@stoplight/prism-cli`, pinned in tests/peers) mocking a vendor's OpenAPI
/// document on 127.0.0.1:0: it answers with the document's examples and rejects requests that
/// break the document (422 or the operation's documented 4xx, `sl-violations` header; 401
/// when a declared security scheme is not satisfied). `spec` is a file name in
/// tests/fixtures/prism (see the README there). Start-up takes seconds: share one per suite.
/// Stopped on destruction.
class PrismMock {
public:
    explicit PrismMock(const std::string& spec);
    PrismMock(const PrismMock&) = delete;
    PrismMock& operator=(const PrismMock&) = delete;
    PrismMock(PrismMock&&) = delete;
    PrismMock& operator=(PrismMock&&) = delete;
    ~PrismMock();

    /// http://127.0.0.1:PORT (the document's paths hang directly off it).
    [[nodiscard]] const std::string& BaseUrl() const { return base_url_; }
    /// Prism's log so far (one block per request, violations included).
    [[nodiscard]] std::string Log() const;

private:
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
    std::string base_url_;
};

}  // namespace junction::testing
