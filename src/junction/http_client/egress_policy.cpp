#include "junction/http_client/egress_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <type_traits>

#include <arpa/inet.h>
#include <boost/url/parse.hpp>
#include <netinet/in.h>

#include "junction/core/ascii.hpp"
#include "junction/http_client/http_client.hpp"

namespace junction::http_client {
namespace {

constexpr std::string_view kEgressDenied = "egress_denied";
constexpr std::string_view kDeniedMessage = "Outbound request blocked by egress policy";

/// Who may lift a block: the connector's allow_private_network, or only allow_cidrs.
enum class Lift : std::uint8_t { kPrivateNetwork, kAllowCidrsOnly };

struct V4Range {
    std::array<std::uint8_t, 4> network{};
    int prefix_length = 0;
    Lift lift = Lift::kAllowCidrsOnly;
};

struct V6Range {
    std::array<std::uint8_t, 16> network{};
    int prefix_length = 0;
    Lift lift = Lift::kAllowCidrsOnly;
};

// Special-purpose ranges (RFC 6890 and successors) refused by default. allow_private_network
// lifts only ranges that name hosts on a private network (RFC 1918, CGNAT, loopback, ULA).
// Link-local (169.254/16 with the cloud metadata endpoint 169.254.169.254, fe80::/10),
// "this network", multicast and reserved ranges stay blocked even then: an on-prem API never
// lives there, and the metadata endpoint hands out cloud credentials.
constexpr std::array kV4Blocked{
    V4Range{{0, 0, 0, 0}, 8, Lift::kAllowCidrsOnly},       // "this network"
    V4Range{{10, 0, 0, 0}, 8, Lift::kPrivateNetwork},      // RFC 1918
    V4Range{{100, 64, 0, 0}, 10, Lift::kPrivateNetwork},   // CGNAT
    V4Range{{127, 0, 0, 0}, 8, Lift::kPrivateNetwork},     // loopback
    V4Range{{169, 254, 0, 0}, 16, Lift::kAllowCidrsOnly},  // link-local, metadata
    V4Range{{172, 16, 0, 0}, 12, Lift::kPrivateNetwork},   // RFC 1918
    V4Range{{192, 0, 0, 0}, 24, Lift::kAllowCidrsOnly},    // IETF protocol assignments
    V4Range{{192, 168, 0, 0}, 16, Lift::kPrivateNetwork},  // RFC 1918
    V4Range{{198, 18, 0, 0}, 15, Lift::kAllowCidrsOnly},   // benchmarking
    V4Range{{224, 0, 0, 0}, 4, Lift::kAllowCidrsOnly},     // multicast
    V4Range{{240, 0, 0, 0}, 4, Lift::kAllowCidrsOnly},     // reserved, broadcast
};

// Ranges may nest (::1 inside ::/96): the longest matching prefix decides.
constexpr std::array kV6Blocked{
    V6Range{{}, 128, Lift::kAllowCidrsOnly},                                                // ::
    V6Range{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, Lift::kPrivateNetwork},  // ::1
    // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291): a host with an automatic tunnel
    // (Linux sit0) sends these to the embedded IPv4 address. No API is reached this way, so
    // the whole range is refused rather than judged by the IPv4 address.
    V6Range{{}, 96, Lift::kAllowCidrsOnly},
    // Local-use NAT64 (RFC 8215): the translator's prefix length, and so where the IPv4
    // address sits in the address (RFC 6052), is a local choice we cannot know. Refused whole;
    // an operator who runs such a translator lists its prefix in egress.allow_cidrs.
    V6Range{{0, 0x64, 0xff, 0x9b, 0, 1}, 48, Lift::kAllowCidrsOnly},
    V6Range{{0xfc}, 7, Lift::kPrivateNetwork},         // ULA
    V6Range{{0xfe, 0x80}, 10, Lift::kAllowCidrsOnly},  // link-local
    V6Range{{0xff}, 8, Lift::kAllowCidrsOnly},         // multicast
};

// IPv6 prefixes whose last 32 bits are an IPv4 address that is what actually gets reached.
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::array<std::uint8_t, 12> kNat64Prefix{0, 0x64, 0xff, 0x9b};  // 64:ff9b::/96
// 6to4 (2002::/16, RFC 3056): bytes 2-5 are the IPv4 address of the site's relay, where a
// host with 6to4 configured sends the packet. Judged by that IPv4 address, as NAT64 is: a
// public relay passes, 2002:a9fe:a9fe:: (169.254.169.254) does not.
constexpr std::array<std::uint8_t, 2> k6to4Prefix{0x20, 0x02};
constexpr std::size_t k6to4V4Offset = 2;

bool PrefixMatches(const std::uint8_t* bytes, const std::uint8_t* network, int prefix_length) {
    const auto full = static_cast<std::size_t>(prefix_length / 8);
    if (std::memcmp(bytes, network, full) != 0) {
        return false;
    }
    const int rest = prefix_length % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xFFU << static_cast<unsigned>(8 - rest));
    return (bytes[full] & mask) == (network[full] & mask);
}

std::string_view StripTrailingDot(std::string_view host) {
    if (!host.empty() && host.back() == '.') {
        host.remove_suffix(1);
    }
    return host;
}

Error Denied(std::string detail, const std::string& host) {
    Error error = UpstreamError(kEgressDenied, std::string(kDeniedMessage), std::move(detail));
    if (!host.empty()) {
        error.extra["host"] = host;
    }
    return error;
}

std::string FormatIp(const std::uint8_t* bytes, bool v4) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (inet_ntop(v4 ? AF_INET : AF_INET6, bytes, text.data(), text.size()) == nullptr) {
        return "?";
    }
    return text.data();
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return Fail(
            ErrorCode::kInvalidArgument,
            "egress.allow_cidrs: invalid CIDR '" + std::string(text) + "': " + std::string(why));
    };
    const std::size_t slash = text.find('/');
    const std::string address(text.substr(0, slash));
    Cidr cidr;
    if (inet_pton(AF_INET, address.c_str(), cidr.address.data()) == 1) {
        cidr.v4 = true;
    } else if (inet_pton(AF_INET6, address.c_str(), cidr.address.data()) != 1) {
        return bad("not an IPv4 or IPv6 address");
    }
    const int max_length = cidr.v4 ? 32 : 128;
    cidr.prefix_length = max_length;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        int length = -1;
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
            length < 0 || length > max_length) {
            return bad("prefix length must be 0-" + std::to_string(max_length));
        }
        cidr.prefix_length = length;
    }
    // Bits after the prefix are almost always a typo (10.0.0.1/8 meant 10.0.0.0/8 or /32).
    const std::size_t size = cidr.v4 ? 4 : 16;
    for (auto bit = static_cast<std::size_t>(cidr.prefix_length); bit < size * 8; ++bit) {
        if ((cidr.address[bit / 8] & (0x80U >> (bit % 8))) != 0) {
            return bad("address has bits set after the prefix length");
        }
    }
    return cidr;
}

