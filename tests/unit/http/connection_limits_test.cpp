#include "junction/http/connection_limits.hpp"

#include <gtest/gtest.h>

namespace junction::http {
namespace {

TEST(ConnectionCapsTest, DefaultsLeaveRoomForEverythingElseUnderTheUsualLimit) {
    const ConnectionCaps caps = ResolveConnectionCaps(0, 0, 1024);
    EXPECT_EQ(NonClientDescriptors(1024), 128U);
    EXPECT_EQ(caps.reserve, 13U);
    EXPECT_EQ(caps.max_connections, 882U);
    EXPECT_EQ(caps.max_per_ip, 220U);
    EXPECT_LE(caps.max_connections + caps.reserve + NonClientDescriptors(1024), 1024U);
}

TEST(ConnectionCapsTest, DefaultsNeverOvercommitTheDescriptors) {
    for (const std::uint64_t limit : {0ULL,
                                      1ULL,
                                      64ULL,
                                      100ULL,
                                      256ULL,
                                      1024ULL,
                                      4096ULL,
                                      65'536ULL,
                                      524'288ULL,
                                      1'048'576ULL}) {
        const ConnectionCaps caps = ResolveConnectionCaps(0, 0, limit);
        EXPECT_GE(caps.max_connections, 1U) << limit;
        EXPECT_GE(caps.max_per_ip, 1U) << limit;
        EXPECT_GE(caps.reserve, 8U) << limit;
        EXPECT_LE(caps.reserve, 256U) << limit;
        if (limit >= 256) {
            EXPECT_LE(caps.max_connections + caps.reserve + NonClientDescriptors(limit), limit)
                << limit;
        }
    }
    EXPECT_EQ(NonClientDescriptors(65'536), 1024U);
    EXPECT_EQ(NonClientDescriptors(100), 64U);
}

TEST(ConnectionCapsTest, ConfiguredValuesWin) {
    const ConnectionCaps caps = ResolveConnectionCaps(100, 7, 1024);
    EXPECT_EQ(caps.max_connections, 100U);
    EXPECT_EQ(caps.max_per_ip, 7U);
    EXPECT_EQ(caps.reserve, 8U);
    // Only the global one set: the per-address cap is a quarter of it.
    EXPECT_EQ(ResolveConnectionCaps(100, 0, 1024).max_per_ip, 25U);
    EXPECT_EQ(ResolveConnectionCaps(2, 0, 1024).max_per_ip, 1U);
    EXPECT_EQ(ResolveConnectionCaps(0, 3, 1024).max_per_ip, 3U);
}

ConnectionCaps SmallCaps() {
    return ConnectionCaps{.max_connections = 4, .max_per_ip = 2, .reserve = 3};
}

TEST(ConnectionLimiterTest, CountsPerAddressAndReleases) {
    ConnectionLimiter limiter(SmallCaps(), {});
    EXPECT_EQ(limiter.Check("10.0.0.1"), OverCap::kNo);
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.OpenFrom("10.0.0.1"), 2U);
    EXPECT_EQ(limiter.Check("10.0.0.1"), OverCap::kPerIp);
    EXPECT_EQ(limiter.Check("10.0.0.2"), OverCap::kNo);
    limiter.Remove("10.0.0.1", false);
    EXPECT_EQ(limiter.Check("10.0.0.1"), OverCap::kNo);
    EXPECT_EQ(limiter.Open(), 1U);
    limiter.Remove("10.0.0.1", false);
    EXPECT_EQ(limiter.Open(), 0U);
    EXPECT_EQ(limiter.OpenFrom("10.0.0.1"), 0U);
    limiter.Remove("10.0.0.9", false);  // never counted: ignored
    EXPECT_EQ(limiter.Open(), 0U);
}

TEST(ConnectionLimiterTest, TheGlobalCapCountsEveryAddress) {
    ConnectionLimiter limiter(SmallCaps(), {});
    for (const char* ip : {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}) {
        ASSERT_EQ(limiter.Admit(ip, limiter.Check(ip), false), Admission::kServe);
    }
    EXPECT_EQ(limiter.Check("10.0.0.5"), OverCap::kGlobal);
    // The per-address cap is checked first.
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.Check("10.0.0.1"), OverCap::kPerIp);
}

TEST(ConnectionLimiterTest, OverTheCapAShedConnectionMakesRoomUpToTheCeiling) {
    ConnectionLimiter limiter(SmallCaps(), {});
    for (int i = 0; i < 4; ++i) {
        const std::string ip = "10.0.0." + std::to_string(i);
        ASSERT_EQ(limiter.Admit(ip, OverCap::kNo, false), Admission::kServe);
    }
    // Each shed connection counts until it has closed: at most max + reserve are open.
    EXPECT_EQ(limiter.Admit("10.1.0.1", OverCap::kGlobal, true), Admission::kServe);
    EXPECT_EQ(limiter.Admit("10.1.0.2", OverCap::kGlobal, true), Admission::kServe);
    EXPECT_EQ(limiter.Admit("10.1.0.3", OverCap::kGlobal, true), Admission::kServe);
    EXPECT_EQ(limiter.Open(), 7U);
    EXPECT_EQ(limiter.Admit("10.1.0.4", OverCap::kGlobal, true), Admission::kDrop);
    EXPECT_EQ(limiter.Open(), 7U);
}

TEST(ConnectionLimiterTest, WithNothingToShedTheReserveAnswersThenDrops) {
    ConnectionLimiter limiter(SmallCaps(), {});
    for (int i = 0; i < 4; ++i) {
        ASSERT_EQ(limiter.Admit("10.0.0." + std::to_string(i), OverCap::kNo, false),
                  Admission::kServe);
    }
    EXPECT_EQ(limiter.Admit("10.1.0.1", OverCap::kGlobal, false), Admission::kRefuse);
    EXPECT_EQ(limiter.Admit("10.1.0.2", OverCap::kGlobal, false), Admission::kRefuse);
    EXPECT_EQ(limiter.Admit("10.1.0.3", OverCap::kGlobal, false), Admission::kRefuse);
    EXPECT_EQ(limiter.Refusing(), 3U);
    EXPECT_EQ(limiter.Admit("10.1.0.4", OverCap::kGlobal, false), Admission::kDrop);
    limiter.Remove("10.1.0.1", true);
    EXPECT_EQ(limiter.Refusing(), 2U);
    EXPECT_EQ(limiter.Admit("10.1.0.4", OverCap::kGlobal, false), Admission::kRefuse);
}

TEST(ConnectionLimiterTest, OneAddressGetsAtMostTwoRefusals) {
    ConnectionLimiter limiter(ConnectionCaps{.max_connections = 10, .max_per_ip = 1, .reserve = 8},
                              {});
    ASSERT_EQ(limiter.Admit("10.0.0.1", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kPerIp, false), Admission::kRefuse);
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kPerIp, false), Admission::kRefuse);
    EXPECT_EQ(limiter.Admit("10.0.0.1", OverCap::kPerIp, false), Admission::kDrop);
    EXPECT_EQ(limiter.OpenFrom("10.0.0.1"), 3U);
    // Another address still gets its answer from the reserve.
    ASSERT_EQ(limiter.Admit("10.0.0.2", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.Admit("10.0.0.2", OverCap::kPerIp, false), Admission::kRefuse);
}

TEST(ConnectionLimiterTest, TrustedProxiesOnlyCountGlobally) {
    ConnectionLimiter limiter(SmallCaps(), {"10.0.0.5"});
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(limiter.Check("10.0.0.5"), OverCap::kNo);
        ASSERT_EQ(limiter.Admit("10.0.0.5", OverCap::kNo, false), Admission::kServe);
    }
    EXPECT_EQ(limiter.OpenFrom("10.0.0.5"), 3U);
    ASSERT_EQ(limiter.Admit("10.0.0.5", OverCap::kNo, false), Admission::kServe);
    EXPECT_EQ(limiter.Check("10.0.0.5"), OverCap::kGlobal);
}

TEST(OldestIdleTest, PicksTheLongestIdleAndNeverABusyOne) {
    const std::vector<IdleSince> connections = {
        {.since = 50}, {.since = 0}, {.since = 10}, {.since = 30}, {.since = 0}, {.since = 20}};
    EXPECT_EQ(OldestIdle(connections, 1), (std::vector<std::size_t>{2}));
    EXPECT_EQ(OldestIdle(connections, 3), (std::vector<std::size_t>{2, 5, 3}));
    EXPECT_EQ(OldestIdle(connections, 10), (std::vector<std::size_t>{2, 5, 3, 0}));
    EXPECT_TRUE(OldestIdle(connections, 0).empty());
    const std::vector<IdleSince> busy = {{.since = 0}, {.since = 0}};
    EXPECT_TRUE(OldestIdle(busy, 2).empty());
    EXPECT_TRUE(OldestIdle({}, 2).empty());
}

}  // namespace
}  // namespace junction::http
