#include "journal/journal.h"

namespace selfheal {

// Fixed for ever: users filter on them (journalctl MESSAGE_ID=…) and the catalog in
// self-heal.catalog is keyed by them.
std::string_view MessageId(EventType type) {
  switch (type) {
    case EventType::kServeStarted:
      return "fc2ac056a62543c5ab79fc874487b147";
    case EventType::kServeStopped:
      return "a4b095f2f839496083b33d90557909c0";
    case EventType::kRequestRejected:
      return "e6caf8bd9ec34ddcbc99946acc4f5e9a";
    case EventType::kDecision:
      return "fc08a64e5a85443ca51cf082462da06a";
    case EventType::kWebhookReceived:
      return "9eef697a9a5749b9aab70f8d1784edfe";
    case EventType::kConfigInvalid:
      return "c14af7ab68104ceda80c22ebd8243055";
    case EventType::kStoreError:
      return "88e5f3419f8b465ba211c84012cc9f48";
    case EventType::kLaunchFailed:
      return "89e112c839e547edbb2042954dfdd6db";
    case EventType::kHandlerResult:
      return "b837d6c21c114b43bbb983eae84df921";
    case EventType::kEscalation:
      return "1a18ddbcd8854a9eb9581ee1f510f844";
    case EventType::kOperatorAction:
      return "9782b2831f8c463d80c794b282174bb0";
    case EventType::kConfigReloaded:
      return "3f0973eb6345439f8f01a769a88c177f";
    case EventType::kSocketFailed:
      return "b7e372019ff64653b9a944c7928f6000";
    case EventType::kLaunchUnknown:
      return "552fe17f76fa4b079ca8ce0ccc73362e";
  }
  return "00000000000000000000000000000000";
}

}  // namespace selfheal
