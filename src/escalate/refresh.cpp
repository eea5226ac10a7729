// Implementation notes: the refresh works from the store alone, like delivery: a
// round that crashes between a post and its mark posts again next round, which
// Alertmanager merges (same labels). The resolve is the one post that must not
// linger: a resolve posted after a newer opening's alert would end that one too
// (the labels are equal), hence superseded ones are finished without a post.
#include "escalate/refresh.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <syslog.h>

#include <string>
#include <utility>
#include <vector>

#include "escalate/escalation_events.h"

namespace selfheal {

namespace {

void Earliest(std::optional<TimePoint>& slot, TimePoint t) {
  if (!slot || t < *slot) slot = t;
}

AuditEvent Refreshed(const ActiveEscalation& a, int priority, std::string message,
                     std::string reason) {
  return EscalationEvent(a.escalation, priority, std::move(message), a.escalation.tries,
                         std::move(reason));
}

void Mark(Outbox& store, const Escalation& e, const RefreshMark& mark, JournalSink& journal) {
  Status marked = store.MarkRefresh(e.id, mark);
  if (marked.ok()) return;
  journal.Write(StoreErrorEvent(&e,
                                "Failed to record the refresh of escalation " +
                                    std::to_string(e.id) + " of " + EscalationKeyText(e) + ": " +
                                    marked.error().message + "; it is posted again next round.",
                                marked.error()));
}

// An open one: re-sent when due. Returns when the next round is due for it.
TimePoint Resend(Outbox& store, const ActiveEscalation& a,
                 const std::function<Status(const std::string&)>& post, JournalSink& journal,
                 TimePoint now, Duration interval, RefreshReport& report) {
  const Escalation& e = a.escalation;
  if (!ResendDue(a.last_post, now, interval)) return a.last_post + interval;
  Status sent = post(FiringBody(e, now, interval));
  if (!sent.ok()) {
    ++report.failed;
    journal.Write(Refreshed(a, LOG_ERR,
                            "Failed to re-send the escalation of " + EscalationKeyText(e) +
                                " (breaker of '" + e.handler +
                                "' still open): " + sent.error().message + ", retrying in " +
                                FormatTimespan(interval) + ".",
                            sent.error().message));
    return now + interval;
  }
  ++report.resent;
  journal.Write(Refreshed(a, LOG_INFO,
                          "Re-sent the escalation of " + EscalationKeyText(e) +
                              " to Alertmanager: the breaker of '" + e.handler + "' is still open.",
                          "resent"));
  Mark(store, e, RefreshMark{now, std::nullopt}, journal);
  return now + interval;
}

// One whose opening is over: resolved. Returns when to try again, nullopt when done.
std::optional<TimePoint> Resolve(Outbox& store, const ActiveEscalation& a,
                                 const std::function<Status(const std::string&)>& post,
                                 JournalSink& journal, TimePoint now, Duration interval,
                                 RefreshReport& report) {
  const Escalation& e = a.escalation;
  if (a.superseded) {
    ++report.resolved;
    journal.Write(Refreshed(a, LOG_INFO,
                            "The escalation of " + EscalationKeyText(e) +
                                " is replaced by the one of a newer breaker opening of '" +
                                e.handler + "'.",
                            "superseded"));
    Mark(store, e, RefreshMark{std::nullopt, now}, journal);
    return std::nullopt;
  }
  Status sent = post(ResolvedBody(e, now));
  if (sent.ok()) {
    ++report.resolved;
    journal.Write(Refreshed(a, LOG_NOTICE,
                            "Resolved the escalation of " + EscalationKeyText(e) +
                                " in Alertmanager: the breaker of '" + e.handler +
                                "' is closed (reset, or its window passed).",
                            "resolved"));
    Mark(store, e, RefreshMark{now, now}, journal);
    return std::nullopt;
  }
  const TimePoint expired = a.last_post + kEndsAtIntervals * interval;
  if (now >= expired) {
    ++report.resolved;
    journal.Write(Refreshed(a, LOG_WARNING,
                            "Could not post the resolve of the escalation of " +
                                EscalationKeyText(e) + ": " + sent.error().message +
                                "; its endsAt has passed, so Alertmanager resolved it itself.",
                            sent.error().message));
    Mark(store, e, RefreshMark{std::nullopt, now}, journal);
    return std::nullopt;
  }
  ++report.failed;
  journal.Write(Refreshed(a, LOG_ERR,
                          "Failed to resolve the escalation of " + EscalationKeyText(e) +
                              " (breaker of '" + e.handler + "' closed): " + sent.error().message +
                              ", retrying in " + FormatTimespan(interval) + ".",
                          sent.error().message));
  return now + interval;
}

}  // namespace

std::string WithEndsAt(const std::string& payload, TimePoint ends) {
  rapidjson::Document doc;
  doc.Parse(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsArray()) return payload;
  const std::string text = FormatRfc3339(ends);
  for (auto& alert : doc.GetArray()) {
    if (!alert.IsObject()) return payload;
    rapidjson::Value value(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                           doc.GetAllocator());
    if (auto it = alert.FindMember("endsAt"); it != alert.MemberEnd()) {
      it->value = std::move(value);
    } else {
      alert.AddMember("endsAt", std::move(value), doc.GetAllocator());
    }
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc.Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

std::string FiringBody(const Escalation& e, TimePoint now, Duration interval) {
  if (!e.breaker_opened_at) return e.payload;
  return WithEndsAt(e.payload, now + kEndsAtIntervals * interval);
}

std::string ResolvedBody(const Escalation& e, TimePoint now) { return WithEndsAt(e.payload, now); }

bool ResendDue(TimePoint last_post, TimePoint now, Duration interval) {
  return now - last_post >= interval / 2;
}

RefreshReport RefreshActive(Outbox& store, const std::function<Status(const std::string&)>& post,
                            JournalSink& journal, TimePoint now, Duration interval) {
  RefreshReport report;
  Expected<std::vector<ActiveEscalation>> active = store.ActiveEscalations(now);
  if (!active.ok()) {
    journal.Write(
        StoreErrorEvent(nullptr,
                        "Failed to list the active escalations: " + active.error().message +
                            ", retrying in " + FormatTimespan(interval) + ".",
                        active.error()));
    report.next_round = now + interval;
    return report;
  }
  for (const ActiveEscalation& a : active.value()) {
    if (a.breaker_open) {
      Earliest(report.next_round, Resend(store, a, post, journal, now, interval, report));
    } else if (std::optional<TimePoint> again =
                   Resolve(store, a, post, journal, now, interval, report)) {
      Earliest(report.next_round, *again);
    }
  }
  return report;
}

}  // namespace selfheal
