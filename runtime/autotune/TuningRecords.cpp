//===- runtime/autotune/TuningRecords.cpp - persistent tuning records -----===//

#include "runtime/autotune/TuningRecords.h"

#include "runtime/backend/Device.h"
#include "runtime/backend/cpu/CpuDevice.h"
#include "runtime/backend/cpu/HostCompiler.h"
#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Sha256.h"

#ifdef IDA_WITH_CUDA
#include "runtime/backend/cuda/CudaDevice.h"
#endif

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>

namespace ida::autotune {

namespace fs = std::filesystem;
using json = nlohmann::json;

//===----------------------------------------------------------------------===//
// Identity and keys
//===----------------------------------------------------------------------===//

std::string DeviceIdentity::key() const {
  Sha256 h;
  h.updateField(kRecordsFormat);
  h.updateField(target);
  h.updateField(device);
  for (const auto &[k, v] : fields) {
    h.updateField(k);
    h.updateField(v);
  }
  return h.hexDigest().substr(0, 16);
}

std::string DeviceIdentity::fileStem() const {
  std::string name = device;
  size_t colon = name.find(':');
  if (colon != std::string::npos)
    name = name.substr(colon + 1);
  std::string slug;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      slug += char(std::tolower(static_cast<unsigned char>(c)));
    else if (!slug.empty() && slug.back() != '-')
      slug += '-';
  }
  while (!slug.empty() && slug.back() == '-')
    slug.pop_back();
  if (slug.size() > 40)
    slug.resize(40);
  if (slug.empty())
    slug = "device";
  return target + "-" + slug + "-" + key();
}

DeviceIdentity identifyDevice(Device &device) {
  DeviceIdentity id;
  id.target = targetName(device.target());
  id.device = device.name();
#ifdef IDA_WITH_CUDA
  if (auto *cuda = dynamic_cast<CudaDevice *>(&device)) {
    id.fields["gpu"] = cuda->deviceName();
    id.fields["capability"] = std::to_string(cuda->computeCapability() / 10) +
                              "." +
                              std::to_string(cuda->computeCapability() % 10);
    id.fields["arch"] = cuda->arch();
    id.fields["driver"] = std::to_string(cuda->driverVersion());
    id.fields["nvrtc"] = nvrtcVersionString();
    std::string flags;
    for (const std::string &f : cuda->compiler().options().extraFlags)
      flags += (flags.empty() ? "" : " ") + f;
    if (cuda->compiler().options().fastMath)
      flags += (flags.empty() ? "" : " ") + std::string("--use_fast_math");
    id.fields["nvrtc_flags"] = flags;
    return id;
  }
#endif
  std::string cpu = HostCompiler::hostCpuIdentity();
  size_t nl = cpu.find('\n');
  std::string model = cpu.substr(0, nl);
  size_t colon = model.find(':');
  if (colon != std::string::npos)
    model = model.substr(colon + 1);
  size_t b = model.find_first_not_of(' ');
  id.fields["cpu_model"] = b == std::string::npos ? "unknown" : model.substr(b);
  id.fields["isa"] =
      sha256Hex(nl == std::string::npos ? "" : cpu.substr(nl + 1)).substr(0, 16);
  if (auto *host = dynamic_cast<CpuDevice *>(&device)) {
    id.fields["threads"] = std::to_string(host->numThreads());
    // The compiler's first --version line (its path differs between
    // machines that are otherwise identical).
    std::string compiler = "c++";
    if (auto cxx = env::get("IDA_CXX"))
      compiler = *cxx;
    std::string ident = HostCompiler::compilerIdentity(compiler);
    size_t cut = ident.find('\n');
    id.fields["host_compiler"] =
        cut == std::string::npos ? ident : ident.substr(cut + 1);
    id.fields["cxxflags"] = env::get("IDA_CXXFLAGS").value_or("");
  }
  return id;
}

int64_t powerOfTwoBucket(int64_t n) {
  if (n <= 0)
    return 0;
  int64_t b = 1;
  while (b < n && b < (int64_t(1) << 62))
    b <<= 1;
  return b;
}

std::string kernelHash(const Bundle &bundle, const KernelSpec &kernel,
                       const std::string &target) {
  Sha256 h;
  h.updateField("ida-kernel-hash/1");
  h.updateField(target);
  h.updateField(bundle.source(kernel.name, target));
  for (const ProgramSpec &p : kernel.programs) {
    h.updateField(p.symbol);
    for (const Expr &g : p.grid)
      h.updateField(g.text());
    h.updateField(p.threads.text());
    h.updateField(p.smem.text());
  }
  for (const KernelArg &a : kernel.args)
    h.updateField(a.spelling());
  for (const WorkspaceSpec &w : kernel.workspaces) {
    h.updateField(w.name);
    h.updateField(dtypeName(w.dtype));
    h.updateField(shapeExprString(w.shape));
    h.updateField(w.zero ? "zero" : "");
  }
  const Manifest &m = bundle.manifest();
  for (const KernelArg &a : kernel.args)
    if (a.kind == KernelArg::Kind::Buffer) {
      const BufferSpec &b = m.buffer(a.name);
      h.updateField(dtypeName(b.dtype));
      h.updateField(shapeExprString(b.shape));
    }
  for (const auto &[k, v] : m.statics) {
    h.updateField(k);
    h.updateField(std::to_string(v));
  }
  return h.hexDigest();
}

