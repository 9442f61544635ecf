#include "junction/http_client/egress_policy.hpp"

#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace junction::http_client {
namespace {

/// A sockaddr for an IPv4 or IPv6 literal.
struct Address {
    explicit Address(const std::string& ip) {
        sockaddr_in v4{};
        sockaddr_in6 v6{};
        if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            std::memcpy(&storage, &v4, sizeof v4);
        } else if (inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) == 1) {
            v6.sin6_family = AF_INET6;
            std::memcpy(&storage, &v6, sizeof v6);
        } else {
            ADD_FAILURE() << "not an IP literal: " << ip;
        }
    }
    [[nodiscard]] const sockaddr* Get() const {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
    sockaddr_storage storage{};
};

EgressPolicy PolicyAllowing(const std::vector<std::string>& cidrs) {
    auto policy = EgressPolicy::Create(cidrs);
    EXPECT_TRUE(policy.has_value()) << (policy ? "" : policy.error().message);
    return policy.value_or(EgressPolicy());
}

template <typename T>
void ExpectEgressDenied(const Result<T>& result) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUpstreamError);
    EXPECT_EQ(result.error().message, "Outbound request blocked by egress policy");
    ASSERT_TRUE(result.error().extra.contains("reason"));
    EXPECT_EQ(result.error().extra.at("reason"), "egress_denied");
}

// ---- address ranges --------------------------------------------------------------------------

struct RangeCase {
    const char* ip;
    bool lifted_by_private_network;  // allow_private_network lets it through
};

class BlockedRangeTest : public ::testing::TestWithParam<RangeCase> {};

TEST_P(BlockedRangeTest, IsRefusedByDefault) {
    const EgressPolicy policy;
    const auto result = policy.CheckAddress(Address(GetParam().ip).Get(), false);
    ExpectEgressDenied(result);
}

TEST_P(BlockedRangeTest, AllowPrivateNetworkLiftsOnlyPrivateRanges) {
    const EgressPolicy policy;
    const auto result = policy.CheckAddress(Address(GetParam().ip).Get(), true);
    EXPECT_EQ(result.has_value(), GetParam().lifted_by_private_network) << GetParam().ip;
}

TEST_P(BlockedRangeTest, AllowCidrsLiftsAnyRange) {
    const std::string ip = GetParam().ip;
    const std::string host_route = ip + (ip.find(':') == std::string::npos ? "/32" : "/128");
    const EgressPolicy policy = PolicyAllowing({host_route});
    EXPECT_TRUE(policy.CheckAddress(Address(ip).Get(), false).has_value()) << ip;
}

