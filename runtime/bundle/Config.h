//===- runtime/bundle/Config.h - tuning configurations ----------*- C++ -*-===//
//
// A configuration assigns a value to each tuning key of a kernel's space
// ({C: 64, BV: 32, ...}); it is compiled in as -DIDA_CFG_<KEY>=<VALUE>.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_CONFIG_H
#define IDA_RUNTIME_BUNDLE_CONFIG_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ida {

using Config = std::map<std::string, int64_t>;

/// "C=64,BV=32" in `keyOrder` (extra keys last, sorted).
std::string configString(const Config &config,
                         const std::vector<std::string> &keyOrder = {});

/// Parses "C=32,BV=16" (spaces allowed; "kernel.C=32" keeps the dot in the
/// key). Throws ConfigError.
Config parseConfigString(const std::string &text);

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_CONFIG_H
