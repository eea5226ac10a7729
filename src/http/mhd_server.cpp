// mhd_server.cpp — HttpServer on libmicrohttpd (0.9.75, as in Debian 12).
//
// Implementation notes:
// - One internal polling thread (poll) serves every connection, so the webhook
//   callback runs one request at a time, on that thread. The callback must answer
//   quickly (decide, record, launch); while it runs, no other connection is served.
// - The header checks (http/request_checks.h, CheckRequestHead) run on the first call
//   of the access callback, before any body byte is read. A response queued on that
//   first call makes libmicrohttpd skip the body and close the connection after it.
//   Later calls cannot queue a response (MHD_queue_response refuses while the body is
//   being read), so a chunked body that grows past the limit is read on and dropped
//   until it ends, then answered 413; past kMaxDiscardBytes more the connection is
//   simply closed.
// - Slow or stuck clients (http/connection_deadlines.h, connection_watchdog.h): only
//   bodies hold a slot of MaxConnections=; with all held by young bodies, 503.
// - Every rejected request gets one journal entry (http/rejection.h): from Reject()
//   here, for what our checks and the callback's failures answer, and from
//   OwnAnswerJournal (http/mhd_own_answers.h) for what libmicrohttpd answers or drops
//   by itself. The per-request context is created in the URI log callback, the
//   earliest point at which libmicrohttpd knows a request began, so NOTIFY_COMPLETED
//   fires for every request whose line it parsed.
// - Connections are counted in NOTIFY_CONNECTION for IdleFor() and Quiesce().
// - SIGPIPE: libmicrohttpd sends with MSG_NOSIGNAL on Linux
//   (MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) and only buffer responses are used here, never
//   sendfile, so the process needs no SIGPIPE handling for the server's sake.
#include <microhttpd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.h"
#include "http/connection_count.h"
#include "http/connection_deadlines.h"
#include "http/connection_watchdog.h"
#include "http/mhd_own_answers.h"
#include "http/rejection.h"
#include "http/request_checks.h"
#include "http/server.h"
#include "http/tcp_counters.h"