bool Cidr::Contains(const std::uint8_t* bytes, bool address_v4) const {
    return v4 == address_v4 && PrefixMatches(bytes, address.data(), prefix_length);
}

Result<EgressPolicy> EgressPolicy::Create(const std::vector<std::string>& allow_cidrs) {
    std::vector<Cidr> parsed;
    parsed.reserve(allow_cidrs.size());
    for (const std::string& text : allow_cidrs) {
        auto cidr = Cidr::Parse(text);
        if (!cidr) {
            return tl::unexpected(std::move(cidr.error()));
        }
        parsed.push_back(*cidr);
    }
    return EgressPolicy(std::move(parsed));
}

Result<UrlParts> EgressPolicy::CheckUrl(std::string_view url,
                                        const std::vector<std::string>& allowed_hosts,
                                        bool allow_private_network) const {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        return Fail(Denied("URL does not parse", ""));
    }
    const boost::urls::url_view& view = *parsed;
    // Boost.URL 1.81 reads "https://1.2.3.4.evil.com/" as host 1.2.3.4 and path ".evil.com/";
    // curl connects to 1.2.3.4.evil.com. After an authority the path is empty or starts with
    // '/' (RFC 3986 path-abempty): anything else is such a misreading (found by
    // tests/fuzz/egress_url_fuzz).
    if (const auto path = view.encoded_path(); !path.empty() && path.front() != '/') {
        return Fail(Denied("URL does not parse", ""));
    }
    const boost::urls::scheme scheme = view.scheme_id();
    const bool plain_http = scheme == boost::urls::scheme::http;
    if (scheme != boost::urls::scheme::https && !(plain_http && AllowsPlainHttp())) {
        return Fail(Denied("scheme '" + AsciiLowercase(view.scheme()) + "' is not allowed", ""));
    }
    if (view.has_userinfo()) {
        return Fail(Denied("URL carries userinfo", ""));
    }
    std::string host = AsciiLowercase(view.host_address());
    switch (view.host_type()) {
        case boost::urls::host_type::name:
            if (view.encoded_host().find('%') != boost::urls::string_view::npos || host.empty()) {
                return Fail(Denied("host is not a plain DNS name", ""));
            }
            break;
        case boost::urls::host_type::ipv4:
        case boost::urls::host_type::ipv6:
            break;
        case boost::urls::host_type::none:
        case boost::urls::host_type::ipvfuture:
            return Fail(Denied("URL has no usable host", ""));
    }
    if (!allowed_hosts.empty() &&
        std::none_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const std::string& pattern) {
            return HostMatches(pattern, host);
        })) {
        return Fail(Denied("host is not in allowed_hosts", std::string(StripTrailingDot(host))));
    }
    if (view.host_type() == boost::urls::host_type::ipv4) {
        const auto bytes = view.host_ipv4_address().to_bytes();
        if (auto checked = CheckIp(bytes.data(), true, allow_private_network, plain_http, host);
            !checked) {
            return tl::unexpected(std::move(checked.error()));
        }
    }
    if (view.host_type() == boost::urls::host_type::ipv6) {
        const auto bytes = view.host_ipv6_address().to_bytes();
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        std::memcpy(&address.sin6_addr, bytes.data(), bytes.size());
        if (auto checked = CheckAddress(
                reinterpret_cast<const sockaddr*>(&address), allow_private_network, plain_http);
            !checked) {
            return tl::unexpected(std::move(checked.error()));
        }
    }
    // An empty port ("https://host:/") is the scheme's default (RFC 3986 §3.2.3); 0 and ports
    // beyond 65535 (port_number() 0) are refused rather than connected to (found by
    // tests/fuzz/egress_url_fuzz).
    auto port = static_cast<std::uint16_t>(plain_http ? 80 : 443);
    if (view.has_port() && !view.port().empty()) {
        if (view.port_number() == 0) {
            return Fail(Denied("URL has an invalid port", std::string(StripTrailingDot(host))));
        }
        port = view.port_number();
    }
    const auto host_and_port = view.encoded_host_and_port();
    const auto target = view.encoded_target();
    return UrlParts{
        .plain_http = plain_http,
        .host = std::move(host),
        .port = port,
        .host_and_port = std::string_view(host_and_port.data(), host_and_port.size()),
        .target = std::string_view(target.data(), target.size()),
    };
}

