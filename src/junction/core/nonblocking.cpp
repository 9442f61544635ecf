#include "junction/core/nonblocking.hpp"

#include <cassert>
#include <optional>

namespace junction {
namespace {

enum class ScopeState { kNone, kClean, kRefused };

thread_local ScopeState t_scope = ScopeState::kNone;  // NOLINT(*-avoid-non-const-global-variables)

}  // namespace

NonBlockingScope::NonBlockingScope() {
    assert(t_scope == ScopeState::kNone && "NonBlockingScope does not nest");
    t_scope = ScopeState::kClean;
}

NonBlockingScope::~NonBlockingScope() {
    t_scope = ScopeState::kNone;
}

std::optional<Error> RefuseBlocking() {
    if (t_scope == ScopeState::kNone) {
        return std::nullopt;
    }
    t_scope = ScopeState::kRefused;
    return Error{.code = ErrorCode::kUnavailable,
                 .message = "Needs the blocking pool",
                 .detail = "blocking call refused on an IO thread"};
}

bool BlockingRefusedHere() noexcept {
    return t_scope == ScopeState::kRefused;
}

}  // namespace junction
