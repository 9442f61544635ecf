#pragma once

// Helpers shared by the SqlStore translation units (private to the storage layer).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "junction/core/clock.hpp"
#include "junction/core/result.hpp"
#include "junction/storage/sql.hpp"

namespace junction::storage::detail {

inline std::int64_t ToInt(const SqlCell& cell) {
    std::int64_t value = 0;
    if (cell) {
        std::from_chars(cell->data(), cell->data() + cell->size(), value);
    }
    return value;
}

inline std::optional<TimePoint> ToOptionalTime(const SqlCell& cell) {
    if (!cell) {
        return std::nullopt;
    }
    return FromUnixMillis(ToInt(cell));
}

inline SqlParam TimeParam(const std::optional<TimePoint>& time) {
    if (!time) {
        return std::monostate{};
    }
    return ToUnixMillis(*time);
}

inline SqlParam OptionalText(const std::optional<std::string>& text) {
    return text ? SqlParam(*text) : SqlParam(std::monostate{});
}

inline std::string Select(std::string_view columns, std::string_view rest) {
    std::string sql = "SELECT ";
    sql += columns;
    sql += ' ';
    sql += rest;
    return sql;
}

inline Result<std::int64_t> QueryCount(SqlSession& session,
                                       std::string_view sql,
                                       const std::vector<SqlParam>& params) {
    auto rows = session.Query(sql, params);
    if (!rows) {
        return Fail(std::move(rows.error()));
    }
    return rows->empty() ? 0 : ToInt(rows->front().front());
}

// Runs `work(session) -> Result<T>` on one connection (in a write transaction when
// `transaction`) and hands its value back.
template <class T, class Work>
[[nodiscard]] Result<T> Run(SqlDatabase& database, bool transaction, Work&& work) {
    std::optional<T> value;
    const SessionWork body = [&](SqlSession& session) -> Result<void> {
        auto result = work(session);
        if (!result) {
            return Fail(std::move(result.error()));
        }
        value = std::move(*result);
        return Ok();
    };
    auto done = transaction ? database.WithTransaction(body) : database.WithSession(body);
    if (!done) {
        return Fail(std::move(done.error()));
    }
    return std::move(*value);
}

template <class T, class Work>
[[nodiscard]] Result<T> InSession(SqlDatabase& database, Work&& work) {
    return Run<T>(database, false, std::forward<Work>(work));
}

template <class T, class Work>
[[nodiscard]] Result<T> InTransaction(SqlDatabase& database, Work&& work) {
    return Run<T>(database, true, std::forward<Work>(work));
}

}  // namespace junction::storage::detail
