// store_latency — how long the request path's store calls take on this disk:
// LoadHistory and Record of a launch (attempt + dedup row, one fsync'd commit with
// synchronous=FULL), 1000 of each on a fresh database. A benchmark, not a test: it
// prints figures and asserts nothing.
//
//   build/store_latency [DIR]        (default: a fresh directory under /tmp)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "state/sqlite_store.h"

using namespace selfheal;

int main(int argc, char** argv) {
  char tmpl[] = "/tmp/self-heal-store-latency-XXXXXX";
  std::string dir = argc > 1 ? argv[1] : mkdtemp(tmpl);
  auto store = SqliteStore::Open(dir);
  if (!store.ok()) {
    std::fprintf(stderr, "store_latency: %s\n", store.error().message.c_str());
    return 1;
  }
  HandlerConfig disk;
  disk.name = "disk";
  disk.alertname = "DiskSpaceLow";
  Decision launch;
  launch.verdict = Verdict::kLaunch;
  launch.handler = &disk;
  launch.attempt = 1;
  TimePoint t0 = *ParseRfc3339("2026-11-22T12:00:00Z");
  std::vector<double> record_us, load_us;
  for (int i = 0; i < 1000; ++i) {
    Alert alert;
    alert.labels = {{"alertname", "DiskSpaceLow"}, {"instance", "web-" + std::to_string(i % 10)}};
    alert.fingerprint = "fp-" + std::to_string(i);
    alert.starts_at_text = FormatRfc3339(t0);
    alert.starts_at = t0;
    TimePoint now = t0 + std::chrono::seconds(i);
    auto a = std::chrono::steady_clock::now();
    auto history = store.value()->LoadHistory(alert, {&disk}, now);
    auto b = std::chrono::steady_clock::now();
    Status recorded = store.value()->Record(alert, launch, now, nullptr);
    auto c = std::chrono::steady_clock::now();
    if (!history.ok() || !recorded.ok()) {
      std::fprintf(stderr, "store_latency: a store call failed\n");
      return 1;
    }
    load_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    record_us.push_back(std::chrono::duration<double, std::micro>(c - b).count());
  }
  for (auto* v : {&record_us, &load_us}) std::sort(v->begin(), v->end());
  auto at = [](const std::vector<double>& v, double q) {
    return v[static_cast<size_t>(q * (v.size() - 1))];
  };
  std::printf("Record(launch): median %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
              at(record_us, 0.5), at(record_us, 0.9), at(record_us, 0.99), record_us.back());
  std::printf("LoadHistory:    median %.0f us, p90 %.0f us, p99 %.0f us\n", at(load_us, 0.5),
              at(load_us, 0.9), at(load_us, 0.99));
  store.value().reset();
  if (argc <= 1) std::filesystem::remove_all(dir);
  return 0;
}
