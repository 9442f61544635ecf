#include "junction/testing/prism_mock.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace junction::testing {
namespace {

constexpr std::string_view kReady = "Prism is listening on ";

}  // namespace

PrismMock::PrismMock(const std::string& spec) {
    const std::filesystem::path source(SourceDir());
    const auto peers = source / "tests" / "peers";
    const auto cli = peers / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js";
    if (!std::filesystem::exists(cli)) {
        throw std::runtime_error("tests/peers/node_modules is missing: run scripts/setup.sh");
    }
    const auto document = source / "tests" / "fixtures" / "prism" / spec;
    if (!std::filesystem::exists(document)) {
        throw std::runtime_error("no such Prism document: " + document.string());
    }
    // execve does not search PATH; env does. The default log level (info) is needed: Prism
    // 5.16 does not print its ready line at `-v warn`.
    const std::vector<std::string> argv{"/usr/bin/env",
                                        "node",
                                        cli.string(),
                                        "mock",
                                        "-h",
                                        "127.0.0.1",
                                        "-p",
                                        "0",
                                        document.string()};
    process_ = std::make_unique<ChildProcess>(
        argv, std::map<std::string, std::string>{}, peers.string(), dir_.File("prism"));
    // Ready = "... Prism is listening on http://127.0.0.1:PORT" (with the real port for -p 0).
    // A few seconds normally; generous for loaded CI machines and sanitizer builds.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (base_url_.empty() && std::chrono::steady_clock::now() < deadline) {
        const std::string out = process_->Out();
        const auto at = out.find(kReady);
        const auto end = at == std::string::npos ? at : out.find('\n', at);
        if (end != std::string::npos) {
            const auto begin = at + kReady.size();
            base_url_ = out.substr(begin, end - begin);
            while (!base_url_.empty() && (base_url_.back() == '\r' || base_url_.back() == ' ')) {
                base_url_.pop_back();
            }
            break;
        }
        if (process_->Wait(std::chrono::milliseconds(100)).has_value()) {
            throw std::runtime_error("prism exited: " + Log());
        }
    }
    if (base_url_.empty()) {
        throw std::runtime_error("prism did not start within 120 s: " + Log());
    }
}

PrismMock::~PrismMock() {
    if (process_) {
        process_->Signal(SIGTERM);
        (void)process_->Wait(std::chrono::seconds(5));
    }
}

std::string PrismMock::Log() const {
    return process_->Out() + process_->Err();
}

}  // namespace junction::testing
