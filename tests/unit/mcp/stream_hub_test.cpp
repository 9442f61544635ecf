#include "junction/mcp/stream_hub.hpp"

#include <gtest/gtest.h>

namespace junction::mcp {
namespace {

std::vector<std::string> Take(EventQueue& queue, bool& closed) {
    return queue.Drain(closed);
}

TEST(StreamHubTest, ChangedServerNotifiesOnlyItsStreams) {
    StreamHub hub;
    auto mine = hub.Open("srv-a");
    auto other = hub.Open("srv-b");
    hub.OnServerChanged("srv-a");
    bool closed = false;
    const auto events = Take(*mine, closed);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0],
              "event: message\ndata: "
              R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"
              "\n\n");
    EXPECT_TRUE(Take(*other, closed).empty());
}

TEST(StreamHubTest, ClosedServerClosesItsStreams) {
    StreamHub hub;
    auto first = hub.Open("srv-a");
    auto second = hub.Open("srv-a");
    auto other = hub.Open("srv-b");
    hub.OnServerClosed("srv-a");
    EXPECT_TRUE(first->Closed());
    EXPECT_TRUE(second->Closed());
    EXPECT_FALSE(other->Closed());
    hub.OnServerChanged("srv-a");  // nothing left to notify, nothing breaks
}

TEST(StreamHubTest, TerminatedSessionClosesOnlyItsStreams) {
    StreamHub hub;
    auto in_session = hub.Open("srv-a", "session-1");
    auto stateless = hub.Open("srv-a");
    hub.CloseSession("session-1");
    EXPECT_TRUE(in_session->Closed());
    EXPECT_FALSE(stateless->Closed());
}

TEST(StreamHubTest, StreamsTheConsumerEndedAreForgotten) {
    StreamHub hub;
    auto ended = hub.Open("srv-a");
    ended->Close();  // the connection went away
    auto live = hub.Open("srv-a");
    hub.BroadcastListChanged();
    bool closed = false;
    EXPECT_EQ(Take(*live, closed).size(), 1U);
    EXPECT_TRUE(Take(*ended, closed).empty());
    ended.reset();
    hub.OnServerChanged("srv-a");  // an expired weak pointer is skipped
    EXPECT_EQ(Take(*live, closed).size(), 1U);
}

}  // namespace
}  // namespace junction::mcp
