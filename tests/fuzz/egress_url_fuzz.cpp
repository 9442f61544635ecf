// The egress URL check (http_client::EgressPolicy::CheckUrl), which every outbound URL built
// from a connector, a credential or a caller's input passes before any connection, and the
// CIDR parser of egress.allow_cidrs (Cidr::Parse).
//
// Input: one flag byte, then the URL. Flag bits: 1 allow_private_network, 2 the policy with
// allow_cidrs {10.1.0.0/16, fd00:1::/32} (plain http allowed into them), 4 allowed_hosts
// {*.example.com, api.test}. Seeds write the flags as an ASCII digit ('0'-'7').
//
// Invariants: a URL that passes has scheme https (http only with allow_cidrs), a non-empty
// lowercase host matching allowed_hosts, a port, host_and_port and target taken from the URL;
// an IP-literal host is judged by an independent statement of the rules (special-purpose
// ranges blocked, private ones only with allow_private_network, allow_cidrs the exception,
// IPv4-mapped and NAT64 addresses judged by their IPv4 address); a host the resolver would
// read as an IPv4 number (inet_aton: "127.1", "0x7f000001") gets the same verdict from
// CheckAddress, the check made on every connection.

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <boost/url/parse.hpp>
#include <netinet/in.h>

#include "fuzz_support.hpp"
#include "junction/http_client/egress_policy.hpp"

namespace {

using junction::fuzz::Check;
using junction::http_client::EgressPolicy;

struct Range {
    std::uint32_t network;
    int prefix;
    bool private_network;  // lifted by allow_private_network
};

constexpr std::uint32_t V4(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24U) | (b << 16U) | (c << 8U) | d;
}

constexpr std::array kV4Ranges{
    Range{V4(0, 0, 0, 0), 8, false},
    Range{V4(10, 0, 0, 0), 8, true},
    Range{V4(100, 64, 0, 0), 10, true},
    Range{V4(127, 0, 0, 0), 8, true},
    Range{V4(169, 254, 0, 0), 16, false},
    Range{V4(172, 16, 0, 0), 12, true},
    Range{V4(192, 0, 0, 0), 24, false},
    Range{V4(192, 168, 0, 0), 16, true},
    Range{V4(198, 18, 0, 0), 15, false},
    Range{V4(224, 0, 0, 0), 4, false},
    Range{V4(240, 0, 0, 0), 4, false},
};

bool InV4(std::uint32_t address, std::uint32_t network, int prefix) {
    const std::uint32_t mask =
        prefix == 0 ? 0 : ~std::uint32_t{0} << static_cast<unsigned>(32 - prefix);
    return (address & mask) == (network & mask);
}

// Whether the policy lets a connection to this IPv4 address through.
bool V4Allowed(std::uint32_t address, bool with_cidrs, bool private_ok, bool plain_http) {
    if (with_cidrs && InV4(address, V4(10, 1, 0, 0), 16)) {
        return true;
    }
    if (plain_http) {
        return false;
    }
    for (const Range& range : kV4Ranges) {
        if (InV4(address, range.network, range.prefix) && !(range.private_network && private_ok)) {
            return false;
        }
    }
    return true;
}

bool V6Allowed(const std::array<std::uint8_t, 16>& a,
               bool with_cidrs,
               bool private_ok,
               bool plain_http) {
    if (with_cidrs && a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x00 && a[3] == 0x01) {
        return true;
    }
    const auto v4_at_12 = [&] {
        return V4(a[12], a[13], a[14], a[15]);
    };
    const std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const std::array<std::uint8_t, 12> nat64{0, 0x64, 0xff, 0x9b};
    if (std::memcmp(a.data(), mapped.data(), 12) == 0 ||
        std::memcmp(a.data(), nat64.data(), 12) == 0) {
        return V4Allowed(v4_at_12(), with_cidrs, private_ok, plain_http);
    }
    if (plain_http) {
        return false;
    }
    bool zero_first_15 = true;
    for (std::size_t i = 0; i < 15; ++i) {
        zero_first_15 = zero_first_15 && a[i] == 0;
    }
    if (zero_first_15 && a[15] == 0) {
        return false;  // ::
    }
    if (zero_first_15 && a[15] == 1) {
        return private_ok;  // ::1
    }
    if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0U) == 0x80)) {
        return false;  // multicast, link-local
    }
    if ((a[0] & 0xfeU) == 0xfc) {
        return private_ok;  // ULA
    }
    return true;
}