INSTANTIATE_TEST_SUITE_P(EveryRange,
                         BlockedRangeTest,
                         ::testing::Values(
                             // IPv4: first and last address of every range.
                             RangeCase{"0.0.0.0", false},
                             RangeCase{"0.255.255.255", false},
                             RangeCase{"10.0.0.0", true},
                             RangeCase{"10.255.255.255", true},
                             RangeCase{"100.64.0.0", true},
                             RangeCase{"100.127.255.255", true},
                             RangeCase{"127.0.0.1", true},
                             RangeCase{"127.255.255.255", true},
                             RangeCase{"169.254.0.0", false},
                             RangeCase{"169.254.169.254", false},
                             RangeCase{"169.254.255.255", false},
                             RangeCase{"172.16.0.0", true},
                             RangeCase{"172.31.255.255", true},
                             RangeCase{"192.0.0.0", false},
                             RangeCase{"192.0.0.255", false},
                             RangeCase{"192.168.0.0", true},
                             RangeCase{"192.168.255.255", true},
                             RangeCase{"198.18.0.0", false},
                             RangeCase{"198.19.255.255", false},
                             RangeCase{"224.0.0.0", false},
                             RangeCase{"239.255.255.255", false},
                             RangeCase{"240.0.0.0", false},
                             RangeCase{"255.255.255.255", false},
                             // IPv6.
                             RangeCase{"::", false},
                             RangeCase{"::1", true},
                             RangeCase{"fc00::", true},
                             RangeCase{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
                             RangeCase{"fe80::", false},
                             RangeCase{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
                             RangeCase{"ff00::", false},
                             RangeCase{"ff02::1", false},
                             // IPv4-mapped and NAT64 forms are judged by the embedded IPv4 address.
                             RangeCase{"::ffff:127.0.0.1", true},
                             RangeCase{"::ffff:10.1.2.3", true},
                             RangeCase{"::ffff:169.254.169.254", false},
                             RangeCase{"::ffff:0.0.0.0", false},
                             RangeCase{"::ffff:224.0.0.1", false},
                             RangeCase{"64:ff9b::127.0.0.1", true},
                             RangeCase{"64:ff9b::192.168.1.1", true},
                             RangeCase{"64:ff9b::169.254.169.254", false},
                             RangeCase{"64:ff9b::a9fe:a9fe", false},
                             // IPv4-compatible (::/96) is refused whole, ::1 keeps its own rule.
                             RangeCase{"::2", false},
                             RangeCase{"::8.8.8.8", false},
                             RangeCase{"::127.0.0.1", false},
                             RangeCase{"::ffff:ffff", false},
                             // Local-use NAT64 (64:ff9b:1::/48) is refused whole.
                             RangeCase{"64:ff9b:1::", false},
                             RangeCase{"64:ff9b:1::8.8.8.8", false},
                             RangeCase{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false},
                             // 6to4 (2002::/16) is judged by the relay's IPv4 address.
                             RangeCase{"2002:a9fe:a9fe::1", false},
                             RangeCase{"2002:7f00:1::", true},
                             RangeCase{"2002:a00:1::1", true},
                             RangeCase{"2002:e000:1::", false}));

TEST(EgressPolicyTest, PublicAddressesPass) {
    const EgressPolicy policy;
    for (const char* ip : {"8.8.8.8",
                           "1.1.1.1",
                           "9.255.255.255",
                           "11.0.0.0",
                           "100.63.255.255",
                           "100.128.0.0",
                           "126.255.255.255",
                           "128.0.0.0",
                           "169.253.255.255",
                           "169.255.0.0",
                           "172.15.255.255",
                           "172.32.0.0",
                           "192.0.1.0",
                           "192.167.255.255",
                           "192.169.0.0",
                           "198.17.255.255",
                           "198.20.0.0",
                           "223.255.255.255",
                           "2606:4700:4700::1111",
                           "2001:4860:4860::8888",
                           "::ffff:8.8.8.8",
                           "64:ff9b::8.8.8.8",
                           "fbff::1",
                           "fec0::1",
                           "::1:0:0:0",
                           "64:ff9b:2::1",
                           "2002:808:808::1",
                           "2003::1"}) {
        EXPECT_TRUE(policy.CheckAddress(Address(ip).Get(), false).has_value()) << ip;
    }
}

TEST(EgressPolicyTest, DeniedAddressIsNamedInDetails) {
    const EgressPolicy policy;
    const auto result = policy.CheckAddress(Address("169.254.169.254").Get(), true);
    ExpectEgressDenied(result);
    EXPECT_EQ(result.error().extra.at("host"), "169.254.169.254");
}

TEST(EgressPolicyTest, UnknownAddressFamilyIsRefused) {
    sockaddr unix_address{};
    unix_address.sa_family = AF_UNIX;
    ExpectEgressDenied(EgressPolicy().CheckAddress(&unix_address, true));
    ExpectEgressDenied(EgressPolicy().CheckAddress(nullptr, true));
}

TEST(EgressPolicyTest, AllowCidrsMatchTheWholeNetworkOnly) {
    const EgressPolicy policy = PolicyAllowing({"10.1.0.0/16", "fd00:1::/32"});
    EXPECT_TRUE(policy.CheckAddress(Address("10.1.255.7").Get(), false).has_value());
    EXPECT_FALSE(policy.CheckAddress(Address("10.2.0.1").Get(), false).has_value());
    EXPECT_TRUE(policy.CheckAddress(Address("fd00:1:ffff::1").Get(), false).has_value());
    EXPECT_FALSE(policy.CheckAddress(Address("fd00:2::1").Get(), false).has_value());
    // An IPv4 CIDR also covers the mapped form of its addresses.
    EXPECT_TRUE(policy.CheckAddress(Address("::ffff:10.1.0.1").Get(), false).has_value());
}

TEST(EgressPolicyTest, PlainHttpGoesOnlyToAllowCidrs) {
    const EgressPolicy policy = PolicyAllowing({"127.0.0.1/32"});
    EXPECT_TRUE(policy.CheckAddress(Address("127.0.0.1").Get(), false, true).has_value());
    ExpectEgressDenied(policy.CheckAddress(Address("8.8.8.8").Get(), false, true));
    ExpectEgressDenied(policy.CheckAddress(Address("10.0.0.1").Get(), true, true));
}

// ---- CIDR parsing ----------------------------------------------------------------------------

TEST(CidrTest, ParsesIpv4AndIpv6) {
    const auto v4 = Cidr::Parse("127.0.0.1/32");
    ASSERT_TRUE(v4.has_value());
    EXPECT_TRUE(v4->v4);
    EXPECT_EQ(v4->prefix_length, 32);
    const auto v6 = Cidr::Parse("::1/128");
    ASSERT_TRUE(v6.has_value());
    EXPECT_FALSE(v6->v4);
    EXPECT_EQ(v6->prefix_length, 128);
    const auto wide = Cidr::Parse("0.0.0.0/0");
    ASSERT_TRUE(wide.has_value());
    EXPECT_EQ(wide->prefix_length, 0);
}

TEST(CidrTest, BareAddressIsOneHost) {
    const auto v4 = Cidr::Parse("192.168.1.10");
    ASSERT_TRUE(v4.has_value());
    EXPECT_EQ(v4->prefix_length, 32);
    const auto v6 = Cidr::Parse("fd00::1");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->prefix_length, 128);
}

TEST(CidrTest, RejectsMalformedEntriesNamingThem) {
    for (const char* bad : {"",
                            "/8",
                            "10.0.0.0/",
                            "10.0.0.0/33",
                            "::/129",
                            "10.0.0.0/-1",
                            "10.0.0.0/8x",
                            "10.0.0.0/ 8",
                            "10.0.0/8",
                            "example.com/32",
                            "10.0.0.1/8",
                            "fd00::1/64",
                            "1.2.3.4/32/1"}) {
        const auto parsed = Cidr::Parse(bad);
        ASSERT_FALSE(parsed.has_value()) << bad;
        EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(parsed.error().message.find("'" + std::string(bad) + "'"), std::string::npos)
            << parsed.error().message;
    }
}

TEST(CidrTest, CreateReportsTheFirstBadEntry) {
    const auto policy = EgressPolicy::Create({"127.0.0.1/32", "300.0.0.1/32", "nope"});
    ASSERT_FALSE(policy.has_value());
    EXPECT_EQ(policy.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(policy.error().message,
              "egress.allow_cidrs: invalid CIDR '300.0.0.1/32': not an IPv4 or IPv6 address");
}

// ---- host patterns ---------------------------------------------------------------------------

TEST(HostMatchesTest, ExactNamesIgnoreCaseAndTrailingDot) {
    EXPECT_TRUE(HostMatches("api.slack.com", "api.slack.com"));
    EXPECT_TRUE(HostMatches("api.slack.com", "API.Slack.COM"));
    EXPECT_TRUE(HostMatches("API.slack.com", "api.slack.com."));
    EXPECT_FALSE(HostMatches("api.slack.com", "slack.com"));
    EXPECT_FALSE(HostMatches("api.slack.com", "xapi.slack.com"));
    EXPECT_FALSE(HostMatches("api.slack.com", "api.slack.com.evil.io"));
    EXPECT_FALSE(HostMatches("", "api.slack.com"));
    EXPECT_FALSE(HostMatches("api.slack.com", ""));
}

TEST(HostMatchesTest, WildcardMatchesExactlyOneLabel) {
    EXPECT_TRUE(HostMatches("*.freshdesk.com", "acme.freshdesk.com"));
    EXPECT_TRUE(HostMatches("*.freshdesk.com", "ACME.Freshdesk.com"));
    EXPECT_FALSE(HostMatches("*.freshdesk.com", "freshdesk.com"));
    EXPECT_FALSE(HostMatches("*.freshdesk.com", ".freshdesk.com"));
    EXPECT_FALSE(HostMatches("*.freshdesk.com", "a.b.freshdesk.com"));
    EXPECT_FALSE(HostMatches("*.freshdesk.com", "acmefreshdesk.com"));
    EXPECT_FALSE(HostMatches("*.freshdesk.com", "acme.freshdesk.com.evil.io"));
    EXPECT_FALSE(HostMatches("*.", "acme"));
    EXPECT_FALSE(HostMatches("*", "acme.com"));
}

// ---- URLs ------------------------------------------------------------------------------------

TEST(EgressPolicyTest, HttpsUrlWithAllowedHostPasses) {
    const EgressPolicy policy;
    EXPECT_TRUE(
        policy.CheckUrl("https://api.slack.com/api/chat.postMessage?x=1", {"api.slack.com"}, false)
            .has_value());
    EXPECT_TRUE(policy.CheckUrl("https://acme.freshdesk.com:8443/api", {"*.freshdesk.com"}, false)
                    .has_value());
    EXPECT_TRUE(policy.CheckUrl("https://anything.example/", {}, false).has_value());
}

TEST(EgressPolicyTest, PassingUrlHandsBackWhatAClientConnectsWith) {
    const EgressPolicy testing = PolicyAllowing({"127.0.0.1/32", "::1/128"});
    const std::string https = "https://API.Slack.com/api/chat.postMessage?x=%20y";
    const auto slack = testing.CheckUrl(https, {}, false);
    ASSERT_TRUE(slack.has_value());
    EXPECT_FALSE(slack->plain_http);
    EXPECT_EQ(slack->host, "api.slack.com");
    EXPECT_EQ(slack->port, 443);
    EXPECT_EQ(slack->host_and_port, "API.Slack.com");
    EXPECT_EQ(slack->target, "/api/chat.postMessage?x=%20y");

    const std::string plain = "http://127.0.0.1:8080";
    const auto local = testing.CheckUrl(plain, {}, false);
    ASSERT_TRUE(local.has_value());
    EXPECT_TRUE(local->plain_http);
    EXPECT_EQ(local->host, "127.0.0.1");
    EXPECT_EQ(local->port, 8080);
    EXPECT_EQ(local->host_and_port, "127.0.0.1:8080");
    EXPECT_EQ(local->target, "");

    const std::string v6 = "http://[::1]/x";
    const auto loopback6 = testing.CheckUrl(v6, {}, false);
    ASSERT_TRUE(loopback6.has_value());
    EXPECT_EQ(loopback6->host, "::1");
    EXPECT_EQ(loopback6->port, 80);
    EXPECT_EQ(loopback6->host_and_port, "[::1]");
}

TEST(EgressPolicyTest, HostOutsideAllowedHostsIsDeniedAndNamed) {
    const auto result =
        EgressPolicy().CheckUrl("https://evil.example/x?token=secret", {"api.slack.com"}, false);
    ExpectEgressDenied(result);
    EXPECT_EQ(result.error().extra.at("host"), "evil.example");
    EXPECT_EQ(result.error().message.find("secret"), std::string::npos);
    EXPECT_EQ(result.error().detail.find("secret"), std::string::npos);
}

TEST(EgressPolicyTest, PlainHttpNeedsAllowCidrs) {
    ExpectEgressDenied(EgressPolicy().CheckUrl("http://api.slack.com/", {}, false));
    const EgressPolicy testing = PolicyAllowing({"127.0.0.1/32"});
    EXPECT_TRUE(testing.CheckUrl("http://127.0.0.1:8080/", {}, false).has_value());
    EXPECT_TRUE(testing.CheckUrl("HTTP://localhost:8080/", {}, false).has_value());
    // An IP literal outside allow_cidrs still may not be reached in cleartext.
    ExpectEgressDenied(testing.CheckUrl("http://8.8.8.8/", {}, false));
}

TEST(EgressPolicyTest, OtherSchemesAreDenied) {
    const EgressPolicy testing = PolicyAllowing({"127.0.0.1/32"});
    for (const char* url : {"ftp://example.com/",
                            "file:///etc/passwd",
                            "gopher://example.com/",
                            "ws://example.com/",
                            "wss://example.com/",
                            "dict://example.com/"}) {
        ExpectEgressDenied(testing.CheckUrl(url, {}, false));
    }
}

TEST(EgressPolicyTest, UserinfoAndMalformedUrlsAreDenied) {
    const EgressPolicy policy;
    for (const char* url : {"https://user:pass@api.slack.com/",
                            "https://user@api.slack.com/",
                            "https://@api.slack.com/",
                            "not a url",
                            "/relative/path",
                            "https:///nohost",
                            "https://",
                            "https://exa%6dple.com/",
                            "https://[v1.fe80::1]/",
                            // Boost.URL 1.81 read these as host 1.2.3.4 (or ::1) and a path
                            // not starting with '/'; curl connects to the whole name (found by
                            // tests/fuzz/egress_url_fuzz, corpus regression-egress-ipv4-prefix).
                            "https://1.2.3.4.evil.com/",
                            "https://127.0.0.1p",
                            "https://127.0.0.1:80p/",
                            "https://[::1]x/"}) {
        ExpectEgressDenied(policy.CheckUrl(url, {}, false));
    }
}

// Found by tests/fuzz/egress_url_fuzz (corpus regression-egress-empty-port): "https://host:/"
// passed with port 0, and so did ports beyond 65535.
TEST(EgressPolicyTest, AnEmptyPortIsTheDefaultAndBadPortsAreDenied) {
    const EgressPolicy policy;
    const std::string empty_port = "https://api.slack.com:/x";
    const auto parts = policy.CheckUrl(empty_port, {}, false);
    ASSERT_TRUE(parts.has_value());
    EXPECT_EQ(parts->port, 443);
    for (const char* url : {"https://api.slack.com:0/",
                            "https://api.slack.com:65536/",
                            "https://api.slack.com:99999999999999999999/"}) {
        ExpectEgressDenied(policy.CheckUrl(url, {}, false));
    }
    const std::string highest = "https://api.slack.com:65535/";
    const auto last_port = policy.CheckUrl(highest, {}, false);
    ASSERT_TRUE(last_port.has_value());
    EXPECT_EQ(last_port->port, 65535);
}

TEST(EgressPolicyTest, IpLiteralHostsFollowTheAddressRules) {
    const EgressPolicy policy;
    ExpectEgressDenied(policy.CheckUrl("https://169.254.169.254/latest/meta-data", {}, true));
    ExpectEgressDenied(policy.CheckUrl("https://127.0.0.1/", {}, false));
    ExpectEgressDenied(policy.CheckUrl("https://[::1]/", {}, false));
    ExpectEgressDenied(policy.CheckUrl("https://[::ffff:169.254.169.254]/", {}, true));
    EXPECT_TRUE(policy.CheckUrl("https://10.0.0.5/", {}, true).has_value());
    EXPECT_TRUE(policy.CheckUrl("https://[fd00::5]/", {}, true).has_value());
    EXPECT_TRUE(policy.CheckUrl("https://8.8.8.8/", {}, false).has_value());
    EXPECT_TRUE(policy.CheckUrl("https://[2606:4700:4700::1111]/", {"2606:4700:4700::1111"}, false)
                    .has_value());
}

}  // namespace
}  // namespace junction::http_client