namespace selfheal {

namespace {

constexpr uint64_t kMaxDiscardBytes = 1024 * 1024;  // of a chunked body over the limit
constexpr const char* kJson = "application/json";

using Headers = ResponseHeaders;

enum class Stage { kStarted, kReadingBody, kAnswered };

struct RequestContext {
  Stage stage = Stage::kStarted;
  std::string uri;     // raw request target, for requests that never reach the callback
  std::string method;  // set on the first call of the access callback
  std::string body;
  bool too_large = false;
  uint64_t dropped = 0;  // body bytes read and dropped after the limit was passed
};

std::optional<std::string_view> HeaderOf(MHD_Connection* connection, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

MHD_Result CollectContentLength(void* cls, MHD_ValueKind /*kind*/, const char* key,
                                const char* value) {
  if (key != nullptr && value != nullptr && EqualsIgnoreCase(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
    static_cast<std::vector<std::string_view>*>(cls)->emplace_back(value);
  }
  return MHD_YES;
}

// Every Content-Length header: MHD_lookup_connection_value() gives the first only,
// which would let a second, differing one pass unseen.
std::vector<std::string_view> ContentLengthsOf(MHD_Connection* connection) {
  std::vector<std::string_view> values;
  MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectContentLength, &values);
  return values;
}

class MhdServer final : public HttpServer {
 public:
  MhdServer(const ServerOptions& options, WebhookCallback callback, JournalSink& journal)
      : options_(options),
        callback_(std::move(callback)),
        journal_(journal),
        watchdog_(PolicyFor(options), journal),
        own_answers_(watchdog_.Throttled()) {}

  ~MhdServer() override {
    // With MHD_USE_ITC, stopping signals the thread instead of shutdown()ing the
    // listening socket, which matters when systemd shares that socket with us.
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  }

  Status Run(int listen_fd);
  bool IdleFor(Duration idle) const override;
  void Quiesce(Duration grace) override;

 private:
  static void* OnUri(void* cls, const char* uri, MHD_Connection* connection);
  static MHD_Result OnAccess(void* cls, MHD_Connection* connection, const char* url,
                             const char* method, const char* version, const char* upload_data,
                             size_t* upload_data_size, void** request_context);
  static void OnCompleted(void* cls, MHD_Connection* connection, void** request_context,
                          MHD_RequestTerminationCode code);
  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code);
  static void OnLog(void* cls, const char* format, va_list args);

  MHD_Result Access(MHD_Connection* connection, std::string_view url, std::string_view method,
                    const char* upload_data, size_t* upload_data_size, RequestContext& request);
  MHD_Result CheckHeaders(MHD_Connection* connection, std::string_view url, std::string_view method,
                          RequestContext& request);
  MHD_Result ReadBody(const char* data, size_t* size, RequestContext& request) const;
  MHD_Result Answer(MHD_Connection* connection, std::string_view url, std::string_view method,
                    RequestContext& request);
  MHD_Result Reject(MHD_Connection* connection, std::string_view url, std::string_view method,
                    RequestContext& request, unsigned status, const char* reason,
                    const std::string& detail, const Headers& headers = {});
  MHD_Result Send(MHD_Connection* connection, RequestContext& request, unsigned status,
                  const std::string& body, const Headers& headers, bool close);

  const ServerOptions options_;
  const WebhookCallback callback_;
  JournalSink& journal_;
  MHD_Daemon* daemon_ = nullptr;  // touched only by the owner's thread
  std::atomic<bool> quiescing_{false};

  ConnectionCount connections_;

  ConnectionWatchdog watchdog_;   // its own thread and mutex; outlives the daemon
  OwnAnswerJournal own_answers_;  // server thread (its own mutex); journals through watchdog_
};

Status MhdServer::Run(int listen_fd) {
  const auto timeout_s =
      std::chrono::duration_cast<std::chrono::seconds>(options_.request_timeout).count();
  // A second past our deadlines on total time: only a backstop for untracked ones.
  const unsigned timeout = static_cast<unsigned>(std::clamp<long long>(timeout_s, 1, 86400)) + 1;
  const unsigned mhd_limit = MhdConnectionLimit(PolicyFor(options_));
  try {
    watchdog_.Start();
  } catch (const std::exception& e) {
    return Error{Errc::kInternal, std::string("cannot start the watchdog: ") + e.what()};
  }
  // MHD_USE_ERROR_LOG: its messages go to OnLog only (never to stderr), which keeps
  // the statuses of the answers libmicrohttpd gives by itself.
  // MHD_USE_POLL, not EPOLL: libmicrohttpd 0.9.75's edge-triggered epoll reads a socket
  // once per wake-up, so a client whose last bytes and close arrive together (an
  // abandoned request) was seen only at its deadline. poll() is level-triggered, and
  // with at most MaxConnections + 16 sockets open its cost per round is small.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_POLL;
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &MhdServer::OnAccess, this, MHD_OPTION_EXTERNAL_LOGGER,
      &MhdServer::OnLog, this,  // first, or some go to stderr
      MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(listen_fd), MHD_OPTION_CONNECTION_TIMEOUT,
      timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemoryBytes,
      MHD_OPTION_CONNECTION_LIMIT, mhd_limit, MHD_OPTION_URI_LOG_CALLBACK, &MhdServer::OnUri, this,
      MHD_OPTION_NOTIFY_COMPLETED, &MhdServer::OnCompleted, this, MHD_OPTION_NOTIFY_CONNECTION,
      &MhdServer::OnConnection, this, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    return Error{Errc::kInternal, "libmicrohttpd refused to serve on fd " +
                                      std::to_string(listen_fd) + " (not a listening TCP socket?)"};
  }
  return Ok();
}

bool MhdServer::IdleFor(Duration idle) const { return connections_.IdleFor(idle); }

void MhdServer::Quiesce(Duration grace) {
  if (daemon_ == nullptr) return;
  quiescing_ = true;  // answers from now on carry "Connection: close"
  // The listening fd comes back to us: libmicrohttpd no longer accepts on it and will
  // not close it. Connections still in its backlog stay there; with socket activation
  // systemd holds its own copy and starts the service again for them.
  MHD_socket listen_fd = MHD_quiesce_daemon(daemon_);
  connections_.WaitForNone(grace);
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
}

// --- libmicrohttpd callbacks: C frames, so nothing may throw through them. ---

void* MhdServer::OnUri(void*, const char* uri, MHD_Connection* connection) {
  OwnAnswerJournal::RequestLineSeen(connection);
  auto* request = new (std::nothrow) RequestContext;
  if (request != nullptr && uri != nullptr) {
    try {
      request->uri = uri;
    } catch (...) {
    }
  }
  return request;  // null: OnAccess refuses the request
}

MHD_Result MhdServer::OnAccess(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char*, const char* upload_data,
                               size_t* upload_data_size, void** request_context) {
  auto* request = static_cast<RequestContext*>(*request_context);
  if (request == nullptr) return MHD_NO;
  try {
    return static_cast<MhdServer*>(cls)->Access(connection, url, method, upload_data,
                                                upload_data_size, *request);
  } catch (...) {
    return MHD_NO;  // libmicrohttpd closes the connection
  }
}

void MhdServer::OnCompleted(void* cls, MHD_Connection* connection, void** request_context,
                            MHD_RequestTerminationCode code) {
  auto* request = static_cast<RequestContext*>(*request_context);
  *request_context = nullptr;
  try {
    std::optional<EndedRequest> ended;
    if (request != nullptr) {
      ended = EndedRequest{request->stage == Stage::kAnswered, request->method, request->uri,
                           request->too_large};
    }
    auto* self = static_cast<MhdServer*>(cls);
    // Read once for both: a getsockopt and an ioctl per request are a measurable part
    // of a request that decides nothing.
    ConnectionState* state = StateOf(connection);
    const std::optional<TcpCounters> counters =
        state != nullptr ? ReadTcpCounters(state->fd) : std::nullopt;
    self->own_answers_.RequestEnded(connection, ended, code, counters);
    if (state != nullptr) self->watchdog_.RequestEnded(*state, counters);
  } catch (...) {
  }
  delete request;
}

void MhdServer::OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                             MHD_ConnectionNotificationCode code) {
  auto* self = static_cast<MhdServer*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    try {
      ConnectionState* state = self->own_answers_.ConnectionStarted(connection);
      *socket_context = state;
      if (state != nullptr) self->watchdog_.Opened(*state);
    } catch (...) {
    }
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    auto* state = static_cast<ConnectionState*>(*socket_context);
    *socket_context = nullptr;
    if (state != nullptr) {
      try {
        self->watchdog_.Closed(*state);  // first: it may shut the fd down until then
        self->own_answers_.ConnectionClosed(*state);
      } catch (...) {
      }
      delete state;
    }
  }
  try {
    if (code == MHD_CONNECTION_NOTIFY_STARTED) self->connections_.Opened();
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) self->connections_.Closed();
  } catch (...) {
  }
}

