// mhd_server.cpp — HttpServer on libmicrohttpd (0.9.75, as in Debian 12).
//
// Implementation notes:
// - One internal polling thread (epoll) serves every connection, so the webhook
//   handler runs one request at a time, on that thread. The handler must answer
//   quickly (decide, record, launch); while it runs, no other connection is served.
// - Checks run on the first call of the access handler, after the headers and before
//   any body byte is read, in journal-remote's order: capacity, path and method,
//   authentication, Content-Type, Content-Length. A response queued on that first
//   call makes libmicrohttpd skip the body and close the connection after answering.
//   Later calls cannot queue a response (MHD_queue_response refuses while the body is
//   being read), so a chunked body that grows past the limit is read on and dropped
//   until it ends, then answered 413; past kMaxDiscardBytes more the connection is
//   simply closed.
// - libmicrohttpd's own connection limit is set above max_connections, so that a
//   request over capacity still has its headers read and gets 503 + Retry-After (which
//   Alertmanager retries) instead of a silent close. At libmicrohttpd's own limit it
//   stops accepting (with an ITC it takes the listening socket out of its epoll set),
//   and further connections wait in the kernel's backlog.
// - Every rejected request gets one journal entry (http/rejection.h), from one of
//   three places:
//   * Reject(), for what our checks and the handler's failures answer;
//   * NOTIFY_COMPLETED, for a request whose line libmicrohttpd parsed but that we never
//     answered: it timed out, was abandoned, or libmicrohttpd answered it itself
//     (headers over the memory limit: 431; a Content-Length it cannot parse: 400).
//     The per-request context is created in the URI log callback, the earliest point
//     at which libmicrohttpd knows a request began, so NOTIFY_COMPLETED fires for all
//     of these; the status libmicrohttpd queued is still readable there;
//   * NOTIFY_CONNECTION CLOSED, for what libmicrohttpd refused before it had a request
//     line (too long: 414; malformed: 400 or 505, or a close without an answer). No
//     callback of ours runs for such a request, so each connection keeps a state (the
//     socket context) that counts the request lines seen, and on close the kernel's
//     TCP counters say whether the client sent data that never became a request line
//     we saw, or whether something was written after the last request we saw ended.
//     An idle keep-alive close or a connection that sent nothing is journaled by none
//     of the three. Limit: a kept-alive connection that sends part of a further
//     request line and then goes quiet is closed like an idle one, unjournaled.
// - The status of such an answer comes from libmicrohttpd's own error log
//   (MHD_OPTION_EXTERNAL_LOGGER: "Error processing request (HTTP response code is
//   N ..."), which does not say which connection it concerns. Each logged status is
//   matched to a connection that closes later with an unseen answer; when the
//   candidates disagree, the entry carries no HTTP_STATUS rather than a guess.
// - Connections are counted in NOTIFY_CONNECTION for IdleFor() and Quiesce(); the
//   counters are read from other threads, hence the mutex.
// - SIGPIPE: libmicrohttpd sends with MSG_NOSIGNAL on Linux
//   (MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) and only buffer responses are used here, never
//   sendfile, so the process needs no SIGPIPE handling for the server's sake.
#include <microhttpd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "common/text.h"
#include "http/auth.h"
#include "http/rejection.h"
#include "http/request_checks.h"
#include "http/server.h"
#include "http/socket_address.h"
#include "http/tcp_counters.h"

