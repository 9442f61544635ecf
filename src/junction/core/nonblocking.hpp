#pragma once

#include <optional>

#include "junction/core/error.hpp"

namespace junction {

/// Lets an IO thread try work that usually needs only memory (cached keys, users, credentials)
/// without a hand-off to the blocking pool. Inside the scope, code that would block (a database
/// round trip, a blocking outbound call) calls RefuseBlocking() and fails instead; the owner of
/// the scope then sees BlockingRefusedHere() and redoes the work on the pool. Scopes do not
/// nest.
class NonBlockingScope {
public:
    NonBlockingScope();
    NonBlockingScope(const NonBlockingScope&) = delete;
    NonBlockingScope& operator=(const NonBlockingScope&) = delete;
    NonBlockingScope(NonBlockingScope&&) = delete;
    NonBlockingScope& operator=(NonBlockingScope&&) = delete;
    ~NonBlockingScope();
};

/// Called where a thread is about to block. Outside a NonBlockingScope: nullopt, go ahead.
/// Inside one: records the refusal and returns the error to fail with (never shown to clients:
/// the scope's owner discards the outcome).
[[nodiscard]] std::optional<Error> RefuseBlocking();

/// True on a thread inside a NonBlockingScope once anything there asked to block: the scope's
/// outcome must be discarded.
[[nodiscard]] bool BlockingRefusedHere() noexcept;

}  // namespace junction