bool IsSubstringOf(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

void FuzzCidr(std::string_view text) {
    const auto cidr = junction::http_client::Cidr::Parse(text);
    if (!cidr) {
        return;
    }
    Check(cidr->prefix_length >= 0 && cidr->prefix_length <= (cidr->v4 ? 32 : 128),
          "CIDR prefix out of range");
    Check(cidr->Contains(cidr->address.data(), cidr->v4), "a CIDR does not contain its network");
    Check(!cidr->Contains(cidr->address.data(), !cidr->v4), "a CIDR contains the other family");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static const EgressPolicy kDefault;
    static const EgressPolicy kWithCidrs = *EgressPolicy::Create({"10.1.0.0/16", "fd00:1::/32"});
    static const std::vector<std::string> kAnyHost;
    static const std::vector<std::string> kHosts{"*.example.com", "api.test"};

    const unsigned flags = data[0];
    const bool private_ok = (flags & 1U) != 0;
    const bool with_cidrs = (flags & 2U) != 0;
    const bool host_list = (flags & 4U) != 0;
    const std::string_view url = junction::fuzz::AsText(data + 1, size - 1);
    FuzzCidr(url);

    const EgressPolicy& policy = with_cidrs ? kWithCidrs : kDefault;
    const auto& allowed_hosts = host_list ? kHosts : kAnyHost;
    const auto parts = policy.CheckUrl(url, allowed_hosts, private_ok);
    if (!parts) {
        Check(parts.error().code == junction::ErrorCode::kUpstreamError,
              "CheckUrl fails only with kUpstreamError");
        return 0;
    }
    Check(!parts->plain_http || with_cidrs, "plain http passed without allow_cidrs");
    Check(!parts->host.empty(), "passed with an empty host");
    for (const char c : parts->host) {
        Check(!(c >= 'A' && c <= 'Z'), "host is not lowercase");
    }
    Check(parts->port != 0, "passed with port 0");
    Check(IsSubstringOf(parts->host_and_port, url), "host_and_port is not part of the URL");
    Check(IsSubstringOf(parts->target, url), "target is not part of the URL");
    Check(parts->target.empty() || parts->target.front() == '/' || parts->target.front() == '?',
          "target starts with neither '/' nor '?'");
    Check(parts->host_and_port.find('@') == std::string_view::npos, "userinfo in host_and_port");
    if (host_list) {
        Check(junction::http_client::HostMatches("*.example.com", parts->host) ||
                  junction::http_client::HostMatches("api.test", parts->host),
              "host outside allowed_hosts passed");
    }

    const auto view = boost::urls::parse_uri(url);
    Check(view.has_value(), "a URL that passed does not parse");
    if (view->host_type() == boost::urls::host_type::ipv4) {
        const auto bytes = view->host_ipv4_address().to_bytes();
        Check(V4Allowed(V4(bytes[0], bytes[1], bytes[2], bytes[3]),
                        with_cidrs,
                        private_ok,
                        parts->plain_http),
              "a blocked IPv4 literal passed");
    } else if (view->host_type() == boost::urls::host_type::ipv6) {
        Check(V6Allowed(
                  view->host_ipv6_address().to_bytes(), with_cidrs, private_ok, parts->plain_http),
              "a blocked IPv6 literal passed");
    } else {
        in_addr number{};
        if (inet_aton(parts->host.c_str(), &number) != 0) {
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_addr = number;
            const auto host_order = ntohl(number.s_addr);
            const auto at_connect = policy.CheckAddress(
                reinterpret_cast<const sockaddr*>(&address), private_ok, parts->plain_http);
            Check(at_connect.has_value() ==
                      V4Allowed(host_order, with_cidrs, private_ok, parts->plain_http),
                  "CheckAddress misjudges a numeric host");
        }
    }
    return 0;
}
