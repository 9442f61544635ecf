#include "junction/core/nonblocking.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace junction {
namespace {

TEST(NonBlockingTest, OutsideAScopeBlockingIsAllowed) {
    EXPECT_FALSE(RefuseBlocking().has_value());
    EXPECT_FALSE(BlockingRefusedHere());
}

TEST(NonBlockingTest, InsideAScopeBlockingIsRefusedAndRemembered) {
    const NonBlockingScope scope;
    EXPECT_FALSE(BlockingRefusedHere());
    const auto refused = RefuseBlocking();
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->code, ErrorCode::kUnavailable);
    EXPECT_TRUE(BlockingRefusedHere());
}

TEST(NonBlockingTest, TheScopeEndsWithItsLifetimeAndIsPerThread) {
    {
        const NonBlockingScope scope;
        (void)RefuseBlocking();
        bool other_thread_refused = true;
        std::thread([&] { other_thread_refused = RefuseBlocking().has_value(); }).join();
        EXPECT_FALSE(other_thread_refused);  // another thread may block
    }
    EXPECT_FALSE(RefuseBlocking().has_value());
    EXPECT_FALSE(BlockingRefusedHere());
    const NonBlockingScope fresh;
    EXPECT_FALSE(BlockingRefusedHere());  // a new scope starts clean
}

}  // namespace
}  // namespace junction
