//===- runtime/bundle/EntryNames.h - user names of entry buffers -*- C++ -*-===//
//
// Buffer names are global in a bundle, so idac renames a later entry's buffer
// whose spec differs from an earlier one of the same name (decode's q is
// [B, H, D], forward's [B, T, H, D]): it becomes "q_1" or "decode_q". Users
// (the Python package, ida-train's bundle core) still call it "q"; these
// helpers map between the two spellings for one entry.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_BUNDLE_ENTRYNAMES_H
#define IDA_RUNTIME_BUNDLE_ENTRYNAMES_H

#include "runtime/bundle/Manifest.h"

#include <string>
#include <vector>

namespace ida {

/// The name users pass for the manifest buffer `name` of `entry`: without an
/// "<entry>_" prefix, or without a "_<digits>" suffix when the base name is
/// not itself a buffer of the entry; otherwise unchanged.
std::string logicalName(const EntrySpec &entry, const std::string &name);

/// The manifest name among `names` (an entry's inputs or outputs) that users
/// call `given`: an exact match first, then by logicalName(); "" when none.
std::string manifestName(const EntrySpec &entry,
                         const std::vector<std::string> &names,
                         const std::string &given);

/// "q, k, v": the user names of `names`, for messages.
std::string joinLogicalNames(const EntrySpec &entry,
                             const std::vector<std::string> &names);

} // namespace ida

#endif // IDA_RUNTIME_BUNDLE_ENTRYNAMES_H
