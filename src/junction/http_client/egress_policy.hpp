#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/socket.h>

#include "junction/core/result.hpp"

namespace junction::http_client {

/// An IPv4 or IPv6 network, e.g. 127.0.0.1/32 or fc00::/7. IPv4 is kept as such (not mapped).
struct Cidr {
    std::array<std::uint8_t, 16> address{};  // network bytes; IPv4 uses the first 4
    int prefix_length = 0;
    bool v4 = false;

    /// kInvalidArgument naming `text` unless it is "ADDRESS/PREFIX" (or a bare address, meaning
    /// one host) with no bits set after the prefix.
    [[nodiscard]] static Result<Cidr> Parse(std::string_view text);
    [[nodiscard]] bool Contains(const std::uint8_t* bytes, bool address_v4) const;
};

/// What EgressPolicy::CheckUrl learned of a URL it let pass. The views point into that URL.
struct UrlParts {
    bool plain_http = false;         // scheme http (else https)
    std::string host;                // lowercase; an IPv6 literal without brackets
    std::uint16_t port = 0;          // as written, else the scheme's default
    std::string_view host_and_port;  // as written, for a Host header
    std::string_view target;         // path and query as written; empty when the URL has none
};

/// Where outbound calls may go (DESIGN.md §11, API.md §3.2 step 6). Pure and immutable:
/// thread-safe, cheap to copy.
///
/// Rules:
///  - Scheme https. Plain http only when `egress.allow_cidrs` is non-empty (test setups and
///    operators with internal plain-HTTP services), and then only to an address inside one of
///    those CIDRs: cleartext never leaves for the internet.
///  - Host: matches one of the request's `allowed_hosts` (case-insensitive; "*.x.com" matches
///    exactly one extra label); empty list = any host. No userinfo in URLs.
///  - Address actually connected: the special-purpose ranges below are refused, in their
///    IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) forms too, unless inside
///    `allow_cidrs` (the operator's explicit, global exception) or the range is private and
///    the connector sets allow_private_network.
///
/// Errors are kUpstreamError with details.reason "egress_denied" and details.host.
class EgressPolicy {
public:
    /// No exceptions: https only, every special-purpose range blocked.
    EgressPolicy() = default;

    /// kInvalidArgument naming the first bad entry of `allow_cidrs`.
    [[nodiscard]] static Result<EgressPolicy> Create(const std::vector<std::string>& allow_cidrs);

    /// Checks scheme, userinfo and host of an absolute URL (and, for an IP-literal host, the
    /// address rules, so such a call fails before any connection). On success, the parts a
    /// client needs to connect, so it need not parse the URL again.
    [[nodiscard]] Result<UrlParts> CheckUrl(std::string_view url,
                                            const std::vector<std::string>& allowed_hosts,
                                            bool allow_private_network) const;

    /// Checks an address about to be connected (AF_INET or AF_INET6; anything else is
    /// refused). `plain_http`: the connection will carry cleartext HTTP, which is allowed only
    /// to an address inside allow_cidrs.
    [[nodiscard]] Result<void> CheckAddress(const sockaddr* address,
                                            bool allow_private_network,
                                            bool plain_http = false) const;

    /// True when plain http URLs pass CheckUrl (allow_cidrs is non-empty).
    [[nodiscard]] bool AllowsPlainHttp() const { return !allow_cidrs_.empty(); }

private:
    explicit EgressPolicy(std::vector<Cidr> allow_cidrs) : allow_cidrs_(std::move(allow_cidrs)) {}
    [[nodiscard]] Result<void> CheckIp(const std::uint8_t* bytes,
                                       bool v4,
                                       bool allow_private_network,
                                       bool plain_http,
                                       const std::string& host) const;
    [[nodiscard]] bool InAllowCidrs(const std::uint8_t* bytes, bool v4) const;

    std::vector<Cidr> allow_cidrs_{};
};

/// True when `host` (a DNS name, any case, optional trailing dot) matches `pattern`: equal
/// ignoring case, or "*.<rest>" with exactly one label before <rest>.
[[nodiscard]] bool HostMatches(std::string_view pattern, std::string_view host);

}  // namespace junction::http_client
