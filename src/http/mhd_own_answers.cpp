#include "http/mhd_own_answers.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "http/rejection.h"
#include "http/socket_address.h"
#include "http/tcp_counters.h"

namespace selfheal {

namespace {

constexpr size_t kMaxPendingAnswers = 64;  // libmicrohttpd answers not yet matched

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

}  // namespace

ConnectionState* StateOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != nullptr ? static_cast<ConnectionState*>(info->socket_context) : nullptr;
}

std::string RemoteOf(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  return FormatSocketAddress(info != nullptr ? info->client_addr : nullptr);
}

void OwnAnswerJournal::RequestLineSeen(MHD_Connection* connection) {
  if (ConnectionState* state = StateOf(connection)) {
    ++state->requests;
    state->in_request = true;
  }
}

ConnectionState* OwnAnswerJournal::ConnectionStarted(MHD_Connection* connection) {
  auto* state = new (std::nothrow) ConnectionState;
  if (state == nullptr) return nullptr;
  const MHD_ConnectionInfo* fd =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  state->fd = fd != nullptr ? fd->connect_fd : -1;
  try {
    state->remote = RemoteOf(connection);
    std::lock_guard<std::mutex> lock(mu_);
    state->since = tick_;
    tracked_.push_back(state);
  } catch (...) {
    delete state;
    return nullptr;
  }
  return state;
}

void OwnAnswerJournal::ConnectionClosed(ConnectionState& state) {
  {
    std::lock_guard<std::mutex> lock(mu_);  // first: `state` is deleted after us
    tracked_.erase(std::remove(tracked_.begin(), tracked_.end(), &state), tracked_.end());
  }
  // Has the client sent something that never became a request we saw? Connections
  // whose counters the kernel does not give (not TCP) are never journaled from here.
  const bool unjournaled = state.in_request || state.dropped;
  std::optional<TcpCounters> counters = unjournaled ? std::nullopt : ReadTcpCounters(state.fd);
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
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t oldest = tick_;
  for (const ConnectionState* open : tracked_) oldest = std::min(oldest, open->since);
  while (!mhd_answers_.empty() && mhd_answers_.front().tick <= oldest) {
    mhd_answers_.pop_front();
  }
}

void OwnAnswerJournal::RequestEnded(MHD_Connection* connection,
                                    const std::optional<EndedRequest>& request,
                                    MHD_RequestTerminationCode code,
                                    const std::optional<TcpCounters>& counters) {
  // A response queued while we never answered is libmicrohttpd's own.
  unsigned mhd_status = 0;
  if (!request || !request->answered) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_HTTP_STATUS);
    if (info != nullptr) mhd_status = info->http_status;
  }
  ConnectionState* state = StateOf(connection);
  if (state != nullptr) {
    if (mhd_status != 0) ClaimMhdAnswer(*state, mhd_status);
    state->in_request = false;
    state->written = counters ? counters->bytes_written : 0;
    std::lock_guard<std::mutex> lock(mu_);
    state->since = ++tick_;
  }
  if (!request || request->answered) return;
  if (state != nullptr && state->dropped) return;  // the watchdog's entry says why

  RequestRejection rejection;
  rejection.remote = state != nullptr ? state->remote : RemoteOf(connection);
  rejection.method = std::string(request->method);
  rejection.path = std::string(request->uri);
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

void OwnAnswerJournal::Logged(const char* format, va_list args) {
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
  MhdAnswered(static_cast<unsigned>(status));
}

void OwnAnswerJournal::MhdAnswered(unsigned status) {
  std::lock_guard<std::mutex> lock(mu_);
  mhd_answers_.push_back({++tick_, status});
  if (mhd_answers_.size() > kMaxPendingAnswers) mhd_answers_.pop_front();
}

// With `status` known (from NOTIFY_COMPLETED): drops the oldest matching answer logged
// since the connection's last request ended, and returns `status`. With 0: the status
// of the answers logged since then, if they agree (the oldest is taken), else 0.
unsigned OwnAnswerJournal::ClaimMhdAnswer(const ConnectionState& state, unsigned status) {
  std::lock_guard<std::mutex> lock(mu_);
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

}  // namespace selfheal