std::string recordKey(const std::string &kernel, const std::string &hash,
                      int64_t bucketT, int64_t bucketBH) {
  return kernel + "@" + hash.substr(0, 16) + "/T" + std::to_string(bucketT) +
         ".BH" + std::to_string(bucketBH);
}

std::string nowIso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

namespace {

json identityJson(const DeviceIdentity &id) {
  json fields = json::object();
  for (const auto &[k, v] : id.fields)
    fields[k] = v;
  return {{"target", id.target},
          {"device", id.device},
          {"device_key", id.key()},
          {"identity", fields}};
}

json recordJson(const TuningRecord &r) {
  json config = json::object();
  for (const auto &[k, v] : r.config)
    config[k] = v;
  json shape = json::object();
  for (const auto &[k, v] : r.shape)
    shape[k] = v;
  json j = {{"kernel", r.kernel},
            {"kernel_hash", r.kernelHash},
            {"bucket", {{"T", r.bucketT}, {"BH", r.bucketBH}}},
            {"shape", shape},
            {"config", config},
            {"median_ms", r.medianMs},
            {"default_ms", r.defaultMs},
            {"candidates", r.candidates},
            {"pruned", r.pruned},
            {"rejected", r.rejected},
            {"tuning_s", r.tuningSeconds},
            {"tuned_at", r.tunedAt},
            {"source", r.source}};
  if (!r.bundle.empty())
    j["bundle"] = r.bundle;
  json trials = json::array();
  for (const TuningRecord::Trial &t : r.trials) {
    json c = json::object();
    for (const auto &[k, v] : t.config)
      c[k] = v;
    json one = {{"config", c}, {"status", t.status}, {"median_ms", t.medianMs}};
    if (!t.reason.empty())
      one["reason"] = t.reason;
    trials.push_back(one);
  }
  j["trials"] = trials;
  return j;
}

/// Throws std::exception (nlohmann type errors or ida::Error) when malformed.
TuningRecord recordFromJson(const std::string &key, const json &j) {
  TuningRecord r;
  r.kernel = j.at("kernel").get<std::string>();
  r.kernelHash = j.at("kernel_hash").get<std::string>();
  r.bucketT = j.at("bucket").at("T").get<int64_t>();
  r.bucketBH = j.at("bucket").at("BH").get<int64_t>();
  for (const auto &[k, v] : j.at("config").items())
    r.config[k] = v.get<int64_t>();
  if (j.contains("shape"))
    for (const auto &[k, v] : j.at("shape").items())
      r.shape[k] = v.get<int64_t>();
  r.medianMs = j.value("median_ms", -1.0);
  r.defaultMs = j.value("default_ms", -1.0);
  r.candidates = j.value("candidates", 0);
  r.pruned = j.value("pruned", 0);
  r.rejected = j.value("rejected", 0);
  r.tuningSeconds = j.value("tuning_s", 0.0);
  r.tunedAt = j.value("tuned_at", std::string());
  r.source = j.value("source", std::string("tuned"));
  r.bundle = j.value("bundle", std::string());
  if (j.contains("trials"))
    for (const json &t : j.at("trials")) {
      TuningRecord::Trial trial;
      for (const auto &[k, v] : t.at("config").items())
        trial.config[k] = v.get<int64_t>();
      trial.status = t.value("status", std::string());
      trial.reason = t.value("reason", std::string());
      trial.medianMs = t.value("median_ms", -1.0);
      r.trials.push_back(std::move(trial));
    }
  if (r.kernelHash.size() != 64)
    throw Error("kernel_hash is not 64 hex characters");
  if (r.key() != key)
    throw Error("its key does not match its contents (expected '" + r.key() +
                "')");
  return r;
}

} // namespace

