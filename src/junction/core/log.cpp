#include "junction/core/log.hpp"

#include <atomic>
#include <chrono>
#include <string>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "junction/core/clock.hpp"

namespace junction {
namespace {

// Process-wide, like the spdlog default logger it formats for; set once at start-up.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::atomic<bool> g_json_format{true};

}  // namespace

void SetLogFormatJson(bool json) {
    g_json_format.store(json);
}

bool LogEnabled(spdlog::level::level_enum level) {
    return spdlog::default_logger_raw()->should_log(level);
}

void LogEvent(spdlog::level::level_enum level,
              std::string_view message,
              const boost::json::object& fields) {
    if (!LogEnabled(level)) {
        return;
    }
    const std::string ts = FormatTimestamp(
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    const auto level_name = spdlog::level::to_string_view(level);
    std::string line;
    if (g_json_format.load()) {
        boost::json::object event;
        event["ts"] = ts;
        event["level"] = std::string_view(level_name.data(), level_name.size());
        event["msg"] = message;
        for (const auto& field : fields) {
            event[field.key()] = field.value();
        }
        line = boost::json::serialize(event);
    } else {
        line = ts + " " + std::string(level_name.data(), level_name.size()) + " " +
               std::string(message);
        for (const auto& field : fields) {
            line += " " + std::string(field.key()) + "=" + boost::json::serialize(field.value());
        }
    }
    spdlog::default_logger_raw()->log(level, "{}", line);
}

}  // namespace junction
