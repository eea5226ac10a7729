// store_test_util.h — what the state tests share: a temporary directory that cleans
// up after itself, alerts, handlers, decisions and results built in one line, and a
// raw look into a state.db that bypasses SqliteStore.
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "alert/alert.h"
#include "config/config.h"
#include "launch/launch_request.h"
#include "policy/decision.h"
#include "state/records.h"
#include "state/store.h"

namespace selfheal::state_test {

inline const TimePoint kT0 = *ParseRfc3339("2026-11-22T12:00:00Z");

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "self-heal-state-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
      if (entry.is_directory()) ::chmod(entry.path().c_str(), 0700);
    }
    ::chmod(path_.c_str(), 0700);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string db() const { return path_ + "/state.db"; }

 private:
  std::string path_;
};

// Writes `bytes` at `offset` of `path` (created 0600 if missing); false on any failure.
inline bool WriteAt(const std::string& path, const std::string& bytes, off_t offset = 0) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::pwrite(fd, bytes.data(), bytes.size(), offset) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

// `n` bytes of deterministic noise (xorshift32): no SQLite header, no valid page.
inline std::string Garbage(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 2463534242u;
  for (char& c : out) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

inline Alert MakeAlert(const std::string& alertname, const std::string& instance,
                       const std::string& fingerprint = "82cf4c324f050464",
                       const std::string& starts_at = "2026-11-22T11:59:00.000Z",
                       AlertStatus status = AlertStatus::kFiring) {
  Alert a;
  a.status = status;
  a.labels = {{"alertname", alertname}, {"instance", instance}};
  a.fingerprint = fingerprint;
  a.starts_at_text = starts_at;
  a.starts_at = *ParseRfc3339(starts_at);
  return a;
}

inline HandlerConfig MakeHandler(const std::string& name, const std::string& alertname,
                                 std::vector<std::string> instances) {
  HandlerConfig h;
  h.name = name;
  h.alertname = alertname;
  h.instances = std::move(instances);
  h.exec = {"/bin/true"};
  h.timeout = std::chrono::minutes(5);
  h.max_attempts = 3;
  h.window = std::chrono::hours(4);
  return h;
}

inline Decision Launch(const HandlerConfig& handler, int attempt) {
  Decision d;
  d.verdict = Verdict::kLaunch;
  d.handler = &handler;
  d.attempt = attempt;
  return d;
}

inline RunResult ResultOf(const HandlerConfig& handler, const std::string& instance,
                          Outcome outcome, TimePoint finished_at,
                          const std::string& invocation_id) {
  RunResult r;
  r.handler = handler.name;
  r.instance = instance;
  r.unit = UnitNameFor(handler.name, instance);
  r.invocation_id = invocation_id;
  r.outcome = outcome;
  r.finished_at = finished_at;
  switch (outcome) {
    case Outcome::kDone:
      r.service_result = "success";
      r.exit_status = "0";
      break;
    case Outcome::kFailed:
      r.service_result = "exit-code";
      r.exit_status = "1";
      break;
    case Outcome::kGaveUp:
      r.service_result = "exit-code";
      r.exit_status = "2";
      break;
    case Outcome::kNotApplicable:
      r.service_result = "exit-code";
      r.exit_status = "3";
      break;
  }
  r.exit_code = "exited";
  return r;
}

// The outbox row an escalating decision or result of (handler, instance) queues here.
inline Escalation EscalationRow(const std::string& handler, const std::string& instance,
                                TimePoint at) {
  Escalation e;
  e.handler = handler;
  e.instance = instance;
  e.alertname = "DiskSpaceLow";
  e.payload = R"([{"labels":{"alertname":"SelfHealExhausted"}}])";
  e.next_try = at;
  return e;
}

// What RecordResult queues when `r` opens its key's breaker.
inline EscalationFor RowFor(const RunResult& r) {
  return [r](const ResultEffect&) { return EscalationRow(r.handler, r.instance, r.finished_at); };
}

// The first column of the first row of `sql` on the database at `path`, as text;
// "<error: …>" when it fails.
inline std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
  } else {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "NULL";
    } else if (rc != SQLITE_DONE) {
      out = std::string("<error: ") + sqlite3_errmsg(db) + ">";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace selfheal::state_test
