#include "runtime/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "atomic-file.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { fs::remove_all(path); }
};

unsigned modeOf(const fs::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST_CASE("writeFileAtomically replaces a file whole with the mode asked, leaving nothing else") {
  TempDir temp;
  const fs::path target = temp.path / "a" / "b" / "file";
  const mode_t old_umask = ::umask(077);
  REQUIRE(runtime::makeDirectories(target.parent_path()).ok());
  REQUIRE(runtime::writeFileAtomically(target, "one").ok());
  CHECK(modeOf(temp.path / "a") == 0755);
  CHECK(modeOf(target.parent_path()) == 0755);
  CHECK(modeOf(target) == 0644);
  REQUIRE(runtime::writeFileAtomically(target, "two", 0600).ok());
  ::umask(old_umask);
  CHECK(readFile(target) == "two");
  CHECK(modeOf(target) == 0600);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(target.parent_path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("writeFileAtomically and makeDirectories name the path they failed on") {
  TempDir temp;
  const fs::path missing = temp.path / "missing" / "file";
  auto written = runtime::writeFileAtomically(missing, "x");
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().message() ==
        "cannot write " + missing.string() + ": No such file or directory");
  std::ofstream(temp.path / "plain") << "x";
  auto made = runtime::makeDirectories(temp.path / "plain" / "dir");
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message() == "cannot create directory " + (temp.path / "plain").string() +
                                      ": a file of that name exists");
}
