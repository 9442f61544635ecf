#include "junction/testing/http_client.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace junction::testing {
namespace {

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* result = static_cast<HttpResult*>(user);
    const std::string line(data, size * count);
    if (line.starts_with("HTTP/")) {
        result->headers.clear();  // a 100 Continue precedes the real response
    }
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
            return static_cast<char>(std::tolower(c));
        });
        std::string value = line.substr(colon + 1);
        const auto begin = value.find_first_not_of(' ');
        const auto end = value.find_last_not_of("\r\n ");
        value = begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
        result->headers.emplace_back(std::move(name), std::move(value));
    }
    return size * count;
}

}  // namespace

std::optional<std::string> HttpResult::Header(const std::string& lowercase_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lowercase_name) {
            return value;
        }
    }
    return std::nullopt;
}

boost::json::value HttpResult::Json() const {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    return ec ? boost::json::value(nullptr) : value;
}

std::string HttpResult::ErrorCode() const {
    const auto json = Json();
    const auto* error = json.is_object() ? json.as_object().if_contains("error") : nullptr;
    if (error == nullptr || !error->is_object() || !error->as_object().contains("code")) {
        return "";
    }
    return std::string(error->as_object().at("code").as_string());
}

std::string HttpResult::ErrorMessage() const {
    const auto json = Json();
    const auto* error = json.is_object() ? json.as_object().if_contains("error") : nullptr;
    if (error == nullptr || !error->is_object() || !error->as_object().contains("message")) {
        return "";
    }
    return std::string(error->as_object().at("message").as_string());
}

HttpResult HttpClient::Send(const std::string& method,
                            const std::string& path,
                            const std::vector<std::string>& headers,
                            const std::optional<std::string>& body) const {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        throw std::runtime_error("curl_easy_init failed");
    }
    HttpResult result;
    const std::string url = base_url_ + path;
    curl_slist* list = nullptr;
    for (const auto& header : headers) {
        list = curl_slist_append(list, header.c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip unless a test asks
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK && result.status == 0) {
        throw std::runtime_error(std::string("HTTP request failed: ") + curl_easy_strerror(code));
    }
    return result;
}

std::string SendRaw(std::uint16_t port, const std::string& raw, std::chrono::milliseconds timeout) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd);
        throw std::runtime_error("connect failed");
    }
    std::size_t sent = 0;
    while (sent < raw.size()) {
        const ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;  // the server may close early (e.g. 431) while we still send
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<char> buffer(64 * 1024);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd poll_fd{.fd = fd, .events = POLLIN, .revents = 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (::poll(&poll_fd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) {
            break;
        }
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            break;
        }
        received.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return received;
}

RawConnection::RawConnection(std::uint16_t port, const RawConnectionOptions& options)
    : fd_(::socket(AF_INET, SOCK_STREAM, 0)), port_(port) {
    if (!options.source_ip.empty()) {
        sockaddr_in source{};
        source.sin_family = AF_INET;
        if (::inet_pton(AF_INET, options.source_ip.c_str(), &source.sin_addr) != 1 ||
            ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot bind to " + options.source_ip);
        }
    }
    if (options.connect) {
        Connect();
    }
}

bool RawConnection::Connect() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    return connected_;
}

RawConnection::~RawConnection() {
    ::close(fd_);
}

bool RawConnection::Send(std::string_view data) const {
    return connected_ &&
           ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

std::string RawConnection::ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(needle) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
        if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        std::array<char, 4096> buffer{};
        const ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (got <= 0) {
            peer_closed_ = true;
            break;
        }
        received_.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return received_;
}

}  // namespace junction::testing
