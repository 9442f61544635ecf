#include "junction/testing/oauth_provider.hpp"

#include <filesystem>
#include <stdexcept>
#include <thread>

#include <boost/json/parse.hpp>

#include "junction/http/query.hpp"

namespace junction::testing {
namespace {

std::string PeersDir() {
    return (std::filesystem::path(SourceDir()) / "tests" / "peers").string();
}

}  // namespace

OAuthProvider::OAuthProvider(const std::vector<std::string>& arguments) {
    const std::string peers = PeersDir();
    if (!std::filesystem::exists(std::filesystem::path(peers) / "node_modules" /
                                 "oauth2-mock-server")) {
        throw std::runtime_error("tests/peers/node_modules is missing: run scripts/setup.sh");
    }
    // execve does not search PATH; env does (Node lives in /usr/bin or /usr/local/bin).
    std::vector<std::string> argv{
        "/usr/bin/env", "node", peers + "/oauth2-server.mjs", "--port", "0"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    process_ = std::make_unique<ChildProcess>(
        argv, std::map<std::string, std::string>{}, peers, dir_.File("oauth2-server"));
    // Ready = one JSON line on stdout carrying the issuer.
    for (int attempt = 0; attempt < 300 && issuer_.empty(); ++attempt) {
        const std::string out = process_->Out();
        const auto end = out.find('\n');
        if (end != std::string::npos) {
            const auto ready = boost::json::parse(out.substr(0, end));
            issuer_ = std::string(ready.at("issuer").as_string());
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (issuer_.empty()) {
        throw std::runtime_error("oauth2-server.mjs did not start: " + process_->Err());
    }
}

boost::json::array OAuthProvider::TokenRequests() const {
    const auto answer = client_.Send("GET", issuer_ + "/__testkit/requests");
    return answer.Json().as_array();
}

void OAuthProvider::FailNext(int status, const std::string& body, int count) const {
    const auto answer = client_.Send("POST",
                                     issuer_ + "/__testkit/fail-next",
                                     {"Content-Type: application/json"},
                                     R"({"status":)" + std::to_string(status) + R"(,"body":)" +
                                         body + R"(,"count":)" + std::to_string(count) + "}");
    if (answer.status != 200) {
        throw std::runtime_error("fail-next refused: " + answer.body);
    }
}

std::string OAuthProvider::Authorize(const std::string& authorization_url) const {
    const auto answer = client_.Send("GET", authorization_url);
    if (answer.status != 302) {
        throw std::runtime_error("provider /authorize answered " + std::to_string(answer.status) +
                                 ": " + answer.body);
    }
    return answer.Header("location").value_or("");
}

std::string QueryParameter(const std::string& url, const std::string& name) {
    const auto question = url.find('?');
    if (question == std::string::npos) {
        return "";
    }
    const auto hash = url.find('#', question);
    auto params = http::ParseQuery(url.substr(
        question + 1, hash == std::string::npos ? std::string::npos : hash - question - 1));
    if (!params) {
        return "";
    }
    return std::string(http::QueryValue(*params, name).value_or(""));
}

}  // namespace junction::testing
