// small_file.h — reading a whole small file (a config file, a secret) in one go.
#pragma once

#include <cstddef>
#include <string>

#include "common/expected.h"

namespace selfheal {

// Returns the bytes of the regular file `path` (symlinks followed) if it holds at most
// `max_bytes`. Errors carry only a reason, never the path or any content, so callers
// word the message: kNotFound when it does not exist, kInvalidInput when it is not a
// regular file or too large, kUnavailable for any other failure (strerror text).
Expected<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

}  // namespace selfheal