void MhdServer::OnLog(void* cls, const char* format, va_list args) {
  try {
    static_cast<MhdServer*>(cls)->own_answers_.Logged(format, args);
  } catch (...) {
  }
}

// --- request handling ---

MHD_Result MhdServer::Access(MHD_Connection* connection, std::string_view url,
                             std::string_view method, const char* upload_data,
                             size_t* upload_data_size, RequestContext& request) {
  switch (request.stage) {
    case Stage::kStarted:
      request.method = method;
      return CheckHeaders(connection, url, method, request);
    case Stage::kReadingBody:
      if (*upload_data_size != 0) return ReadBody(upload_data, upload_data_size, request);
      return Answer(connection, url, method, request);
    case Stage::kAnswered:
      break;
  }
  *upload_data_size = 0;
  return MHD_YES;
}

MHD_Result MhdServer::CheckHeaders(MHD_Connection* connection, std::string_view url,
                                   std::string_view method, RequestContext& request) {
  HeadVerdict verdict = CheckRequestHead(
      {url, method, HeaderOf(connection, MHD_HTTP_HEADER_AUTHORIZATION),
       HeaderOf(connection, MHD_HTTP_HEADER_CONTENT_TYPE), ContentLengthsOf(connection),
       HeaderOf(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING)},
      options_);
  if (verdict.action == HeadVerdict::Action::kReadBody &&
      !watchdog_.AdmitBody(StateOf(connection))) {
    verdict = OverCapacity(options_.max_connections);
  }
  switch (verdict.action) {
    case HeadVerdict::Action::kHealthy:
      return Send(connection, request, MHD_HTTP_OK, "{\"status\":\"ok\"}", {}, false);
    case HeadVerdict::Action::kRefuse:
      return Reject(connection, url, method, request, verdict.status, verdict.reason,
                    verdict.detail, verdict.headers);
    case HeadVerdict::Action::kReadBody:
      break;
  }
  request.body.reserve(static_cast<size_t>(verdict.content_length));
  request.stage = Stage::kReadingBody;
  return MHD_YES;
}