namespace selfheal {

namespace {

constexpr size_t kConnectionMemoryBytes = 32 * 1024;  // headers; beyond: MHD sends 431
constexpr unsigned kConnectionsBeyondLimit = 16;      // answered 503, not dropped
constexpr uint64_t kMaxDiscardBytes = 1024 * 1024;    // of a chunked body over the limit
constexpr size_t kMaxPendingAnswers = 64;             // libmicrohttpd answers not yet matched
constexpr const char* kHealthPath = "/-/healthy";
constexpr const char* kJson = "application/json";

using SteadyClock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<const char*, std::string>>;

enum class Stage { kStarted, kReadingBody, kAnswered };

// Per connection (libmicrohttpd's socket context), from NOTIFY_CONNECTION STARTED to
// CLOSED; touched on the server thread only, except `since` (under track_mu_).
struct ConnectionState {
  int fd = -1;
  std::string remote;
  uint64_t since = 0;       // tick of the start, or of the end of the last request seen
  unsigned requests = 0;    // request lines libmicrohttpd parsed (URI callbacks)
  bool in_request = false;  // from the URI callback to NOTIFY_COMPLETED
  uint64_t written = 0;     // TcpCounters::bytes_written when the last request ended
};

// A status libmicrohttpd logged answering a request itself, not yet matched.
struct MhdAnswer {
  uint64_t tick;
  unsigned status;
};

struct Refusal {
  const char* reason;
  std::string error;
};

// Reason and error of a request libmicrohttpd answered with `status` (0: unknown).
Refusal MhdRefusal(unsigned status) {
  const char* phrase = status != 0 ? MHD_get_reason_phrase_for(status) : nullptr;
  const std::string answered =
      status == 0 ? std::string("libmicrohttpd answered it itself")
                  : "libmicrohttpd answered " + std::to_string(status) +
                        (phrase != nullptr && *phrase != '\0' ? " " + std::string(phrase) : "");
  const std::string buffer = std::to_string(kConnectionMemoryBytes / 1024) + " KiB";
  switch (status) {
    case 0:
      return {"malformed", "request line or headers malformed or too long; " + answered};
    case MHD_HTTP_BAD_REQUEST:
      return {"malformed", "malformed request line, headers or chunk framing; " + answered};
    case MHD_HTTP_CONTENT_TOO_LARGE:
      return {"body-too-large", "Content-Length beyond what libmicrohttpd takes; " + answered};
    case MHD_HTTP_URI_TOO_LONG:
      return {"uri-too-long",
              "request line over the " + buffer + " a connection may use; " + answered};
    case MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE:
      return {"headers-too-large",
              "headers over the " + buffer + " a connection may use; " + answered};
    case MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED:
      return {"unsupported-http-version", "HTTP version other than 1.x; " + answered};
    default:
      return {"malformed", answered};
  }
}

struct RequestContext {
  Stage stage = Stage::kStarted;
  std::string uri;     // raw request target, for requests that never reach the handler
  std::string method;  // set on the first call of the access handler
  std::string body;
  bool too_large = false;
  uint64_t dropped = 0;  // body bytes read and dropped after the limit was passed
};

std::string RemoteOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return FormatSocketAddress(info != nullptr ? info->client_addr : nullptr);
}

ConnectionState* StateOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != nullptr ? static_cast<ConnectionState*>(info->socket_context) : nullptr;
}

std::optional<std::string_view> HeaderOf(MHD_Connection* connection, const char* name) {
  const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

class MhdServer final : public HttpServer {
 public:
  MhdServer(const ServerOptions& options, WebhookHandler handler, JournalSink& journal)
      : options_(options), handler_(std::move(handler)), journal_(journal),
        last_closed_(SteadyClock::now()) {}

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
                             const char* method, const char* version,
                             const char* upload_data, size_t* upload_data_size,
                             void** request_context);
  static void OnCompleted(void* cls, MHD_Connection* connection, void** request_context,
                          MHD_RequestTerminationCode code);
  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code);
  static void OnLog(void* cls, const char* format, va_list args);

  MHD_Result Access(MHD_Connection* connection, std::string_view url,
                    std::string_view method, const char* upload_data,
                    size_t* upload_data_size, RequestContext& request);
  MHD_Result CheckHeaders(MHD_Connection* connection, std::string_view url,
                          std::string_view method, RequestContext& request);
  MHD_Result ReadBody(const char* data, size_t* size, RequestContext& request);
  MHD_Result Answer(MHD_Connection* connection, std::string_view url,
                    std::string_view method, RequestContext& request);
  MHD_Result Reject(MHD_Connection* connection, std::string_view url,
                    std::string_view method, RequestContext& request, unsigned status,
                    const char* reason, const std::string& detail, Headers headers = {});
  MHD_Result Send(MHD_Connection* connection, RequestContext& request, unsigned status,
                  const std::string& body, const Headers& headers, bool close);
  void Completed(MHD_Connection* connection, RequestContext* request,
                 MHD_RequestTerminationCode code);
  void ConnectionStarted(MHD_Connection* connection, void** socket_context);
  void ConnectionClosed(ConnectionState& state);
  void MhdAnswered(unsigned status);
  unsigned ClaimMhdAnswer(const ConnectionState& state, unsigned status);
  unsigned OpenConnections() const;

  const ServerOptions options_;
  const WebhookHandler handler_;
  JournalSink& journal_;
  MHD_Daemon* daemon_ = nullptr;  // touched only by the owner's thread
  std::atomic<bool> quiescing_{false};

  mutable std::mutex mu_;
  std::condition_variable closed_;
  unsigned open_connections_ = 0;        // guarded by mu_
  SteadyClock::time_point last_closed_;  // guarded by mu_; the start counts as a close

  // Matching libmicrohttpd's own answers to connections; see the notes at the top.
  std::mutex track_mu_;
  uint64_t tick_ = 0;                      // guarded by track_mu_
  std::deque<MhdAnswer> mhd_answers_;      // guarded by track_mu_, oldest first
  std::vector<ConnectionState*> tracked_;  // guarded by track_mu_: open connections
};

