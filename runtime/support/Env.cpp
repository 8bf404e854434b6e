//===- runtime/support/Env.cpp - environment settings ---------------------===//

#include "runtime/support/Env.h"

#include "runtime/support/Error.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace ida::env {

std::optional<std::string> get(const char *name) {
  const char *value = std::getenv(name);
  if (!value || !*value)
    return std::nullopt;
  return std::string(value);
}

std::string cacheDir() {
  if (auto dir = get("IDA_CACHE_DIR"))
    return *dir;
  if (auto xdg = get("XDG_CACHE_HOME"))
    return *xdg + "/ida";
  if (auto home = get("HOME"))
    return *home + "/.cache/ida";
  throw Error("cannot choose a cache directory: set IDA_CACHE_DIR (HOME and "
              "XDG_CACHE_HOME are unset)");
}

int numThreads() {
  if (auto text = get("IDA_NUM_THREADS")) {
    char *end = nullptr;
    long n = std::strtol(text->c_str(), &end, 10);
    if (*end != '\0' || n <= 0 || n > 1 << 16)
      throw Error("IDA_NUM_THREADS='" + *text +
                  "' is not a positive integer");
    return int(n);
  }
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

bool verbose() {
  auto v = get("IDA_VERBOSE");
  return v && *v != "0";
}

void log(const std::string &message) {
  if (verbose())
    std::fprintf(stderr, "ida: %s\n", message.c_str());
}

} // namespace ida::env
