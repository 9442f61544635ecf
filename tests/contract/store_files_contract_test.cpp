// The files half of the store contract (metadata of users' files, API.md §3.5) on SQLite and
// PostgreSQL, and the disk FileStore the metadata describes.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "junction/storage/disk_file_store.hpp"
#include "junction/testing/temp_dir.hpp"
#include "store_fixture.hpp"

namespace junction::storage {
namespace {

using contract::At;
using contract::BackendNames;
using contract::Backends;
using contract::kAlice;
using contract::kBob;

FileRow File(std::string_view owner, std::string filename, std::int64_t at_ms = 1000) {
    return FileRow{.s3_key = std::string(owner) + "_" + filename,
                   .user_id = std::string(owner),
                   .filename = filename,
                   .mime_type = "text/plain",
                   .md5 = "5d41402abc4b2a76b9719d911017c592",
                   .size = 5,
                   .created_at = At(at_ms),
                   .updated_at = At(at_ms)};
}

template <class Backend>
class FileStoreContractTest : public contract::StoreContractTest<Backend> {
protected:
    void SetUp() override {
        contract::StoreContractTest<Backend>::SetUp();
        this->SeedUser(std::string(kAlice), "alice");
        this->SeedUser(std::string(kBob), "bob");
    }
    void Seed(const FileRow& file) {
        const auto stored = this->TheStore().UpsertFileRecord(file);
        ASSERT_TRUE(stored.has_value()) << stored.error().message << stored.error().detail;
    }
    std::vector<std::string> Names(std::string_view owner, PageRequest page = {}) {
        std::vector<std::string> names;
        auto listed = this->TheStore().ListFileRecords(owner, page);
        EXPECT_TRUE(listed.has_value());
        for (const auto& file : listed.value_or(Page<FileRow>{}).items) {
            names.push_back(file.filename);
        }
        return names;
    }
};

TYPED_TEST_SUITE(FileStoreContractTest, Backends, BackendNames);

TYPED_TEST(FileStoreContractTest, UpsertedRowRoundTripsAndReplacesContentKeepingCreatedAt) {
    this->Seed(File(kAlice, "a.txt", 1000));
    auto found = this->TheStore().FindFileRecord(std::string(kAlice) + "_a.txt");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->user_id, kAlice);
    EXPECT_EQ(found->filename, "a.txt");
    EXPECT_EQ(found->mime_type, "text/plain");
    EXPECT_EQ(found->md5, "5d41402abc4b2a76b9719d911017c592");
    EXPECT_EQ(found->size, 5);
    EXPECT_EQ(found->updated_at, At(1000));

    FileRow replaced = File(kAlice, "a.txt", 2000);
    replaced.mime_type = "application/json";
    replaced.md5 = "00000000000000000000000000000000";
    replaced.size = 5'000'000'000;  // beyond 32 bits
    this->Seed(replaced);
    found = this->TheStore().FindFileRecord(std::string(kAlice) + "_a.txt");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mime_type, "application/json");
    EXPECT_EQ(found->md5, replaced.md5);
    EXPECT_EQ(found->size, 5'000'000'000);
    EXPECT_EQ(found->created_at, At(1000));
    EXPECT_EQ(found->updated_at, At(2000));
}

TYPED_TEST(FileStoreContractTest, ListsOneUsersFilesBytewiseByFilenameWithPaging) {
    for (const char* name : {"b", "a", "B", "_z", "a b"}) {
        this->Seed(File(kAlice, name));
    }
    this->Seed(File(kBob, "0"));
    EXPECT_EQ(this->Names(kAlice), (std::vector<std::string>{"B", "_z", "a", "a b", "b"}));
    EXPECT_EQ(this->Names(kAlice, {.limit = 2, .offset = 1}),
              (std::vector<std::string>{"_z", "a"}));
    const auto page = this->TheStore().ListFileRecords(kAlice, {.limit = 1, .offset = 0});
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->total, 5);
    EXPECT_EQ(this->Names(kBob), (std::vector<std::string>{"0"}));
}

TYPED_TEST(FileStoreContractTest, DeleteAndUnknownKeysAreNotFound) {
    this->Seed(File(kAlice, "a.txt"));
    EXPECT_TRUE(this->TheStore().DeleteFileRecord(std::string(kAlice) + "_a.txt").has_value());
    const auto gone = this->TheStore().FindFileRecord(std::string(kAlice) + "_a.txt");
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(gone.error().message, "File '" + std::string(kAlice) + "_a.txt' not found");
    const auto again = this->TheStore().DeleteFileRecord(std::string(kAlice) + "_a.txt");
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(FileStoreContractTest, AFileOfAnUnknownUserIsRefusedAndRowsGoWithTheirUser) {
    const auto orphan = this->TheStore().UpsertFileRecord(File("aaaaaaaaaaaaaaaaaaaaaaa9", "x"));
    ASSERT_FALSE(orphan.has_value());
    EXPECT_EQ(orphan.error().code, ErrorCode::kNotFound);
    this->Seed(File(kAlice, "a.txt"));
    this->Seed(File(kBob, "b.txt"));
    ASSERT_TRUE(this->TheStore().DeleteUser(kAlice, At(5000)).has_value());
    EXPECT_TRUE(this->Names(kAlice).empty());
    EXPECT_EQ(this->Names(kBob), (std::vector<std::string>{"b.txt"}));
}

std::string ReadAll(const ByteSource& source) {
    std::string bytes(static_cast<std::size_t>(source.Size()), '\0');
    std::size_t at = 0;
    while (at < bytes.size()) {
        auto read = source.ReadAt(at, bytes.data() + at, 3);  // small reads on purpose
        EXPECT_TRUE(read.has_value());
        if (!read || *read == 0) {
            break;
        }
        at += *read;
    }
    return bytes;
}

std::size_t EntriesUnder(const std::filesystem::path& root) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        count += entry.is_regular_file() ? 1U : 0U;
    }
    return count;
}

