//===- runtime/bundle/EntryNames.cpp - user names of entry buffers --------===//
#include "runtime/bundle/EntryNames.h"

#include <algorithm>

namespace ida {

std::string logicalName(const EntrySpec &entry, const std::string &name) {
  const std::string prefix = entry.name + "_";
  if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size())
    return name.substr(prefix.size());
  const size_t us = name.find_last_of('_');
  if (us != std::string::npos && us > 0 && us + 1 < name.size() &&
      name.find_first_not_of("0123456789", us + 1) == std::string::npos) {
    const std::string base = name.substr(0, us);
    auto in = [&](const std::vector<std::string> &v) {
      return std::find(v.begin(), v.end(), base) != v.end();
    };
    // "S_1" is "S" only when the entry has no buffer "S" of its own.
    if (!in(entry.inputs) && !in(entry.outputs))
      return base;
  }
  return name;
}

std::string manifestName(const EntrySpec &entry,
                         const std::vector<std::string> &names,
                         const std::string &given) {
  for (const std::string &n : names)
    if (n == given)
      return n;
  for (const std::string &n : names)
    if (logicalName(entry, n) == given)
      return n;
  return "";
}

std::string joinLogicalNames(const EntrySpec &entry,
                             const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "" : ", ") + logicalName(entry, n);
  return s;
}

} // namespace ida
