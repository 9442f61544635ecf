#include "junction/core/event_queue.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace junction {
namespace {

TEST(EventQueueTest, DrainsInOrderAndReportsClosed) {
    EventQueue queue;
    queue.Push("a");
    queue.Push("b");
    bool closed = true;
    EXPECT_EQ(queue.Drain(closed), (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(closed);
    EXPECT_TRUE(queue.Drain(closed).empty());
    queue.Close();
    queue.Push("late");  // ignored once closed
    EXPECT_TRUE(queue.Drain(closed).empty());
    EXPECT_TRUE(closed);
    EXPECT_TRUE(queue.Closed());
}

TEST(EventQueueTest, WakesTheConsumerOnPushAndCloseOnly) {
    EventQueue queue;
    int wakes = 0;
    queue.SetWake([&] { ++wakes; });
    queue.Push("x");
    queue.Close();
    queue.Close();    // idempotent: no second wake
    queue.Push("y");  // closed: no wake
    EXPECT_EQ(wakes, 2);
    queue.SetWake(nullptr);
}

TEST(EventQueueTest, ConcurrentProducersLoseNothing) {
    EventQueue queue;
    std::atomic<int> wakes{0};
    queue.SetWake([&] { ++wakes; });
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t) {
        producers.emplace_back([&] {
            for (int i = 0; i < 250; ++i) {
                queue.Push("e");
            }
        });
    }
    std::size_t drained = 0;
    bool closed = false;
    for (auto& producer : producers) {
        producer.join();
    }
    drained += queue.Drain(closed).size();
    EXPECT_EQ(drained, 1000U);
    EXPECT_EQ(wakes.load(), 1000);
}

}  // namespace
}  // namespace junction