std::optional<RecordsFile> parseRecords(const std::string &text,
                                        std::string *problem) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto fail = [&](const std::string &why) -> std::optional<RecordsFile> {
    if (problem)
      *problem = why;
    return std::nullopt;
  };
  if (j.is_discarded())
    return fail("not valid JSON");
  if (!j.is_object())
    return fail("not a JSON object");
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kRecordsFormat)
    return fail(std::string("\"format\" is not \"") + kRecordsFormat + "\"");
  RecordsFile file;
  try {
    const json &meta = j.at("_metadata");
    file.identity.target = meta.at("target").get<std::string>();
    file.identity.device = meta.at("device").get<std::string>();
    for (const auto &[k, v] : meta.at("identity").items())
      file.identity.fields[k] = v.get<std::string>();
    file.updated = meta.value("updated", std::string());
    std::string stated = meta.at("device_key").get<std::string>();
    if (stated != file.identity.key())
      return fail("_metadata.device_key '" + stated +
                  "' does not match its identity fields");
  } catch (const std::exception &e) {
    return fail(std::string("malformed _metadata: ") + e.what());
  }
  if (!j.contains("records") || !j["records"].is_object())
    return fail("no \"records\" object");
  std::string dropped;
  for (const auto &[key, value] : j["records"].items()) {
    try {
      file.records.emplace(key, recordFromJson(key, value));
    } catch (const std::exception &e) {
      dropped += (dropped.empty() ? "" : "; ") + std::string("record '") +
                 key + "' ignored: " + e.what();
    }
  }
  if (problem)
    *problem = dropped;
  return file;
}

std::string serializeRecords(const RecordsFile &file) {
  json meta = identityJson(file.identity);
  meta["updated"] = file.updated;
  meta["writer"] = "ida-runtime autotuner";
  json records = json::object();
  for (const auto &[key, r] : file.records)
    records[key] = recordJson(r);
  json j = {{"format", kRecordsFormat},
            {"_metadata", meta},
            {"records", records}};
  return j.dump(2) + "\n";
}

void reportProblem(const std::string &message) {
  static std::mutex m;
  static std::set<std::string> seen;
  std::lock_guard<std::mutex> lock(m);
  if (seen.insert(message).second)
    std::fprintf(stderr, "ida: tuning records: %s\n", message.c_str());
}

//===----------------------------------------------------------------------===//
// RecordStore
//===----------------------------------------------------------------------===//

std::string defaultRecordsPath(const std::string &cacheDir,
                               const DeviceIdentity &identity) {
  return (fs::path(cacheDir) / "tuning" / (identity.fileStem() + ".json"))
      .string();
}

RecordStore::RecordStore(std::string path, DeviceIdentity identity,
                         bool readOnly)
    : path_(std::move(path)), identity_(std::move(identity)),
      readOnly_(readOnly) {}

std::optional<RecordsFile> RecordStore::readChecked(bool *corrupt) const {
  *corrupt = false;
  std::error_code ec;
  if (!fs::exists(path_, ec)) {
    if (readOnly_)
      reportProblem("'" + path_ + "' does not exist; using default "
                    "configurations");
    return RecordsFile{identity_, "", {}};
  }
  std::string text;
  try {
    text = readFile(path_);
  } catch (const Error &e) {
    reportProblem(std::string(e.what()) + "; ignored");
    return std::nullopt;
  }
  std::string problem;
  std::optional<RecordsFile> file = parseRecords(text, &problem);
  if (!file) {
    *corrupt = true;
    reportProblem("'" + path_ + "' is corrupt (" + problem + "); ignored" +
                  (readOnly_ ? "" : ", it will be replaced at the next write"));
    return std::nullopt;
  }
  if (!problem.empty())
    reportProblem("'" + path_ + "': " + problem);
  if (file->identity.key() != identity_.key()) {
    *corrupt = true;
    reportProblem("'" + path_ + "' holds records for another device or "
                  "toolchain (" + file->identity.device + ", key " +
                  file->identity.key() + "; this is " + identity_.device +
                  ", key " + identity_.key() + "); ignored");
    return std::nullopt;
  }
  return file;
}

void RecordStore::reload() {
  bool corrupt = false;
  std::optional<RecordsFile> file = readChecked(&corrupt);
  records_ = file ? std::move(file->records)
                  : std::map<std::string, TuningRecord>{};
}

const TuningRecord *RecordStore::find(const std::string &key) const {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void RecordStore::save(const std::vector<TuningRecord> &records) {
  if (readOnly_)
    throw Error("the tuning records '" + path_ +
                "' are read-only (IDA_TUNING_FILE)");
  makeDirs(fs::path(path_).parent_path().string());
  FileLock lock(path_ + ".lock");
  bool corrupt = false;
  std::optional<RecordsFile> file = readChecked(&corrupt);
  if (!file) {
    if (corrupt) {
      // Keep the evidence, then start afresh.
      std::error_code ec;
      fs::rename(path_, path_ + ".corrupt", ec);
    }
    file = RecordsFile{identity_, "", {}};
  }
  file->identity = identity_;
  for (const TuningRecord &r : records)
    file->records[r.key()] = r;
  file->updated = nowIso8601();
  writeFileAtomic(path_, serializeRecords(*file));
  records_ = std::move(file->records);
}

std::string RecordStore::keyLockPath(const std::string &key) const {
  fs::path p(path_);
  return (p.parent_path() / "locks" /
          (p.stem().string() + "-" + sha256Hex(key).substr(0, 16) + ".lock"))
      .string();
}

} // namespace ida::autotune
