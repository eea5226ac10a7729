// server.h — the HTTP/1.1 listener (libmicrohttpd) on an inherited or bound socket.
// It owns the protocol-level checks, in the order journal-remote does them: capacity,
// method and path, authentication, Content-Type, Content-Length/body size, and only
// then reads the body. The webhook callback sees complete, size-checked POST bodies.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "common/time.h"
#include "config/config.h"
#include "journal/journal.h"

namespace selfheal {

struct WebhookRequest {
  std::string body;
  std::string remote;    // "127.0.0.1:53412"
  std::string method{};  // "POST", set by the server (for the journal)
  std::string path{};    // the webhook path it was posted to
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON, one line
};

// Called on the server's single request thread, one request at a time: decisions are
// therefore serialised within the process.
using WebhookCallback = std::function<HttpResponse(const WebhookRequest&)>;

struct ServerOptions {
  std::string webhook_path = "/";
  size_t max_body_bytes = 1024 * 1024;
  unsigned max_connections = 64;  // bodies read at once; beyond: 503, never a silent drop
  // Idle timeout, and the deadline of a request's headers and then of its body.
  Duration request_timeout = std::chrono::seconds(10);
  AuthKind auth = AuthKind::kNone;
  std::string auth_user;    // basic
  std::string auth_secret;  // compared in constant time; never logged
};

class HttpServer {
 public:
  // Starts serving on `listen_fd` (a bound, listening TCP socket; ownership passes to
  // the server, also on failure: the fd is closed then). Errc::kInvalidInput when
  // webhook_path does not start with '/' or is /-/healthy, or `callback` is empty;
  // Errc::kInternal when libmicrohttpd refuses the socket.
  static Expected<std::unique_ptr<HttpServer>> Start(int listen_fd, const ServerOptions& options,
                                                     WebhookCallback callback,
                                                     JournalSink& journal);
  virtual ~HttpServer() = default;

  // True when no connection is open and none has been for at least `idle`.
  virtual bool IdleFor(Duration idle) const = 0;
  // Stops accepting new connections; connections still queued on the listening socket
  // stay there (with socket activation, systemd starts the service again for them).
  // Waits, at most `grace`, until every open connection has closed (answers given from
  // now on carry "Connection: close", so a request in progress completes and its
  // connection ends), then stops and closes what is left. Call it from the thread
  // that owns the server, never from the callback; a second call does nothing.
  virtual void Quiesce(Duration grace) = 0;
};

// Binds and listens on "127.0.0.1:PORT" (IPv4 or [::1]). PORT 0 picks a free port;
// `bound_port` receives the actual one.
Expected<int> BindListen(const std::string& address, int* bound_port);

}  // namespace selfheal