Result<void> EgressPolicy::CheckAddress(const sockaddr* address,
                                        bool allow_private_network,
                                        bool plain_http) const {
    if (address == nullptr) {
        return Fail(Denied("no address", ""));
    }
    if (address->sa_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &v4.sin_addr, bytes.size());
        return CheckIp(
            bytes.data(), true, allow_private_network, plain_http, FormatIp(bytes.data(), true));
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
        const std::string host = FormatIp(bytes.data(), false);
        if (InAllowCidrs(bytes.data(), false)) {
            return Ok();
        }
        // An IPv4-mapped, NAT64 or 6to4 address reaches the embedded IPv4 address: judge that.
        if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin()) ||
            std::equal(kNat64Prefix.begin(), kNat64Prefix.end(), bytes.begin())) {
            return CheckIp(&bytes[12], true, allow_private_network, plain_http, host);
        }
        if (std::equal(k6to4Prefix.begin(), k6to4Prefix.end(), bytes.begin())) {
            return CheckIp(&bytes[k6to4V4Offset], true, allow_private_network, plain_http, host);
        }
        return CheckIp(bytes.data(), false, allow_private_network, plain_http, host);
    }
    return Fail(Denied("address family is not IPv4 or IPv6", ""));
}

Result<void> EgressPolicy::CheckIp(const std::uint8_t* bytes,
                                   bool v4,
                                   bool allow_private_network,
                                   bool plain_http,
                                   const std::string& host) const {
    if (InAllowCidrs(bytes, v4)) {
        return Ok();
    }
    if (plain_http) {
        return Fail(Denied("plain http is allowed only to egress.allow_cidrs", host));
    }
    // The most specific matching range decides whether allow_private_network lifts it.
    const auto refused_by = [&](const auto& ranges) {
        const typename std::decay_t<decltype(ranges)>::value_type* decisive = nullptr;
        for (const auto& range : ranges) {
            if (PrefixMatches(bytes, range.network.data(), range.prefix_length) &&
                (decisive == nullptr || range.prefix_length > decisive->prefix_length)) {
                decisive = &range;
            }
        }
        return decisive != nullptr &&
               (decisive->lift == Lift::kAllowCidrsOnly || !allow_private_network);
    };
    const bool refused = v4 ? refused_by(kV4Blocked) : refused_by(kV6Blocked);
    if (refused) {
        return Fail(Denied("address " + host + " is in a blocked range", host));
    }
    return Ok();
}

bool EgressPolicy::InAllowCidrs(const std::uint8_t* bytes, bool v4) const {
    return std::any_of(allow_cidrs_.begin(), allow_cidrs_.end(), [&](const Cidr& cidr) {
        return cidr.Contains(bytes, v4);
    });
}

bool HostMatches(std::string_view pattern, std::string_view host) {
    const std::string wanted = AsciiLowercase(StripTrailingDot(pattern));
    const std::string actual = AsciiLowercase(StripTrailingDot(host));
    if (wanted.empty() || actual.empty()) {
        return false;
    }
    if (!wanted.starts_with("*.")) {
        return wanted == actual;
    }
    const std::string_view suffix = std::string_view(wanted).substr(1);  // ".example.com"
    if (suffix.size() < 2 || !actual.ends_with(suffix) || actual.size() == suffix.size()) {
        return false;
    }
    const std::string_view label =
        std::string_view(actual).substr(0, actual.size() - suffix.size());
    return label.find('.') == std::string_view::npos;
}

}  // namespace junction::http_client