TEST(DiskFileStoreTest, NothingIsVisibleOrLeftBeforeCommit) {
    testing::TempDir dir;
    auto store = DiskFileStore::OpenDirectory(dir.Path() / "files");
    ASSERT_TRUE(store.has_value());
    {
        auto writer = (*store)->Create("user1/blob");
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->Append("partial").has_value());
        EXPECT_EQ((*store)->Open("user1/blob").error().code, ErrorCode::kNotFound);
        EXPECT_EQ(EntriesUnder(dir.Path() / "files"), 1U);  // the temporary file
    }
    EXPECT_EQ(EntriesUnder(dir.Path() / "files"), 0U);
}

TEST(DiskFileStoreTest, CommitReplacesAtomicallyAndOpenReadersKeepTheirBytes) {
    testing::TempDir dir;
    auto store = DiskFileStore::OpenDirectory(dir.Path() / "files");
    ASSERT_TRUE(store.has_value());
    const auto put = [&](std::string_view bytes) {
        auto writer = (*store)->Create("user1/blob");
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->Append(bytes).has_value());
        ASSERT_TRUE((*writer)->Commit().has_value());
    };
    put("first version");
    auto first = (*store)->Open("user1/blob");
    ASSERT_TRUE(first.has_value());
    put("second");
    EXPECT_EQ(ReadAll(**first), "first version");
    auto second = (*store)->Open("user1/blob");
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(ReadAll(**second), "second");
    ASSERT_TRUE((*store)->Remove("user1/blob").has_value());
    EXPECT_EQ(ReadAll(**second), "second");
    EXPECT_EQ((*store)->Open("user1/blob").error().code, ErrorCode::kNotFound);
    EXPECT_TRUE((*store)->Remove("user1/blob").has_value());  // already gone is fine
    EXPECT_EQ(EntriesUnder(dir.Path() / "files"), 0U);
}

TEST(DiskFileStoreTest, KeysThatCouldEscapeTheRootAreRefused) {
    testing::TempDir dir;
    auto store = DiskFileStore::OpenDirectory(dir.Path() / "files");
    ASSERT_TRUE(store.has_value());
    for (const std::string_view key :
         {"../x", "/abs", "a/../b", "a//b", "a/", ".tmp-x", "a.b", ""}) {
        EXPECT_EQ((*store)->Create(key).error().code, ErrorCode::kInvalidArgument) << key;
        EXPECT_EQ((*store)->Open(key).error().code, ErrorCode::kInvalidArgument) << key;
    }
    EXPECT_EQ((*store)->RemoveGroup("a/b").error().code, ErrorCode::kInvalidArgument);
}

TEST(DiskFileStoreTest, RemoveGroupDeletesOneUsersFiles) {
    testing::TempDir dir;
    auto store = DiskFileStore::OpenDirectory(dir.Path() / "files");
    ASSERT_TRUE(store.has_value());
    for (const char* key : {"u1/a", "u1/b", "u2/a"}) {
        auto writer = (*store)->Create(key);
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->Commit().has_value());
    }
    ASSERT_TRUE((*store)->RemoveGroup("u1").has_value());
    EXPECT_FALSE(std::filesystem::exists(dir.Path() / "files" / "u1"));
    EXPECT_TRUE((*store)->Open("u2/a").has_value());
}

TEST(DiskFileStoreTest, StaleTemporaryFilesGoAtStartYoungOnesStay) {
    testing::TempDir dir;
    const auto root = dir.Path() / "files";
    std::filesystem::create_directories(root / "u1");
    std::ofstream(root / "u1" / ".tmp-old") << "x";
    std::ofstream(root / "u1" / ".tmp-new") << "x";
    std::filesystem::last_write_time(
        root / "u1" / ".tmp-old",
        std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
    ASSERT_TRUE(DiskFileStore::OpenDirectory(root).has_value());
    EXPECT_FALSE(std::filesystem::exists(root / "u1" / ".tmp-old"));
    EXPECT_TRUE(std::filesystem::exists(root / "u1" / ".tmp-new"));
}

}  // namespace
}  // namespace junction::storage
