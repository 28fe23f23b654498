// Tests: the error tiers of files. A file that cannot be written (atomic
//   files, HDF5 files, syncs) is a StorageError, exit code 5, naming the
//   path; a file that cannot be read is an InputError, exit code 3, naming
//   it, with the hint its reader gave (the HDF5 layer knows files, not
//   streams). The exit codes are the README's "Exit codes" table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/h5.h"
#include "test_dir.h"

namespace mnemo {
namespace {

namespace fs = std::filesystem;

// The message of the error of type E that `f` throws, after checking that
// it carries `exit_code`.
template <class E, class F> std::string error_of(int exit_code, F&& f) {
  try {
    f();
  } catch (const E& e) {
    EXPECT_EQ(e.exit_code(), exit_code);
    return e.what();
  }
  ADD_FAILURE() << "no error of the expected type";
  return "";
}
template <class F> std::string storage_error(F&& f) { return error_of<StorageError>(5, f); }
template <class F> std::string input_error(F&& f) { return error_of<InputError>(3, f); }

// A path whose parent is a regular file: not even root can create it.
std::string below_a_file(const testing::TempDir& dir, const std::string& name) {
  { std::ofstream(dir.file("a-file")) << "x"; }
  return dir.file("a-file") + "/" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST(AtomicFile, WritesAndReplacesTheWholeFileLeavingNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.file("config.json");
  write_file_atomically(path, "first\n");
  write_file_atomically(path, "second\n");
  EXPECT_EQ(read_all(path), "second\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, UnwritablePathIsAStorageErrorNamingIt) {
  testing::TempDir dir;
  const std::string path = below_a_file(dir, "config.json");
  const std::string msg = storage_error([&] { write_file_atomically(path, "x"); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("HINT: "), std::string::npos) << msg;
}

TEST(AtomicFile, SyncOfAMissingFileIsAStorageErrorNamingIt) {
  testing::TempDir dir;
  const std::string path = dir.file("model.pt");
  const std::string msg = storage_error([&] { sync_file(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  std::ofstream(path) << "weights";
  sync_file(path);  // an existing file syncs
}

TEST(AtomicFile, CommitOfAMissingTemporaryIsAStorageErrorAndKeepsTheTarget) {
  testing::TempDir dir;
  const std::string path = dir.file("DONE");
  write_file_atomically(path, "old\n");
  const std::string msg = storage_error([&] { commit_file(dir.file("DONE.tmp"), path); });
  EXPECT_NE(msg.find(dir.file("DONE.tmp")), std::string::npos) << msg;
  EXPECT_EQ(read_all(path), "old\n");
}

TEST(Hdf5Files, UncreatableFileIsAStorageErrorNamingIt) {
  testing::TempDir dir;
  const std::string path = below_a_file(dir, "results.h5");
  const std::string msg = storage_error([&] { io::h5::File::create(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(Hdf5Files, WrittenFileReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.file("x.h5");
  {
    auto file = io::h5::File::create(path);
    io::h5::Loc root{file, file.id(), "/"};
    io::h5::write_attr(root, "answer", std::int64_t{42});
    file.close();
  }
  auto file = io::h5::File::open(path);
  EXPECT_EQ(io::h5::read_attr_int({file, file.id(), "/"}, "answer"), 42);
}

// The HDF5 layer says what is wrong with the file, and the hint its reader
// passed: it does not know what kind of file (a stream's) it reads.
TEST(Hdf5Files, CorruptFileIsAnInputErrorWithTheReadersHint) {
  testing::TempDir dir;
  const std::string path = dir.file("x.h5");
  std::ofstream(path) << "not an HDF5 file";
  const std::string generic = input_error([&] { io::h5::File::open(path); });
  EXPECT_NE(generic.find(path), std::string::npos) << generic;
  EXPECT_EQ(generic.find("stream"), std::string::npos) << generic;
  const std::string given = input_error([&] { io::h5::File::open(path, "do this instead"); });
  EXPECT_NE(given.find(path), std::string::npos) << given;
  EXPECT_NE(given.find("HINT: do this instead"), std::string::npos) << given;
}

TEST(Hdf5Files, MissingAttributeIsAnInputErrorWithTheReadersHint) {
  testing::TempDir dir;
  const std::string path = dir.file("x.h5");
  io::h5::File::create(path).close();
  auto file = io::h5::File::open(path, "do this instead");
  const std::string msg = input_error([&] { io::h5::read_attr_int({file, file.id(), "/"}, "answer"); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'answer'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("HINT: do this instead"), std::string::npos) << msg;
}

}  // namespace
}  // namespace mnemo
