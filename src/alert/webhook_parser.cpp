// Implementation notes: RapidJSON's SAX parser drives a WebhookSaxReader (see
// webhook_sax_reader.cpp for how it reads) over the body, iteratively, with encoding
// validation. Its own errors (syntax, invalid UTF-8) are reported with the path the
// reader had reached when it stopped, so every message names a field.
//
// A hole in RapidJSON 1.1.0 is closed here: a MemoryStream reads a NUL byte as the end
// of input, so "{...}\0junk" would otherwise be accepted.
#include "alert/webhook_parser.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cassert>
#include <string>

#include "alert/webhook_sax_reader.h"

namespace selfheal {
namespace {

constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

}  // namespace

Expected<Webhook> ParseWebhook(std::string_view body, const ParseLimits& limits) {
  WebhookSaxReader reader(limits);
  rapidjson::MemoryStream stream(body.data(), body.size());
  rapidjson::Reader parser;
  parser.Parse<kParseFlags>(stream, reader);
  if (parser.HasParseError()) {
    if (parser.GetParseErrorCode() == rapidjson::kParseErrorTermination) {
      assert(!reader.error().empty());
      return Error{Errc::kInvalidInput, std::move(reader.error())};
    }
    return Error{Errc::kInvalidInput, reader.Path() + ": invalid JSON at offset " +
                                          std::to_string(parser.GetErrorOffset()) + ": " +
                                          rapidjson::GetParseError_En(parser.GetParseErrorCode())};
  }
  if (stream.Tell() != body.size()) {
    return Error{Errc::kInvalidInput, "body: invalid JSON at offset " +
                                          std::to_string(stream.Tell()) +
                                          ": a NUL byte follows the document."};
  }
  assert(reader.done());
  Webhook webhook = std::move(reader.webhook());
  for (Alert& alert : webhook.alerts) alert.external_url = webhook.external_url;
  return webhook;
}

}  // namespace selfheal
