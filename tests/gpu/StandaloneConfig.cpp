//===- tests/gpu/StandaloneConfig.cpp - configString without ida_bundle ---===//
//
// The standalone GPU-check build (tests/gpu/CMakeLists.txt) links the
// backend without ida_bundle (which needs nlohmann_json, absent on GPU
// machines). The backend only uses configString() from it for labels; this
// is the same function (runtime/bundle/Config.h), used in that build only.
//
//===----------------------------------------------------------------------===//
#include "runtime/bundle/Config.h"

#include <set>

namespace ida {

std::string configString(const Config &config, const std::vector<std::string> &keyOrder) {
  std::string out;
  std::set<std::string> done;
  auto add = [&](const std::string &key, int64_t value) {
    out += (out.empty() ? "" : ",") + key + "=" + std::to_string(value);
    done.insert(key);
  };
  for (const std::string &key : keyOrder) {
    auto it = config.find(key);
    if (it != config.end())
      add(key, it->second);
  }
  for (const auto &[key, value] : config)
    if (!done.count(key))
      add(key, value);
  return out;
}

} // namespace ida
