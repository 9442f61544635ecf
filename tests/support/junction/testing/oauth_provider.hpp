#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "junction/testing/http_client.hpp"
#include "junction/testing/process.hpp"
#include "junction/testing/temp_dir.hpp"

namespace junction::testing {

/// A real OAuth2 authorization server (oauth2-mock-server, pinned in tests/peers, run by
/// tests/peers/oauth2-server.mjs) on 127.0.0.1:0. `arguments` are the wrapper's switches
/// (`--token-ttl S`, `--client-id ID --client-secret S`, `--strict-code`, `--strict-refresh`).
/// Stopped on destruction.
class OAuthProvider {
public:
    explicit OAuthProvider(const std::vector<std::string>& arguments = {});

    [[nodiscard]] const std::string& Issuer() const { return issuer_; }
    [[nodiscard]] std::string AuthorizationUrl() const { return issuer_ + "/authorize"; }
    [[nodiscard]] std::string TokenUrl() const { return issuer_ + "/token"; }

    /// The token requests received so far (grant_type, client_auth, has_code_verifier, ...).
    [[nodiscard]] boost::json::array TokenRequests() const;
    /// Replaces the next `count` token answers with `status` and JSON `body`.
    void FailNext(int status, const std::string& body, int count = 1) const;
    /// Follows the provider's /authorize answer: the Location it redirects to.
    [[nodiscard]] std::string Authorize(const std::string& authorization_url) const;

private:
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
    std::string issuer_;
    HttpClient client_{""};
};

/// The value of query parameter `name` in `url` (percent-decoded), or "".
[[nodiscard]] std::string QueryParameter(const std::string& url, const std::string& name);

}  // namespace junction::testing
