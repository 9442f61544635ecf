#include "junction/core/per_thread_rng.hpp"

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "junction/core/ulid.hpp"
#include "support_doubles.hpp"

namespace junction {
namespace {

// Each case runs in a thread of its own: the state is per thread, seeded on first use.
template <class Body>
void OnFreshThread(Body body) {
    std::thread thread(body);
    thread.join();
}

TEST(PerThreadRngTest, SeedsOncePerThreadFromTheSource) {
    OnFreshThread([] {
        unit::CounterRng source;
        PerThreadRng rng(source);
        std::array<std::uint8_t, 16> bytes{};
        for (int i = 0; i < 100; ++i) {
            rng.Fill(bytes);
        }
        EXPECT_EQ(source.Calls(), 1U);
    });
}

TEST(PerThreadRngTest, FillsEveryByteOfOddLengths) {
    OnFreshThread([] {
        unit::ConstantRng source(0);  // an all-zero seed is mixed into a usable state
        PerThreadRng rng(source);
        for (const std::size_t length : {1U, 3U, 10U, 13U, 64U}) {
            std::vector<std::uint8_t> first(length, 0);
            std::vector<std::uint8_t> second(length, 0);
            rng.Fill(first);
            rng.Fill(second);
            EXPECT_NE(first, second) << length;
        }
    });
}

TEST(PerThreadRngTest, ThreadsSeededDifferentlyDiverge) {
    unit::CounterRng source;  // each thread's seed is the next 32 counter bytes
    std::array<std::array<std::uint8_t, 16>, 2> outputs{};
    for (auto& output : outputs) {
        OnFreshThread([&] {
            PerThreadRng rng(source);
            rng.Fill(output);
        });
    }
    EXPECT_NE(outputs[0], outputs[1]);
}

TEST(PerThreadRngTest, RequestIdsInOneMillisecondAreUnique) {
    OnFreshThread([] {
        unit::CounterRng source;
        PerThreadRng rng(source);
        const unit::ManualClock clock(FromUnixMillis(1'756'720'800'000));
        std::set<std::string> ids;
        for (int i = 0; i < 100'000; ++i) {
            ids.insert(GenerateUlid(clock, rng));
        }
        EXPECT_EQ(ids.size(), 100'000U);
    });
}

}  // namespace
}  // namespace junction
