// fixtures.h — the captured Alertmanager requests in tests/fixtures/alertmanager/, for
// every unit test that replays them. A missing or unreadable fixture is a test failure
// that names the file, never an empty body that fails later for another reason.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace selfheal::fixtures {

inline std::filesystem::path Dir() { return SELFHEAL_FIXTURES_DIR; }

inline std::string Path(std::string_view name) { return (Dir() / name).string(); }

// The bytes of FILE (a fixture path or any file a test needs whole).
inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string Read(std::string_view name) { return ReadBytes(Path(name)); }

// Every fixture whose name ends in `extension` (".json", ".http"), sorted.
inline std::vector<std::filesystem::path> WithExtension(std::string_view extension) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (std::filesystem::directory_iterator it(Dir(), error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() == extension) paths.push_back(it->path());
  }
  if (error) ADD_FAILURE() << "cannot list " << Dir() << ": " << error.message();
  if (paths.empty()) ADD_FAILURE() << "no " << extension << " fixtures in " << Dir();
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace selfheal::fixtures