Status MhdServer::Run(int listen_fd) {
  const auto timeout_s = std::chrono::duration_cast<std::chrono::seconds>(
                             options_.request_timeout).count();
  const unsigned timeout = static_cast<unsigned>(std::clamp<long long>(timeout_s, 1, 86400));
  const unsigned mhd_limit = options_.max_connections + kConnectionsBeyondLimit;
  // MHD_USE_ERROR_LOG: its messages go to OnLog only (never to stderr), which keeps
  // the statuses of the answers libmicrohttpd gives by itself.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL
                                                                   : MHD_USE_POLL;
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &MhdServer::OnAccess, this,
      MHD_OPTION_EXTERNAL_LOGGER, &MhdServer::OnLog, this,  // first, or some go to stderr
      MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(listen_fd),
      MHD_OPTION_CONNECTION_TIMEOUT, timeout,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemoryBytes,
      MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
      MHD_OPTION_URI_LOG_CALLBACK, &MhdServer::OnUri, this,
      MHD_OPTION_NOTIFY_COMPLETED, &MhdServer::OnCompleted, this,
      MHD_OPTION_NOTIFY_CONNECTION, &MhdServer::OnConnection, this,
      MHD_OPTION_END);
  if (daemon_ == nullptr) {
    return Error{Errc::kInternal, "libmicrohttpd refused to serve on fd " +
                                      std::to_string(listen_fd) +
                                      " (not a listening TCP socket?)"};
  }
  return Ok();
}

bool MhdServer::IdleFor(Duration idle) const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_connections_ == 0 && SteadyClock::now() - last_closed_ >= idle;
}

void MhdServer::Quiesce(Duration grace) {
  if (daemon_ == nullptr) return;
  quiescing_ = true;  // answers from now on carry "Connection: close"
  // The listening fd comes back to us: libmicrohttpd no longer accepts on it and will
  // not close it. Connections still in its backlog stay there; with socket activation
  // systemd holds its own copy and starts the service again for them.
  MHD_socket listen_fd = MHD_quiesce_daemon(daemon_);
  {
    std::unique_lock<std::mutex> lock(mu_);
    closed_.wait_for(lock, grace, [this] { return open_connections_ == 0; });
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
}

unsigned MhdServer::OpenConnections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_connections_;
}

// --- libmicrohttpd callbacks: C frames, so nothing may throw through them. ---

void* MhdServer::OnUri(void*, const char* uri, MHD_Connection* connection) {
  if (ConnectionState* state = StateOf(connection)) {
    ++state->requests;
    state->in_request = true;
  }
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
    static_cast<MhdServer*>(cls)->Completed(connection, request, code);
  } catch (...) {
  }
  delete request;
}

void MhdServer::OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                             MHD_ConnectionNotificationCode code) {
  auto* self = static_cast<MhdServer*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    try {
      self->ConnectionStarted(connection, socket_context);
    } catch (...) {
    }
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    auto* state = static_cast<ConnectionState*>(*socket_context);
    *socket_context = nullptr;
    if (state != nullptr) {
      try {
        self->ConnectionClosed(*state);
      } catch (...) {
      }
      delete state;
    }
  }
  try {
    std::lock_guard<std::mutex> lock(self->mu_);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      ++self->open_connections_;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && self->open_connections_ > 0) {
      --self->open_connections_;
      self->last_closed_ = SteadyClock::now();
      self->closed_.notify_all();
    }
  } catch (...) {
  }
}

