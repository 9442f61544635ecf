// SqlStore: master-key rotation over the sealed columns, and the settings compare-and-swap.
#include <array>
#include <string>
#include <utility>

#include "junction/storage/detail/sql_support.hpp"
#include "junction/storage/sql_store.hpp"

namespace junction::storage {
namespace {

using detail::InSession;
using detail::ToInt;

// Where each SealedColumn lives. Must stay in sync with the SealedColumn enumerators (one row
// per enumerator, in order). Identifiers come only from this table, never from input.
struct SealedColumnInfo {
    SealedColumn column;
    std::string_view table;
    std::string_view value_column;
};

constexpr std::array kSealedColumns{
    SealedColumnInfo{SealedColumn::kCredentialSecret, "credentials", "secret"},
    SealedColumnInfo{SealedColumn::kAuthConfigClientSecret, "auth_configs", "client_secret"},
    SealedColumnInfo{SealedColumn::kOAuthFlowSecret, "oauth_flows", "secret"},
};

constexpr bool RowsFollowEnumOrder() {
    for (std::size_t i = 0; i < kSealedColumns.size(); ++i) {
        if (static_cast<std::size_t>(kSealedColumns[i].column) != i) {
            return false;
        }
    }
    return kSealedColumns.size() == static_cast<std::size_t>(SealedColumn::kOAuthFlowSecret) + 1;
}
static_assert(RowsFollowEnumOrder(), "kSealedColumns must have one row per SealedColumn, in order");

const SealedColumnInfo& Describe(SealedColumn column) {
    return kSealedColumns.at(static_cast<std::size_t>(column));
}

}  // namespace

Result<std::vector<SealedValue>> SqlStore::ListSealedValuesNotUnder(SealedColumn column,
                                                                    std::uint32_t key_id,
                                                                    std::string_view after_row_id,
                                                                    std::size_t limit) {
    const SealedColumnInfo& info = Describe(column);
    std::string sql = "SELECT id, ";
    sql += info.value_column;
    sql += ", key_id FROM ";
    sql += info.table;
    sql += " WHERE key_id <> $1 AND id > $2 ORDER BY id LIMIT $3";
    return InSession<std::vector<SealedValue>>(
        *database_, [&](SqlSession& session) -> Result<std::vector<SealedValue>> {
            auto rows = session.Query(sql,
                                      {static_cast<std::int64_t>(key_id),
                                       std::string(after_row_id),
                                       static_cast<std::int64_t>(limit)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            std::vector<SealedValue> values;
            values.reserve(rows->size());
            for (const auto& row : *rows) {
                values.push_back(SealedValue{.row_id = row[0].value_or(""),
                                             .sealed = row[1].value_or(""),
                                             .key_id = static_cast<std::uint32_t>(ToInt(row[2]))});
            }
            return values;
        });
}

Result<bool> SqlStore::ReplaceSealedValue(SealedColumn column,
                                          std::string_view expected,
                                          const SealedValue& replacement) {
    const SealedColumnInfo& info = Describe(column);
    std::string sql = "UPDATE ";
    sql += info.table;
    sql += " SET ";
    sql += info.value_column;
    sql += " = $1, key_id = $2 WHERE id = $3 AND ";
    sql += info.value_column;
    sql += " = $4 RETURNING id";
    return InSession<bool>(*database_, [&](SqlSession& session) -> Result<bool> {
        auto rows = session.Query(sql,
                                  {replacement.sealed,
                                   static_cast<std::int64_t>(replacement.key_id),
                                   replacement.row_id,
                                   std::string(expected)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return !rows->empty();
    });
}

Result<std::vector<KeyIdCount>> SqlStore::CountSealedValuesByKeyId(SealedColumn column) {
    const SealedColumnInfo& info = Describe(column);
    std::string sql = "SELECT key_id, count(*) FROM ";
    sql += info.table;
    sql += " GROUP BY key_id ORDER BY key_id";
    return InSession<std::vector<KeyIdCount>>(
        *database_, [&](SqlSession& session) -> Result<std::vector<KeyIdCount>> {
            auto rows = session.Query(sql, {});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            std::vector<KeyIdCount> counts;
            counts.reserve(rows->size());
            for (const auto& row : *rows) {
                counts.push_back(KeyIdCount{.key_id = static_cast<std::uint32_t>(ToInt(row[0])),
                                            .rows = ToInt(row[1])});
            }
            return counts;
        });
}

Result<std::optional<std::string>> SqlStore::FindSetting(std::string_view name) {
    return InSession<std::optional<std::string>>(
        *database_, [&](SqlSession& session) -> Result<std::optional<std::string>> {
            auto rows =
                session.Query("SELECT value FROM settings WHERE name = $1", {std::string(name)});
            if (!rows) {
                return Fail(std::move(rows.error()));
            }
            if (rows->empty()) {
                return std::optional<std::string>{};
            }
            return std::optional<std::string>{rows->front().front().value_or("")};
        });
}

Result<bool> SqlStore::ReplaceSetting(std::string_view name,
                                      std::string_view expected,
                                      std::string_view value,
                                      TimePoint now) {
    return InSession<bool>(*database_, [&](SqlSession& session) -> Result<bool> {
        auto rows = session.Query(
            "UPDATE settings SET value = $1, updated_at = $2 WHERE name = $3 AND value = $4 "
            "RETURNING name",
            {std::string(value), ToUnixMillis(now), std::string(name), std::string(expected)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        return !rows->empty();
    });
}

}  // namespace junction::storage
