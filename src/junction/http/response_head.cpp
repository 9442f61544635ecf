#include "junction/http/response_head.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <boost/beast/http/status.hpp>

#include "junction/core/ascii.hpp"

namespace junction::http {
namespace {

constexpr std::array kServerOwnedNames{std::string_view("x-request-id"),
                                       std::string_view("connection"),
                                       std::string_view("content-length"),
                                       std::string_view("transfer-encoding")};

bool IsServerOwned(std::string_view name) {
    return std::any_of(kServerOwnedNames.begin(),
                       kServerOwnedNames.end(),
                       [name](std::string_view owned) { return AsciiIEquals(name, owned); });
}

bool IsSafeName(std::string_view name) {
    return !name.empty() &&
           name.find_first_of(std::string_view(" \t:\r\n\0", 6)) == std::string_view::npos;
}

bool IsSafeValue(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Whether a later header has the same name: that one wins.
bool IsOverridden(const Headers& headers, std::size_t index) {
    for (std::size_t later = index + 1; later < headers.size(); ++later) {
        if (AsciiIEquals(headers[later].first, headers[index].first)) {
            return true;
        }
    }
    return false;
}

bool MayCarryContentLength(int status) {
    return status >= 200 && status != 204 && status != 304;
}

void AppendNumber(std::string& out, std::uint64_t number) {
    std::array<char, 24> digits{};
    const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
    out.append(digits.data(), end);
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

}  // namespace

std::string FormatResponseHead(const HttpResponse& response, const ResponseHeadFields& fields) {
    std::string head;
    std::size_t size = 128 + fields.request_id.size();
    for (const auto& [name, value] : response.headers) {
        size += name.size() + value.size() + 4;
    }
    head.reserve(size);

    head.append(fields.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    AppendNumber(head, static_cast<std::uint64_t>(response.status));
    head.push_back(' ');
    const boost::beast::string_view reason = boost::beast::http::obsolete_reason(
        static_cast<boost::beast::http::status>(response.status));
    head.append(reason.data(), reason.size());
    head.append("\r\n");

    for (std::size_t i = 0; i < response.headers.size(); ++i) {
        const auto& [name, value] = response.headers[i];
        if (!IsSafeName(name) || !IsSafeValue(value) || IsServerOwned(name) ||
            IsOverridden(response.headers, i)) {
            continue;
        }
        AppendHeader(head, name, value);
    }
    if (IsSafeValue(fields.request_id)) {
        AppendHeader(head, "X-Request-Id", fields.request_id);
    }
    if (fields.version == 10 && fields.keep_alive) {
        AppendHeader(head, "Connection", "keep-alive");
    } else if (fields.version != 10 && !fields.keep_alive) {
        AppendHeader(head, "Connection", "close");
    }
    if (fields.framing == BodyFraming::kChunked) {
        AppendHeader(head, "Transfer-Encoding", "chunked");
    } else if (MayCarryContentLength(response.status)) {
        head.append("Content-Length: ");
        AppendNumber(head, fields.content_length);
        head.append("\r\n");
    }
    head.append("\r\n");
    return head;
}

}  // namespace junction::http
