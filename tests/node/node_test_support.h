#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace node::testing {

inline const std::string kOldCa = "-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n";
inline const std::string kNewCa = "-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n";

// A fresh empty directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "node-ca.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string str() const { return path.string(); }
};

// The whole file at `path` (empty when it cannot be read; the caller's checks then fail).
inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void writeFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

inline struct stat statOf(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

inline unsigned modeOf(const std::filesystem::path& path) { return statOf(path).st_mode & 07777; }

// What changes when a file is written again, even with the same bytes: the inode (a rename
// brings a new one) and the modification time.
struct FileIdentity {
  ino_t inode;
  timespec mtime;
  bool operator==(const FileIdentity& other) const {
    return inode == other.inode && mtime.tv_sec == other.mtime.tv_sec &&
           mtime.tv_nsec == other.mtime.tv_nsec;
  }
};
inline FileIdentity identityOf(const std::filesystem::path& path) {
  struct stat info = statOf(path);
  return {info.st_ino, info.st_mtim};
}

}  // namespace node::testing
