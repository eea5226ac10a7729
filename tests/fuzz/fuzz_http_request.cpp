// libFuzzer entry point for the HTTP request path: the input is a raw HTTP/1.1 request
// (request line, header lines, blank line, body; CRLF or LF), split here the way
// libmicrohttpd hands it over, then put through CheckRequestHead (path, method,
// Authorization, Content-Type, framing, Content-Length) and OverCapacity under three auth
// settings, and a body that passes is answered by the real WebhookService on a
// MemoryStore with a fake launcher. Beyond "no crash, no sanitizer report" it checks
// what the checks promise: a refusal has one of the documented statuses, a stable
// reason and a one-line detail that is no longer than the escaping allows; the
// service answers 200, 400 or 503 with a one-line JSON body.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "config/values.h"
#include "fakes.h"
#include "http/auth.h"
#include "http/request_checks.h"
#include "serve/webhook_service.h"
#include "state/memory_store.h"

namespace {

using selfheal::HeadVerdict;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

// Cuts the next line off `rest` (without its LF and an optional CR before it).
std::string_view TakeLine(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct ParsedRequest {
  selfheal::RequestHead head;
  std::string_view body;
  unsigned busy_slots = 0;  // body slots taken by others (X-Open-Connections:)
};

ParsedRequest Split(std::string_view input) {
  ParsedRequest out;
  std::string_view rest = input;
  std::string_view request_line = TakeLine(rest);
  size_t sp1 = request_line.find(' ');
  out.head.method = request_line.substr(0, sp1);
  if (sp1 != std::string_view::npos) {
    std::string_view target = request_line.substr(sp1 + 1);
    out.head.path = target.substr(0, target.find(' '));
  }
  // libmicrohttpd keeps the first of a repeated header for lookups, every
  // Content-Length for the framing check.
  while (!rest.empty()) {
    std::string_view line = TakeLine(rest);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (selfheal::EqualsIgnoreCase(name, "Authorization")) {
      if (!out.head.authorization) out.head.authorization = value;
    } else if (selfheal::EqualsIgnoreCase(name, "Content-Type")) {
      if (!out.head.content_type) out.head.content_type = value;
    } else if (selfheal::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      if (!out.head.transfer_encoding) out.head.transfer_encoding = value;
    } else if (selfheal::EqualsIgnoreCase(name, "Content-Length")) {
      out.head.content_lengths.push_back(value);
    } else if (selfheal::EqualsIgnoreCase(name, "X-Open-Connections")) {
      // Not a real header: lets the fuzzer reach the capacity check.
      if (auto n = selfheal::ParseUnsigned(value); n && *n < 1000) {
        out.busy_slots = static_cast<unsigned>(*n);
      }
    }
  }
  out.body = rest;
  return out;
}

bool IsOneLine(std::string_view s) {
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

void CheckRefusal(const HeadVerdict& verdict) {
  const std::string_view reason = verdict.reason;
  switch (verdict.status) {
    case 503:
      Check(reason == "over-capacity", "503 is over-capacity");
      break;
    case 404:
      Check(reason == "not-found", "404 is not-found");
      break;
    case 405:
      Check(reason == "method-not-allowed", "405 is method-not-allowed");
      break;
    case 401:
      Check(reason == "unauthorized", "401 is unauthorized");
      break;
    case 415:
      Check(reason == "unsupported-media-type", "415 is unsupported-media-type");
      break;
    case 400:
      Check(reason == "bad-framing", "400 is bad-framing");
      break;
    case 413:
      Check(reason == "body-too-large", "413 is body-too-large");
      break;
    default:
      Check(false, "refusal status is a documented one");
  }
  Check(!verdict.detail.empty() && verdict.detail.size() < 1024, "detail size");
  Check(IsOneLine(verdict.detail), "detail is one line");
  for (const auto& [name, value] : verdict.headers) {
    Check(name != nullptr && IsOneLine(value), "response headers are one line");
  }
  rapidjson::Document doc;
  std::string json = selfheal::JsonError(verdict.detail);
  doc.Parse(json.c_str(), json.size());
  Check(!doc.HasParseError() && doc.IsObject(), "JsonError is JSON");
}

selfheal::Config ServiceConfig() {
  selfheal::Config config;
  for (const char* alertname : {"DiskSpaceLow", "ServiceDown", "HighLoad"}) {
    selfheal::HandlerConfig handler;
    handler.name = std::string("h-") + alertname;
    handler.source_file = "/etc/self-heal/handlers.d/" + handler.name + ".conf";
    handler.alertname = alertname;
    handler.exec = {"/usr/bin/true"};
    handler.max_attempts = 2;
    config.handlers.push_back(handler);
  }
  return config;
}

void Serve(std::string_view body, const selfheal::RequestHead& head) {
  static const selfheal::Config config = ServiceConfig();
  selfheal::MemoryStore store;
  selfheal::FakeLauncher launcher;
  selfheal::RecordingJournal journal;
  selfheal::FakeClock clock;
  selfheal::ParseLimits limits;
  limits.max_alerts = 8;
  selfheal::WebhookService service(config, store, &launcher, journal, clock, limits);
  selfheal::WebhookRequest request{std::string(body), "127.0.0.1:40000", std::string(head.method),
                                   std::string(head.path)};
  // Twice: the second request is a repeat the store has seen (dedup, breaker).
  for (int round = 0; round < 2; ++round) {
    selfheal::HttpResponse response = service.Handle(request);
    Check(response.status == 200 || response.status == 400 || response.status == 503,
          "service answers 200, 400 or 503");
    Check(IsOneLine(response.body), "service answer is one line");
    rapidjson::Document doc;
    doc.Parse(response.body.c_str(), response.body.size());
    Check(!doc.HasParseError() && doc.IsObject(), "service answer is a JSON object");
    clock.Advance(std::chrono::seconds(90));
  }
  Check(launcher.started.size() <= 2 * limits.max_alerts, "launches bounded by alerts");
}

selfheal::ServerOptions Options(selfheal::AuthKind auth, std::string_view path) {
  selfheal::ServerOptions options;
  options.webhook_path = selfheal::IsValidWebhookPath(path) ? std::string(path) : "/";
  options.max_body_bytes = 64 * 1024;
  options.max_connections = 64;
  options.auth = auth;
  // The credentials of the captured requests (tests/fixtures/alertmanager/05, 06).
  if (auth == selfheal::AuthKind::kBearer) {
    options.auth_secret = "PLACEHOLDER-bearer-token-not-a-secret";
  } else if (auth == selfheal::AuthKind::kBasic) {
    options.auth_user = "selfheal";
    options.auth_secret = "PLACEHOLDER-password";
  }
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ParsedRequest request = Split(std::string_view(reinterpret_cast<const char*>(data), size));
  bool served = false;
  for (auto auth :
       {selfheal::AuthKind::kNone, selfheal::AuthKind::kBearer, selfheal::AuthKind::kBasic}) {
    const selfheal::ServerOptions options = Options(auth, request.head.path);
    HeadVerdict verdict = selfheal::CheckRequestHead(request.head, options);
    if (verdict.action == HeadVerdict::Action::kRefuse) {
      CheckRefusal(verdict);
      continue;
    }
    if (verdict.action == HeadVerdict::Action::kHealthy) {
      Check(request.head.path == selfheal::kHealthPath, "healthy only on the health path");
      continue;
    }
    if (request.busy_slots >= options.max_connections) {
      // What the server answers when every body slot keeps its body.
      CheckRefusal(selfheal::OverCapacity(options.max_connections));
      continue;
    }
    Check(request.head.method == "POST", "bodies are read for POST only");
    Check(request.head.path == options.webhook_path, "bodies are read on the webhook path");
    Check(request.head.content_type && selfheal::IsJsonContentType(*request.head.content_type),
          "bodies are read for application/json only");
    Check(verdict.content_length <= options.max_body_bytes, "announced length within limit");
    if (auth != selfheal::AuthKind::kNone) {
      Check(selfheal::CheckAuthorization(request.head.authorization, auth, options.auth_user,
                                         options.auth_secret),
            "bodies are read with the right credentials only");
    }
    if (!served) {
      std::string_view body = request.body;
      if (!request.head.content_lengths.empty()) {
        body = body.substr(0, verdict.content_length);
      }
      Serve(body, request.head);
      served = true;
    }
  }
  if (request.head.authorization) {
    // Whatever parses must decode back: basic credentials have no ':' in the user.
    if (auto credentials = selfheal::ParseAuthorization(*request.head.authorization)) {
      Check(credentials->kind != selfheal::AuthKind::kNone, "a parsed scheme");
      Check(!credentials->secret.empty() || credentials->kind == selfheal::AuthKind::kBasic,
            "a bearer token is not empty");
      Check(credentials->user.find(':') == std::string::npos, "no ':' in a basic user");
    }
  }
  return 0;
}
