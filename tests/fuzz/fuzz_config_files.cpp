// libFuzzer entry point for the configuration files: self-heal.conf, one
// handlers.d/NAME.conf and the auth secret file. The input is the three contents
// separated by NUL bytes (the secret last, so it may hold NULs too). Each file is
// parsed in memory (ParseIni, ApplyGlobalConfig, BuildHandler) and also written to a
// scratch directory and read back through LoadConfig and ReadAuthSecret, the way
// `serve` and `check` read them; both routes must agree. Beyond "no crash, no
// sanitizer report" it checks that errors are one-line messages naming their file, a
// loaded handler is usable, and the secret is the file less one trailing newline and
// never quoted in an error.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_files.h"
#include "config/config_loader.h"
#include "config/ini_file.h"
#include "config/values.h"

namespace {

namespace fs = std::filesystem;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Made once per process, removed when it exits (never destroyed itself, so the exit
// handler can still read it).
const std::string& ScratchDir() {
  static const std::string* const dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/self-heal-fuzz-config-XXXXXX";
    Check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    fs::create_directories(fs::path(pattern) / "handlers.d");
    fs::create_directories(fs::path(pattern) / "credentials");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(ScratchDir(), ec);
    });
    return new std::string(pattern);
  }();
  return *dir;
}

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  Check(out.good(), "scratch file written");
}

std::vector<std::string_view> SplitParts(std::string_view input, size_t count) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < count) {
    size_t nul = input.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(input.substr(0, nul));
    input.remove_prefix(nul + 1);
  }
  parts.push_back(input);
  parts.resize(count);
  return parts;
}

void CheckErrors(const std::vector<selfheal::ConfigError>& errors, const std::string& dir) {
  for (const selfheal::ConfigError& error : errors) {
    Check(!error.message.empty(), "an error says what is wrong");
    Check(error.line >= 0, "an error's line is not negative");
    Check(error.file.starts_with(dir), "an error names its file");
    const std::string line = selfheal::FormatConfigError(error);
    Check(line.find('\n') == std::string::npos, "an error is one line");
  }
}

void CheckHandler(const selfheal::HandlerConfig& handler) {
  Check(handler.name == "fuzz", "the handler is named after its file");
  Check(!handler.alertname.empty(), "a handler matches an alertname");
  Check(!handler.exec.empty() && selfheal::IsNormalizedAbsolutePath(handler.exec.front()),
        "a handler's Exec= starts with an absolute path");
  Check(handler.max_attempts > 0, "MaxAttempts= is positive");
  Check(handler.timeout.count() > 0, "TimeoutSec= is positive");
}

void CheckSecret(std::string_view content, const selfheal::SecretResult& result) {
  if (result.error.empty()) {
    std::string_view expected = content;
    if (expected.ends_with("\r\n")) {
      expected.remove_suffix(2);
    } else if (expected.ends_with('\n')) {
      expected.remove_suffix(1);
    }
    Check(!result.secret.empty() && result.secret == expected, "the secret is the file's");
  } else {
    Check(result.secret.empty(), "no secret with an error");
    // A content short enough to be part of the path or the wording proves nothing.
    if (content.size() >= 12) {
      Check(result.error.find(content) == std::string::npos, "an error never quotes the secret");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = ScratchDir();
  std::vector<std::string_view> parts =
      SplitParts(std::string_view(reinterpret_cast<const char*>(data), size), 3);
  const std::string global_file = dir + "/self-heal.conf";
  const std::string handler_file = dir + "/handlers.d/fuzz.conf";

  // In memory, as LoadConfig does it for each file.
  std::vector<selfheal::ConfigError> errors;
  selfheal::Config config;
  selfheal::IniDocument global = selfheal::ParseIni(global_file, parts[0], &errors);
  selfheal::ApplyGlobalConfig(global_file, global, &config.server, &errors);
  selfheal::IniDocument doc = selfheal::ParseIni(handler_file, parts[1], &errors);
  std::optional<selfheal::LoadedHandler> handler =
      selfheal::BuildHandler(handler_file, "fuzz", doc, &errors);
  CheckErrors(errors, dir);
  if (handler) CheckHandler(handler->config);
  for (const selfheal::IniAssignment& assignment : global.assignments) {
    Check(!assignment.section.empty() && !assignment.key.empty(), "an assignment has a place");
  }

  // From files, as `serve` and `check` read them.
  WriteFile(global_file, parts[0]);
  WriteFile(handler_file, parts[1]);
  selfheal::LoadedConfig loaded = selfheal::LoadConfig(dir);
  CheckErrors(loaded.errors, dir);
  Check(loaded.errors.size() == errors.size(), "LoadConfig finds what the parts find");
  Check(loaded.config.handlers.size() == (handler ? 1u : 0u), "LoadConfig keeps the handler");
  Check(loaded.config.server.webhook_path == config.server.webhook_path &&
            loaded.config.server.auth == config.server.auth &&
            loaded.config.server.max_body_bytes == config.server.max_body_bytes,
        "LoadConfig applies what the parts apply");
  if (loaded.ok()) {
    Check(selfheal::IsValidWebhookPath(loaded.config.server.webhook_path),
          "a loaded WebhookPath= is valid");
  }

  const std::string secret_file = dir + "/credentials/webhook-secret";
  WriteFile(secret_file, parts[2]);
  selfheal::ServerConfig server;
  server.auth_secret_file = secret_file;
  CheckSecret(parts[2], selfheal::ReadAuthSecret(server));
  setenv("CREDENTIALS_DIRECTORY", (dir + "/credentials").c_str(), 1);
  server.auth_secret_file = "webhook-secret";
  CheckSecret(parts[2], selfheal::ReadAuthSecret(server));
  return 0;
}
