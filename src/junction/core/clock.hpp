#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace junction {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// The source of "now" (DESIGN.md §1.4: inject the world). Thread-safety: implementations are
/// callable from any thread.
class Clock {
public:
    Clock() = default;
    Clock(const Clock&) = delete;
    Clock& operator=(const Clock&) = delete;
    Clock(Clock&&) = delete;
    Clock& operator=(Clock&&) = delete;
    virtual ~Clock() = default;

    [[nodiscard]] virtual TimePoint Now() const = 0;
};

/// Wall-clock time.
class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint Now() const override;
};

/// Milliseconds since the Unix epoch, the storage representation of every timestamp.
[[nodiscard]] std::int64_t ToUnixMillis(TimePoint time) noexcept;
[[nodiscard]] TimePoint FromUnixMillis(std::int64_t millis) noexcept;

/// ISO-8601 UTC with millisecond precision and `Z`: `2025-09-01T10:00:00.000Z` (API.md §1.8).
[[nodiscard]] std::string FormatTimestamp(TimePoint time);

/// Parses RFC 3339 date-times (`Z` or a numeric offset, optional fraction); nullopt when invalid.
[[nodiscard]] std::optional<TimePoint> ParseTimestamp(std::string_view text);

}  // namespace junction