MHD_Result MhdServer::ReadBody(const char* data, size_t* size, RequestContext& request) const {
  const size_t n = *size;
  *size = 0;
  if (!request.too_large && n > options_.max_body_bytes - request.body.size()) {
    request.too_large = true;  // only a chunked body gets here: Content-Length was checked
    request.dropped = request.body.size();
    std::string().swap(request.body);
  }
  if (!request.too_large) {
    request.body.append(data, n);
    return MHD_YES;
  }
  request.dropped += n;
  // Stop reading an endless body; the connection closes without an answer.
  return request.dropped > options_.max_body_bytes + kMaxDiscardBytes ? MHD_NO : MHD_YES;
}

MHD_Result MhdServer::Answer(MHD_Connection* connection, std::string_view url,
                             std::string_view method, RequestContext& request) {
  if (request.too_large) {
    return Reject(connection, url, method, request, MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large",
                  "chunked body of " + std::to_string(request.dropped) +
                      " bytes exceeds the limit of " + std::to_string(options_.max_body_bytes) +
                      " bytes");
  }
  HttpResponse response;
  try {
    response = callback_(WebhookRequest{std::move(request.body), RemoteOf(connection),
                                        std::string(method), std::string(url)});
  } catch (const std::exception& e) {
    return Reject(connection, url, method, request, MHD_HTTP_INTERNAL_SERVER_ERROR,
                  "internal-error", std::string("webhook callback failed: ") + e.what());
  }
  if (response.status < 200 || response.status > 599) {
    return Reject(connection, url, method, request, MHD_HTTP_INTERNAL_SERVER_ERROR,
                  "internal-error",
                  "webhook callback answered with status " + std::to_string(response.status));
  }
  return Send(connection, request, static_cast<unsigned>(response.status), response.body, {},
              false);
}

MHD_Result MhdServer::Reject(MHD_Connection* connection, std::string_view url,
                             std::string_view method, RequestContext& request, unsigned status,
                             const char* reason, const std::string& detail,
                             const Headers& headers) {
  journal_.Write(RequestRejectedEvent({RemoteOf(connection), std::string(method), std::string(url),
                                       static_cast<int>(status), reason, detail}));
  // A rejected request's body is never read, so the connection cannot be reused; say
  // so rather than let libmicrohttpd close it silently after the answer.
  const bool close = status != MHD_HTTP_NOT_FOUND && status != MHD_HTTP_METHOD_NOT_ALLOWED;
  return Send(connection, request, status, JsonError(detail), headers, close);
}

MHD_Result MhdServer::Send(MHD_Connection* connection, RequestContext& request, unsigned status,
                           const std::string& body, const Headers& headers, bool close) {
  request.stage = Stage::kAnswered;
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  bool ok = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, kJson) == MHD_YES;
  for (const auto& [name, value] : headers) {
    ok = ok && MHD_add_response_header(response, name, value.c_str()) == MHD_YES;
  }
  if (close || quiescing_) {
    ok = ok && MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
  }
  MHD_Result result = ok ? MHD_queue_response(connection, status, response) : MHD_NO;
  MHD_destroy_response(response);
  return result;
}

}  // namespace

Expected<std::unique_ptr<HttpServer>> HttpServer::Start(int listen_fd, const ServerOptions& options,
                                                        WebhookCallback callback,
                                                        JournalSink& journal) {
  if (options.webhook_path.empty() || options.webhook_path.front() != '/' ||
      options.webhook_path == kHealthPath || !callback) {
    close(listen_fd);
    return Error{Errc::kInvalidInput, "Invalid webhook path '" +
                                          EscapeForLog(options.webhook_path) +
                                          "' (must start with '/' and differ from " +
                                          std::string(kHealthPath) + ") or no webhook callback"};
  }
  auto server = std::make_unique<MhdServer>(options, std::move(callback), journal);
  Status started = server->Run(listen_fd);
  if (!started.ok()) {
    close(listen_fd);  // ownership passed to us, also on failure
    return started.error();
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace selfheal
