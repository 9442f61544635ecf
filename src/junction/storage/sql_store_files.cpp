// SqlStore: metadata of users' files (API.md §3.5).
#include <string>
#include <utility>

#include "junction/storage/detail/sql_support.hpp"
#include "junction/storage/sql_store.hpp"

namespace junction::storage {
namespace {

using detail::InSession;
using detail::QueryCount;
using detail::Select;
using detail::ToInt;

constexpr std::string_view kFileColumns =
    "s3_key, user_id, filename, mime_type, md5, size, created_at, updated_at";

FileRow ToFile(const SqlRow& row) {
    return FileRow{.s3_key = row[0].value_or(""),
                   .user_id = row[1].value_or(""),
                   .filename = row[2].value_or(""),
                   .mime_type = row[3].value_or(""),
                   .md5 = row[4].value_or(""),
                   .size = ToInt(row[5]),
                   .created_at = FromUnixMillis(ToInt(row[6])),
                   .updated_at = FromUnixMillis(ToInt(row[7]))};
}

Error FileNotFound(std::string_view s3_key) {
    return Error{.code = ErrorCode::kNotFound,
                 .message = "File '" + std::string(s3_key) + "' not found"};
}

}  // namespace

Result<void> SqlStore::UpsertFileRecord(const FileRow& file) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query(
            "INSERT INTO files (s3_key, user_id, filename, mime_type, md5, size, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (s3_key) DO UPDATE SET mime_type = excluded.mime_type, "
            "md5 = excluded.md5, size = excluded.size, updated_at = excluded.updated_at",
            {file.s3_key,
             file.user_id,
             file.filename,
             file.mime_type,
             file.md5,
             file.size,
             ToUnixMillis(file.created_at),
             ToUnixMillis(file.updated_at)});
        if (!rows) {
            if (rows.error().code == ErrorCode::kFailedPrecondition) {
                // The owner was deleted meanwhile.
                return Fail(ErrorCode::kNotFound, "User '" + file.user_id + "' not found");
            }
            return Fail(std::move(rows.error()));
        }
        return Ok();
    });
}

Result<FileRow> SqlStore::FindFileRecord(std::string_view s3_key) {
    return InSession<FileRow>(*database_, [&](SqlSession& session) -> Result<FileRow> {
        auto rows = session.Query(Select(kFileColumns, "FROM files WHERE s3_key = $1"),
                                  {std::string(s3_key)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(FileNotFound(s3_key));
        }
        return ToFile(rows->front());
    });
}

Result<Page<FileRow>> SqlStore::ListFileRecords(std::string_view user_id, const PageRequest& page) {
    return InSession<Page<FileRow>>(*database_, [&](SqlSession& session) -> Result<Page<FileRow>> {
        const std::string owner(user_id);
        // `filename` compares bytewise on both backends (PostgreSQL: COLLATE "C" column).
        auto rows = session.Query(
            Select(kFileColumns,
                   "FROM files WHERE user_id = $1 "
                   "ORDER BY filename, s3_key LIMIT $2 OFFSET $3"),
            {owner, static_cast<std::int64_t>(page.limit), static_cast<std::int64_t>(page.offset)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        auto total = QueryCount(session, "SELECT count(*) FROM files WHERE user_id = $1", {owner});
        if (!total) {
            return Fail(std::move(total.error()));
        }
        Page<FileRow> result{.total = *total};
        for (const auto& row : *rows) {
            result.items.push_back(ToFile(row));
        }
        return result;
    });
}

Result<void> SqlStore::DeleteFileRecord(std::string_view s3_key) {
    return database_->WithSession([&](SqlSession& session) -> Result<void> {
        auto rows = session.Query("DELETE FROM files WHERE s3_key = $1 RETURNING s3_key",
                                  {std::string(s3_key)});
        if (!rows) {
            return Fail(std::move(rows.error()));
        }
        if (rows->empty()) {
            return Fail(FileNotFound(s3_key));
        }
        return Ok();
    });
}

}  // namespace junction::storage
