#pragma once

#include <string_view>

#include <boost/json/object.hpp>
#include <spdlog/common.h>

namespace junction {

/// Writes one structured log event: `{"ts","level","msg",...fields}` as a JSON line, or
/// `ts level msg k=v ...` when the text format is configured (app/logging.cpp). Callers pass
/// only secret-free values; nothing here can see a SecretString.
void LogEvent(spdlog::level::level_enum level,
              std::string_view message,
              const boost::json::object& fields = {});

/// Whether an event at `level` would be written: lets a caller skip building its fields.
[[nodiscard]] bool LogEnabled(spdlog::level::level_enum level);

/// Selects JSON lines (default) or text for LogEvent.
void SetLogFormatJson(bool json);

}  // namespace junction
