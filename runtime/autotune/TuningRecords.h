//===- runtime/autotune/TuningRecords.h - persistent tuning records -*- C++ -*-===//
//
// The autotuner's memory across processes (docs/autotuning.md): one JSON file
// per device and toolchain,
//   $IDA_CACHE_DIR/tuning/<target>-<device slug>-<device key>.json
// holding a "_metadata" block (what the records are valid for) and one
// record per (kernel hash, shape bucket): the winning configuration and how
// it was measured.
//
//   - The device key is a hash of the device identity: GPU name, compute
//     capability, driver and NVRTC versions, or CPU model, ISA flags, thread
//     budget and host-compiler identity and flags. A file whose metadata
//     names another key is foreign: reported and ignored.
//   - Readers take no lock (files are replaced by atomic renames); writers
//     re-read the file under an flock, merge their records into what is on
//     disk and rename a complete new file into place, so concurrent
//     processes never lose each other's records.
//   - A corrupt file is reported, moved aside to PATH.corrupt and replaced at
//     the next write; it is never fatal.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_AUTOTUNE_TUNINGRECORDS_H
#define IDA_RUNTIME_AUTOTUNE_TUNINGRECORDS_H

#include "runtime/bundle/Bundle.h"
#include "runtime/bundle/Config.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ida {
class Device;
}

namespace ida::autotune {

/// The "format" of a records file.
inline constexpr const char *kRecordsFormat = "ida-tuning/1";

/// What a record is valid for: the device and the toolchain that built the
/// measured binaries.
struct DeviceIdentity {
  std::string target; // "cpu" / "cuda"
  std::string device; // Device::name()
  /// cpu: cpu_model, isa, threads, host_compiler, cxxflags;
  /// cuda: gpu, capability, arch, driver, nvrtc.
  std::map<std::string, std::string> fields;

  /// 16 hex characters: sha256 of the format, target, device and fields.
  std::string key() const;
  /// "<target>-<slug of the device name>-<key>": the records file's stem.
  std::string fileStem() const;
};

/// The identity of `device` (queries the driver or /proc/cpuinfo and the
/// host compiler; cached per process).
DeviceIdentity identifyDevice(Device &device);

/// Smallest power of two >= n (0 for n <= 0).
int64_t powerOfTwoBucket(int64_t n);

/// sha256 (64 hex) of what decides a kernel's speed and results on a target:
/// the source for that target, its programs (symbols, grid, threads, smem),
/// arguments, workspaces and the bundle's static constants. The tuning space
/// is deliberately not part of it: editing the list of configurations keeps
/// the records (a stored winner is revalidated against the new space).
std::string kernelHash(const Bundle &bundle, const KernelSpec &kernel,
                       const std::string &target);

/// "<kernel>@<first 16 hex of hash>/T<bucket>.BH<bucket>".
std::string recordKey(const std::string &kernel, const std::string &hash,
                      int64_t bucketT, int64_t bucketBH);

/// One tuned (kernel, shape bucket).
struct TuningRecord {
  std::string kernel;
  std::string kernelHash; // 64 hex
  int64_t bucketT = 0, bucketBH = 0;
  /// B, T, H it was measured at.
  std::map<std::string, int64_t> shape;
  /// The winner: every key of the kernel's space, plus THREADS on the CPU
  /// when fewer threads than the device's budget won.
  Config config;
  double medianMs = -1;  // the winner's median
  double defaultMs = -1; // the manifest default's median (-1: not timed)
  int candidates = 0, pruned = 0, rejected = 0;
  double tuningSeconds = 0;
  std::string tunedAt; // ISO 8601 UTC
  std::string source = "tuned"; // "tuned" or "imported"
  std::string bundle;  // informational: where the bundle was
  /// Every candidate of the search, in order: its configuration, status
  /// ("ok", "pruned", "rejected", "failed"), reason and median (-1: none).
  struct Trial {
    Config config;
    std::string status;
    std::string reason;
    double medianMs = -1;
  };
  std::vector<Trial> trials;

  std::string key() const {
    return recordKey(kernel, kernelHash, bucketT, bucketBH);
  }
};

/// A records file in memory.
struct RecordsFile {
  DeviceIdentity identity;
  std::string updated; // ISO 8601 UTC of the last write
  std::map<std::string, TuningRecord> records;
};

/// Parses a records file. Returns nullopt and sets *problem for text that is
/// not a records file (bad JSON, wrong format, malformed metadata). Malformed
/// single records are dropped and described in *problem without failing.
std::optional<RecordsFile> parseRecords(const std::string &text,
                                        std::string *problem);
/// Pretty-printed JSON (records sorted by key).
std::string serializeRecords(const RecordsFile &file);

/// Prints "ida: tuning records: MESSAGE" to stderr once per distinct message
/// and process (problems with records are warnings, never errors).
void reportProblem(const std::string &message);

/// The records file of one device identity.
class RecordStore {
public:
  /// `path` is the records file; `readOnly` stores (IDA_TUNING_FILE) never
  /// write.
  RecordStore(std::string path, DeviceIdentity identity, bool readOnly);

  const std::string &path() const { return path_; }
  const DeviceIdentity &identity() const { return identity_; }
  bool readOnly() const { return readOnly_; }

  /// Re-reads the file (missing = empty). A corrupt or foreign file is
  /// reported and treated as empty.
  void reload();
  /// The record for `key` from the last reload(), or nullptr.
  const TuningRecord *find(const std::string &key) const;
  const std::map<std::string, TuningRecord> &records() const {
    return records_;
  }

  /// Merges `records` into the file under its lock (they replace records
  /// with the same key) and writes it atomically; then the store holds the
  /// merged content. Throws FileError when the directory is unwritable, and
  /// ida::Error for a read-only store.
  void save(const std::vector<TuningRecord> &records);

  /// An exclusive lock serialising the tuning of one record key across
  /// processes (the second process waits, then finds the record).
  std::string keyLockPath(const std::string &key) const;

private:
  /// Reads and validates the file; nullopt (reported) when unusable, with
  /// *corrupt set when it exists but is not a valid records file for us.
  std::optional<RecordsFile> readChecked(bool *corrupt) const;

  std::string path_;
  DeviceIdentity identity_;
  bool readOnly_;
  std::map<std::string, TuningRecord> records_;
};

/// $IDA_CACHE_DIR/tuning/<identity.fileStem()>.json under `cacheDir`.
std::string defaultRecordsPath(const std::string &cacheDir,
                               const DeviceIdentity &identity);

/// The current time as ISO 8601 UTC ("2026-11-28T19:40:00Z").
std::string nowIso8601();

} // namespace ida::autotune

#endif // IDA_RUNTIME_AUTOTUNE_TUNINGRECORDS_H
