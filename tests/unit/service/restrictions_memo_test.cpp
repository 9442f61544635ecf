// RestrictionsMemo: a server's stored restrictions are parsed once per distinct text, and the
// parse served is always that of the text the caller read.
#include "junction/service/restrictions_memo.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace junction::service {
namespace {

constexpr std::string_view kSlackOnly =
    R"({"connectors":{"mode":"allowlist","allowedIds":["slack"],"blockedIds":[]}})";
constexpr std::string_view kNotionOnly =
    R"({"connectors":{"mode":"allowlist","allowedIds":["notion"],"blockedIds":[]}})";

TEST(RestrictionsMemoTest, TheSameTextIsParsedOnce) {
    RestrictionsMemo memo;
    const auto first = memo.Get("srv-1", kSlackOnly);
    const auto second = memo.Get("srv-1", kSlackOnly);
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(first->get(), second->get());  // the same parse, not a second one
    EXPECT_TRUE((*second)->ConnectorAllowed("slack"));
    EXPECT_FALSE((*second)->ConnectorAllowed("notion"));
}

TEST(RestrictionsMemoTest, AChangedTextIsNeverServedStale) {
    RestrictionsMemo memo;
    ASSERT_TRUE(memo.Get("srv-1", kSlackOnly).has_value());
    const auto changed = memo.Get("srv-1", kNotionOnly);
    ASSERT_TRUE(changed.has_value());
    EXPECT_TRUE((*changed)->ConnectorAllowed("notion"));
    EXPECT_FALSE((*changed)->ConnectorAllowed("slack"));
    // A caller that still read the old row gets the old row's parse, and back again.
    EXPECT_TRUE((*memo.Get("srv-1", kSlackOnly))->ConnectorAllowed("slack"));
    EXPECT_TRUE((*memo.Get("srv-1", "{}"))->ConnectorAllowed("github"));
    EXPECT_EQ(memo.Size(), 1U);  // one entry per server, whatever its history
}

TEST(RestrictionsMemoTest, ServersWithTheSameTextAreKeptApart) {
    RestrictionsMemo memo;
    ASSERT_TRUE(memo.Get("srv-1", kSlackOnly).has_value());
    ASSERT_TRUE(memo.Get("srv-2", kNotionOnly).has_value());
    EXPECT_TRUE((*memo.Get("srv-1", kSlackOnly))->ConnectorAllowed("slack"));
    EXPECT_TRUE((*memo.Get("srv-2", kNotionOnly))->ConnectorAllowed("notion"));
    EXPECT_EQ(memo.Size(), 2U);
}

TEST(RestrictionsMemoTest, UnreadableTextFailsAndIsNotRemembered) {
    RestrictionsMemo memo;
    ASSERT_TRUE(memo.Get("srv-1", kSlackOnly).has_value());
    const auto broken = memo.Get("srv-1", R"({"connectors":)");
    ASSERT_FALSE(broken.has_value());
    EXPECT_EQ(broken.error().code, ErrorCode::kInternal);
    EXPECT_EQ(broken.error().message, "Stored server restrictions are unreadable");
    const auto wrong_shape = memo.Get("srv-1", R"({"connectors":{"mode":"sometimes"}})");
    ASSERT_FALSE(wrong_shape.has_value());
    EXPECT_EQ(wrong_shape.error().code, ErrorCode::kInternal);
    // The good entry is still there for a caller that reads the good text.
    EXPECT_TRUE((*memo.Get("srv-1", kSlackOnly))->ConnectorAllowed("slack"));
}

TEST(RestrictionsMemoTest, AFullMemoStartsOverAndStaysCorrect) {
    RestrictionsMemo memo(2);
    for (int round = 0; round < 2; ++round) {
        for (const std::string id : {"srv-1", "srv-2", "srv-3"}) {
            const auto got = memo.Get(id, id == "srv-2" ? kNotionOnly : kSlackOnly);
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ((*got)->ConnectorAllowed("slack"), id != "srv-2") << id;
            EXPECT_LE(memo.Size(), 2U);
        }
    }
}

// Threads flipping one server between two texts: each caller gets the parse of its own text.
TEST(RestrictionsMemoTest, ConcurrentCallersGetTheParseOfTheTextTheyRead) {
    RestrictionsMemo memo;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&memo, &wrong, t] {
            for (int i = 0; i < 500; ++i) {
                const bool slack = (i + t) % 2 == 0;
                const auto got = memo.Get("srv-1", slack ? kSlackOnly : kNotionOnly);
                if (!got || (*got)->ConnectorAllowed("slack") != slack) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace junction::service
