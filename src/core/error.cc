// Implements: error helpers (hints, host name, assertion failure).
#include "core/error.h"

#include <unistd.h>

#include <climits>
#include <sstream>

namespace mnemo {

std::string with_hint(const std::string& what, const std::string& hint) {
  return what + "\n  HINT: " + hint;
}

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << "internal error: " << msg << " [" << expr << " failed at " << file << ":" << line
     << ", host " << host_name() << ", pid " << getpid() << "]";
  throw Error(os.str(), kExitInternal);
}

}  // namespace mnemo
