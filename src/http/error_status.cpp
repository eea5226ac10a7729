#include "http/error_status.h"

namespace selfheal {

int StatusFor(Errc code) {
  // No default: a new Errc must choose its status here (-Wswitch).
  switch (code) {
    case Errc::kInvalidInput:
      return 400;
    case Errc::kNotFound:
      return 404;
    case Errc::kConflict:
      return 409;
    case Errc::kUnavailable:
    case Errc::kTimedOut:
      return 503;
    case Errc::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace selfheal