void MhdServer::OnLog(void* cls, const char* format, va_list args) {
  // transmit_error_response() in libmicrohttpd 0.9.75 logs "Error processing request
  // (HTTP response code is %u ('%s')). Closing connection." for each answer it gives
  // itself; everything else it logs is dropped here.
  char text[512];
  if (format == nullptr || std::vsnprintf(text, sizeof text, format, args) < 0) return;
  constexpr const char* kMarker = "HTTP response code is ";
  const char* at = std::strstr(text, kMarker);
  if (at == nullptr) return;
  const unsigned long status = std::strtoul(at + std::strlen(kMarker), nullptr, 10);
  if (status < 100 || status > 599) return;
  try {
    static_cast<MhdServer*>(cls)->MhdAnswered(static_cast<unsigned>(status));
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
  const unsigned open = OpenConnections();
  if (open > options_.max_connections) {
    return Reject(connection, url, method, request, MHD_HTTP_SERVICE_UNAVAILABLE,
                  "over-capacity",
                  "over capacity (" + std::to_string(open) + " connections, limit " +
                      std::to_string(options_.max_connections) + ")",
                  {{MHD_HTTP_HEADER_RETRY_AFTER, "1"}});
  }
  if (url == kHealthPath) {
    if (method == MHD_HTTP_METHOD_GET || method == MHD_HTTP_METHOD_HEAD) {
      return Send(connection, request, MHD_HTTP_OK, "{\"status\":\"ok\"}", {}, false);
    }
    return Reject(connection, url, method, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                  "method-not-allowed", "method not allowed",
                  {{MHD_HTTP_HEADER_ALLOW, "GET, HEAD"}});
  }
  if (url != options_.webhook_path) {
    return Reject(connection, url, method, request, MHD_HTTP_NOT_FOUND, "not-found",
                  "not found");
  }
  if (method != MHD_HTTP_METHOD_POST) {
    return Reject(connection, url, method, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                  "method-not-allowed", "method not allowed",
                  {{MHD_HTTP_HEADER_ALLOW, "POST"}});
  }
  if (!CheckAuthorization(HeaderOf(connection, MHD_HTTP_HEADER_AUTHORIZATION),
                          options_.auth, options_.auth_user, options_.auth_secret)) {
    return Reject(connection, url, method, request, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                  "missing or wrong credentials",
                  {{MHD_HTTP_HEADER_WWW_AUTHENTICATE, std::string(AuthChallenge(options_.auth))}});
  }
  std::optional<std::string_view> type = HeaderOf(connection, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (!type || !IsJsonContentType(*type)) {
    return Reject(connection, url, method, request, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                  "unsupported-media-type",
                  type ? "Content-Type '" + EscapeForLog(*type, 100) + "' is not application/json"
                       : std::string("Content-Type is missing, expected application/json"));
  }
  std::optional<std::string_view> length = HeaderOf(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
  std::optional<std::string_view> coding =
      HeaderOf(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  // Both headers at once is how requests are smuggled past proxies; a coding other
  // than chunked is one libmicrohttpd cannot frame. Neither is a retry's business: 400.
  if (coding && (length || !IsChunkedTransferEncoding(*coding))) {
    return Reject(connection, url, method, request, MHD_HTTP_BAD_REQUEST, "bad-framing",
                  length ? "both Content-Length and Transfer-Encoding"
                         : "unsupported Transfer-Encoding '" + EscapeForLog(*coding, 100) + "'");
  }
  if (length) {
    // libmicrohttpd has already answered 400 or 413 for a value it cannot parse.
    std::optional<uint64_t> n = ParseContentLength(*length);
    if (!n || *n > options_.max_body_bytes) {
      return Reject(connection, url, method, request, MHD_HTTP_CONTENT_TOO_LARGE,
                    "body-too-large",
                    "Content-Length " + EscapeForLog(*length, 32) + " exceeds the limit of " +
                        std::to_string(options_.max_body_bytes) + " bytes",
                    {});
    }
    request.body.reserve(static_cast<size_t>(*n));
  }
  request.stage = Stage::kReadingBody;
  return MHD_YES;
}

MHD_Result MhdServer::ReadBody(const char* data, size_t* size, RequestContext& request) {
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
    return Reject(connection, url, method, request, MHD_HTTP_CONTENT_TOO_LARGE,
                  "body-too-large",
                  "chunked body of " + std::to_string(request.dropped) +
                      " bytes exceeds the limit of " +
                      std::to_string(options_.max_body_bytes) + " bytes");
  }
  HttpResponse response;
  try {
    response = handler_(WebhookRequest{std::move(request.body), RemoteOf(connection),
                                       std::string(method), std::string(url)});
  } catch (const std::exception& e) {
    return Reject(connection, url, method, request, MHD_HTTP_INTERNAL_SERVER_ERROR,
                  "handler-error", std::string("handler failed: ") + e.what());
  }
  if (response.status < 200 || response.status > 599) {
    return Reject(connection, url, method, request, MHD_HTTP_INTERNAL_SERVER_ERROR,
                  "handler-error",
                  "handler answered with status " + std::to_string(response.status));
  }
  return Send(connection, request, static_cast<unsigned>(response.status), response.body,
              {}, false);
}

MHD_Result MhdServer::Reject(MHD_Connection* connection, std::string_view url,
                             std::string_view method, RequestContext& request,
                             unsigned status, const char* reason, const std::string& detail,
                             Headers headers) {
  journal_.Write(RequestRejectedEvent({RemoteOf(connection), std::string(method),
                                       std::string(url), static_cast<int>(status), reason,
                                       detail}));
  // A rejected request's body is never read, so the connection cannot be reused; say
  // so rather than let libmicrohttpd close it silently after the answer.
  const bool close = status != MHD_HTTP_NOT_FOUND && status != MHD_HTTP_METHOD_NOT_ALLOWED;
  return Send(connection, request, status, JsonError(detail), headers, close);
}

MHD_Result MhdServer::Send(MHD_Connection* connection, RequestContext& request,
                           unsigned status, const std::string& body, const Headers& headers,
                           bool close) {
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

void MhdServer::Completed(MHD_Connection* connection, RequestContext* request,
                          MHD_RequestTerminationCode code) {
  // A response queued while we never answered is libmicrohttpd's own.
  unsigned mhd_status = 0;
  if (request == nullptr || request->stage != Stage::kAnswered) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (info != nullptr) mhd_status = info->http_status;
  }
  ConnectionState* state = StateOf(connection);
  if (state != nullptr) {
    if (mhd_status != 0) ClaimMhdAnswer(*state, mhd_status);
    state->in_request = false;
    std::optional<TcpCounters> counters = ReadTcpCounters(state->fd);
    state->written = counters ? counters->bytes_written : 0;
    std::lock_guard<std::mutex> lock(track_mu_);
    state->since = ++tick_;
  }
  if (request == nullptr || request->stage == Stage::kAnswered) return;

  RequestRejection rejection;
  rejection.remote = state != nullptr ? state->remote : RemoteOf(connection);
  rejection.method = request->method;
  rejection.path = request->uri;
  if (mhd_status != 0) {
    Refusal refusal = MhdRefusal(mhd_status);
    rejection.http_status = static_cast<int>(mhd_status);
    rejection.reason = refusal.reason;
    rejection.error = std::move(refusal.error);
  } else if (request->too_large) {
    rejection.reason = "body-too-large";
    rejection.error = "the chunked body went on far past the size limit; connection closed";
  } else {
    switch (code) {
      case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        rejection.reason = "timeout";
        rejection.error = "timed out before it was complete";
        break;
      case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        rejection.reason = "shutdown";
        rejection.error = "cut off by the server stopping";
        break;
      case MHD_REQUEST_TERMINATED_READ_ERROR:
      case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        rejection.reason = "client-abort";
        rejection.error = "abandoned by the client before it was complete";
        break;
      default:
        rejection.reason = "malformed";
        rejection.error = "closed by libmicrohttpd without an answer (malformed request)";
        break;
    }
  }
  journal_.Write(RequestRejectedEvent(rejection));
}

void MhdServer::ConnectionStarted(MHD_Connection* connection, void** socket_context) {
  auto* state = new (std::nothrow) ConnectionState;
  if (state == nullptr) return;  // not tracked: nothing journaled at its close
  const MHD_ConnectionInfo* fd =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  state->fd = fd != nullptr ? fd->connect_fd : -1;
  try {
    state->remote = RemoteOf(connection);
    std::lock_guard<std::mutex> lock(track_mu_);
    state->since = tick_;
    tracked_.push_back(state);
  } catch (...) {
    delete state;
    return;
  }
  *socket_context = state;
}

void MhdServer::ConnectionClosed(ConnectionState& state) {
  {
    std::lock_guard<std::mutex> lock(track_mu_);  // first: `state` is deleted after us
    tracked_.erase(std::remove(tracked_.begin(), tracked_.end(), &state), tracked_.end());
  }
  // Has the client sent something that never became a request we saw? Connections
  // whose counters the kernel does not give (not TCP) are never journaled from here.
  std::optional<TcpCounters> counters =
      state.in_request ? std::nullopt : ReadTcpCounters(state.fd);
  if (counters) {
    // After the last request we saw ended, at most a FIN was written by an idle close.
    const bool answered = counters->bytes_written > state.written + 1;
    const bool unseen = state.requests == 0 ? counters->data_segments_in > 0 : answered;
    if (unseen) {
      RequestRejection rejection;
      rejection.remote = state.remote;
      if (answered) {
        const unsigned status = ClaimMhdAnswer(state, 0);
        Refusal refusal = MhdRefusal(status);
        rejection.http_status = static_cast<int>(status);
        rejection.reason = refusal.reason;
        rejection.error = std::move(refusal.error);
      } else {
        rejection.reason = "incomplete";
        rejection.error =
            "sent data but no complete request line before the connection closed "
            "(timed out, abandoned, or a request line libmicrohttpd could not parse)";
      }
      journal_.Write(RequestRejectedEvent(rejection));
    }
  }
  // Forget the answers no open connection can claim any more: those logged before
  // the oldest `since` of the connections still open.
  std::lock_guard<std::mutex> lock(track_mu_);
  uint64_t oldest = tick_;
  for (const ConnectionState* open : tracked_) oldest = std::min(oldest, open->since);
  while (!mhd_answers_.empty() && mhd_answers_.front().tick <= oldest) {
    mhd_answers_.pop_front();
  }
}

void MhdServer::MhdAnswered(unsigned status) {
  std::lock_guard<std::mutex> lock(track_mu_);
  mhd_answers_.push_back({++tick_, status});
  if (mhd_answers_.size() > kMaxPendingAnswers) mhd_answers_.pop_front();
}

// With `status` known (from NOTIFY_COMPLETED): drops the oldest matching answer logged
// since the connection's last request ended, and returns `status`. With 0: the status
// of the answers logged since then, if they agree (the oldest is taken), else 0.
unsigned MhdServer::ClaimMhdAnswer(const ConnectionState& state, unsigned status) {
  std::lock_guard<std::mutex> lock(track_mu_);
  auto oldest = mhd_answers_.end();
  for (auto it = mhd_answers_.begin(); it != mhd_answers_.end(); ++it) {
    if (it->tick <= state.since) continue;
    if (status != 0) {
      if (it->status != status) continue;
      mhd_answers_.erase(it);
      return status;
    }
    if (oldest == mhd_answers_.end()) {
      oldest = it;
    } else if (it->status != oldest->status) {
      return 0;  // two candidates disagree: no status rather than a guess
    }
  }
  if (status != 0 || oldest == mhd_answers_.end()) return status;
  status = oldest->status;
  mhd_answers_.erase(oldest);
  return status;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(int listen_fd,
                                                      const ServerOptions& options,
                                                      WebhookHandler handler,
                                                      JournalSink& journal) {
  if (options.webhook_path.empty() || options.webhook_path.front() != '/' ||
      options.webhook_path == kHealthPath || !handler) {
    close(listen_fd);
    return Error{Errc::kInvalidInput,
                 "Invalid webhook path '" + EscapeForLog(options.webhook_path) +
                     "' (must start with '/' and differ from " + kHealthPath +
                     ") or no handler"};
  }
  auto server = std::make_unique<MhdServer>(options, std::move(handler), journal);
  Status started = server->Run(listen_fd);
  if (!started.ok()) {
    close(listen_fd);  // ownership passed to us, also on failure
    return started.error();
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace selfheal
