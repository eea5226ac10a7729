// ReadAuthSecret: the webhook's bearer token or basic-auth password, from a systemd
// credential. Every message here names the file; none may ever include a byte of it.
#include <cstdlib>

#include "config/config_loader.h"
#include "config/small_file.h"

namespace selfheal {
namespace {

constexpr size_t kMaxSecretBytes = 4096;

SecretResult Fail(std::string message) { return SecretResult{{}, std::move(message)}; }

}  // namespace

SecretResult ReadAuthSecret(const ServerConfig& server) {
  const std::string& name = server.auth_secret_file;
  if (name.empty()) return Fail("AuthSecretFile= is not set");
  std::string path = name;
  if (name.front() != '/') {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (credentials == nullptr || *credentials == '\0') {
      return Fail("AuthSecretFile='" + name +
                  "' is a credential name but $CREDENTIALS_DIRECTORY is not set; pass it "
                  "with LoadCredential= in the unit, or give an absolute path");
    }
    path = std::string(credentials) + "/" + name;
  }
  auto data = ReadSmallFile(path, kMaxSecretBytes);
  if (!data.ok()) {
    return Fail("Cannot read the auth secret file '" + path + "': " + data.error().message);
  }
  std::string secret = std::move(data).value();
  // One trailing newline is how editors and `echo` leave a file; it is not part of the
  // secret. Only one, so a secret that really ends in a newline can still be written.
  if (secret.ends_with("\r\n")) {
    secret.resize(secret.size() - 2);
  } else if (secret.ends_with('\n')) {
    secret.pop_back();
  }
  if (secret.empty()) return Fail("The auth secret file '" + path + "' is empty");
  return SecretResult{std::move(secret), {}};
}

}  // namespace selfheal
