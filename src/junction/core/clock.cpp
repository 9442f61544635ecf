#include "junction/core/clock.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace junction {

TimePoint SystemClock::Now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

std::int64_t ToUnixMillis(TimePoint time) noexcept {
    return time.time_since_epoch().count();
}

TimePoint FromUnixMillis(std::int64_t millis) noexcept {
    return TimePoint{std::chrono::milliseconds{millis}};
}

std::string FormatTimestamp(TimePoint time) {
    const auto day = std::chrono::floor<std::chrono::days>(time);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{time - day};
    std::array<char, 32> buffer{};
    const int length = std::snprintf(buffer.data(),
                                     buffer.size(),
                                     "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                                     static_cast<int>(ymd.year()),
                                     static_cast<unsigned>(ymd.month()),
                                     static_cast<unsigned>(ymd.day()),
                                     static_cast<int>(hms.hours().count()),
                                     static_cast<int>(hms.minutes().count()),
                                     static_cast<int>(hms.seconds().count()),
                                     static_cast<int>(hms.subseconds().count()));
    return {buffer.data(), static_cast<std::size_t>(length)};
}

namespace {

bool ReadDigits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) {
        return false;
    }
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    const auto* begin = text.data() + pos;
    const auto result = std::from_chars(begin, begin + count, out);
    pos += count;
    return result.ec == std::errc{};
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
    if (pos < text.size() && (text[pos] == c || (c == 'T' && text[pos] == 't'))) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::optional<TimePoint> ParseTimestamp(std::string_view text) {
    std::size_t pos = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
        !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
        !ReadDigits(text, pos, 2, day) || !Expect(text, pos, 'T') ||
        !ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, second)) {
        return std::nullopt;
    }
    int millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int scale = 100;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            millis += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        int offset_hours = 0;
        int offset_mins = 0;
        if (!ReadDigits(text, pos, 2, offset_hours) || !Expect(text, pos, ':') ||
            !ReadDigits(text, pos, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
            return std::nullopt;
        }
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    } else {
        return std::nullopt;
    }
    if (pos != text.size() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{year},
                                          std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const auto base = std::chrono::sys_days{ymd} + std::chrono::hours{hour} +
                      std::chrono::minutes{minute - offset_minutes} + std::chrono::seconds{second} +
                      std::chrono::milliseconds{millis};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(base);
}

}  // namespace junction
