#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

// A private temporary folder for exec-plugin tests: shell-script plugins, and the marker files
// through which a test and a running plugin wait for each other (so that no test depends on how
// fast a machine is). Removed with everything in it when the test ends.
class PluginDir {
 public:
  PluginDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kube-plugin-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~PluginDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  PluginDir(const PluginDir&) = delete;
  PluginDir& operator=(const PluginDir&) = delete;

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& dir() const { return dir_; }

  // Writes an executable /bin/sh script; "$DIR" in it is this folder.
  std::string script(const std::string& name, const std::string& body) const {
    auto file = dir_ / name;
    std::ofstream(file) << "#!/bin/sh\nDIR='" << dir_.string() << "'\n" << body;
    std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    return file.string();
  }

  void touch(const std::string& name) const { std::ofstream(dir_ / name) << ""; }
  bool exists(const std::string& name) const { return std::filesystem::exists(dir_ / name); }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Lines in a file that a plugin appends to once per run.
  int lines(const std::string& name) const {
    std::ifstream in(dir_ / name);
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  }

  // Waits until a plugin has created `name`. The bound only stops a broken test from hanging
  // until ctest's timeout; it is never what a test asserts on.
  bool waitFor(const std::string& name) const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!exists(name)) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

 private:
  std::filesystem::path dir_;
};

// The shell line with which a plugin blocks until the test creates `name` in its folder.
inline std::string waitUntilReleased(const std::string& name = "release") {
  return "while [ ! -e \"$DIR/" + name + "\" ]; do sleep 0.02; done\n";
}
