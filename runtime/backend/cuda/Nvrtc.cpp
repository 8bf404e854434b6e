//===- runtime/backend/cuda/Nvrtc.cpp - NVRTC builds and their cache ------===//

#include "runtime/backend/cuda/Nvrtc.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Sha256.h"

#include <nvrtc.h>

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#ifndef IDA_CUDA_DEFAULT_INCLUDE
#define IDA_CUDA_DEFAULT_INCLUDE ""
#endif

namespace ida {

namespace fs = std::filesystem;

namespace {

/// Bumped whenever the options, the built-in headers or the cache layout
/// change meaning, so old entries are never reused.
constexpr const char *kKeyVersion = "ida-cuda-binary/1";
constexpr const char *kInfoMagic = "ida-cuda-binary-info/1";

std::mutex &statsMutex() {
  static std::mutex m;
  return m;
}
NvrtcStats &statsRef() {
  static NvrtcStats s;
  return s;
}
/// <cacheDir>/cuda/<key> -> binary
std::map<std::string, std::shared_ptr<CudaBinary>> &memo() {
  static std::map<std::string, std::shared_ptr<CudaBinary>> m;
  return m;
}

std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep))
    if (!item.empty())
      out.push_back(item);
  return out;
}

std::vector<std::string> splitWhitespace(const std::string &text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string word;
  while (in >> word)
    out.push_back(word);
  return out;
}

bool isDir(const std::string &path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string configLabel(const Config &config) {
  return config.empty() ? "default" : configString(config);
}

std::string joinFlags(const std::vector<std::string> &flags) {
  std::string out;
  for (const std::string &f : flags)
    out += (out.empty() ? "" : " ") + f;
  return out;
}

/// One "N unit" item of a ptxas line, applied to `r`.
void applyItem(std::string item, KernelResources &r) {
  item = trim(item);
  if (startsWith(item, "Used ") || startsWith(item, "used "))
    item = item.substr(5);
  char *end = nullptr;
  long long n = std::strtoll(item.c_str(), &end, 10);
  if (end == item.c_str())
    return;
  std::string unit = trim(std::string(end));
  if (unit == "registers")
    r.registers = int(n);
  else if (unit == "barriers")
    r.barriers = int(n);
  else if (unit == "bytes smem")
    r.staticSmem = n;
  else if (unit == "bytes cmem[0]")
    r.constantMem = n;
  else if (unit == "bytes stack frame")
    r.stackFrame = n;
  else if (unit == "bytes spill stores")
    r.spillStores = n;
  else if (unit == "bytes spill loads")
    r.spillLoads = n;
  else if (unit == "bytes cumulative stack size")
    r.cumulativeStack = n;
}

void applyItems(const std::string &text, KernelResources &r) {
  for (const std::string &item : split(text, ','))
    applyItem(item, r);
}

/// The text after "ptxas info    :" (or "ptxas         ."), or nullopt for a
/// line that is not ptxas output.
bool ptxasBody(const std::string &line, std::string *body) {
  std::string t = trim(line);
  if (!startsWith(t, "ptxas"))
    return false;
  size_t sep = t.find_first_of(":.", 5);
  *body = sep == std::string::npos ? "" : trim(t.substr(sep + 1));
  return true;
}

std::string savedSourceDir(const NvrtcOptions &options) {
  return (fs::path(options.cacheDir) / "cuda" / "failed").string();
}

/// Saves a failing source and its log; returns the source's path, or "" when
/// it could not be written.
std::string saveFailure(const NvrtcOptions &options, const std::string &key,
                        const std::string &source,
                        const std::vector<std::string> &flags,
                        const std::string &log) {
  if (options.cacheDir.empty())
    return "";
  try {
    std::string dir = savedSourceDir(options);
    makeDirs(dir);
    std::string src = dir + "/" + key + ".cu";
    writeFileAtomic(src, source);
    writeFileAtomic(dir + "/" + key + ".log",
                    "nvrtc " + nvrtcIdentity() + "\noptions: " +
                        joinFlags(flags) + "\n\n" + log);
    return src;
  } catch (const Error &) {
    return "";
  }
}

std::string computeKey(const std::string &source, const std::string &arch,
                       const std::vector<std::string> &flags) {
  Sha256 h;
  h.updateField(kKeyVersion);
  h.updateField(source);
  h.updateField(arch);
  for (const std::string &f : flags)
    h.updateField(f);
  h.updateField(nvrtcIdentity());
  for (const auto &[name, text] : nvrtcBuiltinHeaders()) {
    h.updateField(name);
    h.updateField(text);
  }
  return h.hexDigest();
}

const char kStdintH[] = R"(// stdint.h supplied by the IDA runtime's NVRTC backend (NVRTC has no C
// library headers). LP64, as on every platform the runtime supports.
#ifndef IDA_NVRTC_STDINT_H
#define IDA_NVRTC_STDINT_H
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef long intptr_t;
typedef unsigned long uintptr_t;
typedef long long intmax_t;
typedef unsigned long long uintmax_t;
#define INT8_MIN (-128)
#define INT16_MIN (-32767 - 1)
#define INT32_MIN (-2147483647 - 1)
#define INT64_MIN (-9223372036854775807LL - 1)
#define INT8_MAX 127
#define INT16_MAX 32767
#define INT32_MAX 2147483647
#define INT64_MAX 9223372036854775807LL
#define UINT8_MAX 255
#define UINT16_MAX 65535
#define UINT32_MAX 4294967295U
#define UINT64_MAX 18446744073709551615ULL
#endif
)";

const char kStddefH[] = R"(// stddef.h supplied by the IDA runtime's NVRTC backend.
#ifndef IDA_NVRTC_STDDEF_H
#define IDA_NVRTC_STDDEF_H
typedef unsigned long size_t;
typedef long ptrdiff_t;
#ifndef NULL
#define NULL 0
#endif
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
)";

/// RAII for an nvrtcProgram.
class Program {
public:
  Program(const std::string &source, const std::string &name) {
    const auto &headers = nvrtcBuiltinHeaders();
    for (const auto &[n, text] : headers) {
      names_.push_back(n.c_str());
      texts_.push_back(text.c_str());
    }
    status_ = nvrtcCreateProgram(&program_, source.c_str(), name.c_str(),
                                 int(texts_.size()), texts_.data(),
                                 names_.data());
  }
  ~Program() {
    if (status_ == NVRTC_SUCCESS)
      nvrtcDestroyProgram(&program_);
  }
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  nvrtcResult status() const { return status_; }
  nvrtcProgram get() const { return program_; }

  std::string log() const {
    size_t size = 0;
    if (nvrtcGetProgramLogSize(program_, &size) != NVRTC_SUCCESS || size == 0)
      return "";
    std::string text(size, '\0');
    if (nvrtcGetProgramLog(program_, &text[0]) != NVRTC_SUCCESS)
      return "";
    while (!text.empty() && text.back() == '\0')
      text.pop_back();
    return text;
  }

private:
  nvrtcProgram program_ = nullptr;
  nvrtcResult status_;
  std::vector<const char *> names_, texts_;
};

/// Arch names: sm_XY[a|f] or compute_XY[a|f]; returns the number XY or -1.
int archNumber(const std::string &arch, bool *ptx) {
  std::string digits;
  if (startsWith(arch, "sm_")) {
    *ptx = false;
    digits = arch.substr(3);
  } else if (startsWith(arch, "compute_")) {
    *ptx = true;
    digits = arch.substr(8);
  } else {
    return -1;
  }
  if (!digits.empty() && (digits.back() == 'a' || digits.back() == 'f'))
    digits.pop_back();
  if (digits.empty() || digits.size() > 4 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c); }))
    return -1;
  return std::atoi(digits.c_str());
}

} // namespace

//===----------------------------------------------------------------------===//
// ptxas log parsing
//===----------------------------------------------------------------------===//

ResourceReport parsePtxasInfo(const std::string &log) {
  // The summary ptxas -v prints per entry function (CUDA 11-13):
  //   ptxas info    : Compiling entry function 'NAME' for 'sm_90'
  //   ptxas info    : Function properties for NAME
  //   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
  //   ptxas info    : Used 10 registers, used 1 barriers, 512 bytes smem, 368 bytes cmem[0]
  // "Function properties for" also appears for non-inlined device functions
  // (callees); their frame lines are not the kernel's and are skipped.
  ResourceReport report;
  std::string entry;        // the entry function being compiled
  bool entryProps = false;  // the last "Function properties" was the entry's
  std::istringstream in(log);
  std::string line;
  const std::string compiling = "Compiling entry function '";
  const std::string props = "Function properties for ";
  while (std::getline(in, line)) {
    std::string body;
    if (!ptxasBody(line, &body))
      continue;
    if (startsWith(body, compiling)) {
      size_t b = compiling.size();
      size_t e = body.find('\'', b);
      entry = body.substr(b, e == std::string::npos ? std::string::npos : e - b);
      report[entry]; // listed even if no further line names it
      entryProps = false;
    } else if (startsWith(body, props)) {
      entryProps = !entry.empty() && trim(body.substr(props.size())) == entry;
    } else if (body.find("bytes stack frame") != std::string::npos) {
      if (entryProps)
        applyItems(body, report[entry]);
    } else if (startsWith(body, "Used ")) {
      if (!entry.empty())
        applyItems(body, report[entry]);
    }
  }
  return report;
}

std::string formatResources(const ResourceReport &report,
                            const std::vector<std::string> &symbols) {
  std::vector<std::string> names = symbols;
  if (names.empty())
    for (const auto &[name, r] : report)
      names.push_back(name);
  size_t width = 6;
  for (const std::string &n : names)
    width = std::max(width, n.size());
  auto pad = [](std::string text, size_t w, bool left) {
    if (text.size() < w)
      text = left ? text + std::string(w - text.size(), ' ')
                  : std::string(w - text.size(), ' ') + text;
    return text;
  };
  std::string out = pad("symbol", width, true) + "  registers  spill-stores" +
                    "  spill-loads  stack-frame  static-smem\n";
  for (const std::string &n : names) {
    auto it = report.find(n);
    if (it == report.end()) {
      out += pad(n, width, true) + "  (not in the ptxas report)\n";
      continue;
    }
    const KernelResources &r = it->second;
    out += pad(n, width, true) + "  " +
           pad(r.registers < 0 ? "?" : std::to_string(r.registers), 9, false) +
           "  " + pad(std::to_string(r.spillStores), 12, false) + "  " +
           pad(std::to_string(r.spillLoads), 11, false) + "  " +
           pad(std::to_string(r.stackFrame), 11, false) + "  " +
           pad(std::to_string(r.staticSmem), 11, false) + "\n";
  }
  return out;
}

namespace {

template <typename T> bool readAt(const std::string &b, size_t off, T *out) {
  if (off > b.size() || b.size() - off < sizeof(T))
    return false;
  std::memcpy(out, b.data() + off, sizeof(T));
  return true;
}

std::string cString(const std::string &b, size_t off) {
  if (off >= b.size())
    return "";
  size_t end = b.find('\0', off);
  return b.substr(off, end == std::string::npos ? std::string::npos : end - off);
}

} // namespace

ResourceReport cubinResources(const std::string &image) {
  // ELF64 little-endian, as every CUBIN since CUDA 5. Layouts from the ELF
  // specification; the NVIDIA parts (.nv.info records: u8 format, u8
  // attribute, then u16 value, or for format 4 a u16 size and that many
  // bytes; REGCOUNT = 0x2f and FRAME_SIZE = 0x11 carry {u32 symbol, u32
  // value}; entry functions have st_other bit 0x10) were checked against
  // ptxas -v on CUDA 13 CUBINs for sm_75..sm_100.
  ResourceReport report;
  if (image.size() < 64 || image.compare(0, 4, "\x7f" "ELF") != 0 ||
      image[4] != 2 /* ELFCLASS64 */ || image[5] != 1 /* little endian */)
    return report;
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  if (!readAt(image, 0x28, &shoff) || !readAt(image, 0x3a, &shentsize) ||
      !readAt(image, 0x3c, &shnum) || !readAt(image, 0x3e, &shstrndx) ||
      shentsize < 64 || shstrndx >= shnum)
    return report;
  struct Section {
    uint32_t name, type;
    uint64_t offset, size;
    uint32_t link;
  };
  std::vector<Section> sections;
  for (uint16_t i = 0; i < shnum; ++i) {
    size_t at = size_t(shoff) + size_t(i) * shentsize;
    Section s{};
    if (!readAt(image, at, &s.name) || !readAt(image, at + 4, &s.type) ||
        !readAt(image, at + 24, &s.offset) || !readAt(image, at + 32, &s.size) ||
        !readAt(image, at + 40, &s.link))
      return report;
    sections.push_back(s);
  }
  auto sectionName = [&](const Section &s) {
    return cString(image, size_t(sections[shstrndx].offset) + s.name);
  };
  // Entry functions by symbol index.
  std::map<uint32_t, std::string> entries;
  const Section *info = nullptr;
  bool reservedSmem = false;
  std::map<std::string, int64_t> sharedSizes;
  for (const Section &s : sections) {
    std::string name = sectionName(s);
    if (name == ".nv.info")
      info = &s;
    else if (name.rfind(".nv.shared.reserved", 0) == 0)
      reservedSmem = true;
    else if (name.rfind(".nv.shared.", 0) == 0)
      sharedSizes[name.substr(11)] = int64_t(s.size);
    if (s.type != 2 /* SHT_SYMTAB */ || s.link >= sections.size())
      continue;
    const Section &strtab = sections[s.link];
    for (uint64_t k = 0; k * 24 + 24 <= s.size; ++k) {
      size_t at = size_t(s.offset + k * 24);
      uint32_t nameOff = 0;
      uint8_t symInfo = 0, other = 0;
      if (!readAt(image, at, &nameOff) || !readAt(image, at + 4, &symInfo) ||
          !readAt(image, at + 5, &other))
        return report;
      if ((symInfo & 0xf) == 2 /* STT_FUNC */ && (other & 0x10))
        entries[uint32_t(k)] = cString(image, size_t(strtab.offset) + nameOff);
    }
  }
  for (const auto &[index, name] : entries) {
    KernelResources &r = report[name];
    r.origin = "cubin";
    auto shared = sharedSizes.find(name);
    if (shared != sharedSizes.end())
      // sm_90+ CUBINs count the 1 KB the hardware reserves per block in
      // every .nv.shared.<kernel> (and then have .nv.shared.reserved.*).
      r.staticSmem = std::max<int64_t>(
          0, shared->second - (reservedSmem ? 1024 : 0));
  }
  if (info) {
    size_t p = size_t(info->offset), end = size_t(info->offset + info->size);
    while (p + 4 <= end && p + 4 <= image.size()) {
      uint8_t format = uint8_t(image[p]), attr = uint8_t(image[p + 1]);
      uint16_t value = 0;
      readAt(image, p + 2, &value);
      if (format != 4) {
        p += 4;
        continue;
      }
      uint32_t symbol = 0, v = 0;
      if (value == 8 && readAt(image, p + 4, &symbol) &&
          readAt(image, p + 8, &v)) {
        auto e = entries.find(symbol);
        if (e != entries.end()) {
          if (attr == 0x2f)
            report[e->second].registers = int(v);
          else if (attr == 0x11)
            report[e->second].stackFrame = int64_t(v);
        }
      }
      p += 4 + value;
    }
  }
  for (auto &[name, r] : report)
    if (r.stackFrame > 0)
      r.spillStores = r.spillLoads = -1; // local memory, spills unknown
  return report;
}

ResourceReport kernelResources(const std::string &log,
                               const std::string &image) {
  ResourceReport report = parsePtxasInfo(log);
  for (auto &[name, r] : cubinResources(image)) {
    auto it = report.find(name);
    if (it == report.end() || it->second.registers < 0)
      report[name] = r;
  }
  return report;
}

//===----------------------------------------------------------------------===//
// Options and toolchain identity
//===----------------------------------------------------------------------===//

std::vector<std::string> NvrtcOptions::defaultIncludeDirs() {
  std::vector<std::string> candidates = split(IDA_CUDA_DEFAULT_INCLUDE, ':');
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (auto root = env::get(var))
      candidates.push_back(*root + "/include");
  candidates.push_back("/usr/local/cuda/include");
  for (const std::string &dir : candidates)
    if (isDir(dir) && fs::exists(fs::path(dir) / "cuda_bf16.h"))
      return {dir};
  return {};
}

NvrtcOptions NvrtcOptions::fromEnv() {
  NvrtcOptions o;
  o.cacheDir = env::cacheDir();
  if (auto inc = env::get("IDA_CUDA_INCLUDE"))
    o.includeDirs = split(*inc, ':');
  else
    o.includeDirs = defaultIncludeDirs();
  if (auto flags = env::get("IDA_NVRTC_FLAGS"))
    o.extraFlags = splitWhitespace(*flags);
  if (auto fast = env::get("IDA_CUDA_FAST_MATH"))
    o.fastMath = *fast != "0";
  return o;
}

namespace {
bool nvrtcHasInternalCache() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return false;
  return major > 12 || (major == 12 && minor >= 9);
}
} // namespace

std::vector<std::string> nvrtcFlags(const std::string &arch,
                                    const Config &config,
                                    const NvrtcOptions &options) {
  bool ptx = false;
  archNumber(arch, &ptx);
  std::vector<std::string> f = {"-std=c++17", "--gpu-architecture=" + arch,
                                "-default-device"};
  if (options.lineInfo)
    f.push_back("-lineinfo");
  if (options.fastMath)
    f.push_back("--use_fast_math");
  if (!ptx) {
    f.push_back("--ptxas-options=-v"); // the resource report
    // NVRTC 12.9+ keeps its own cache of generated code, and a build served
    // from it carries no ptxas report; the runtime caches binaries itself.
    if (nvrtcHasInternalCache())
      f.push_back("--no-cache");
  }
  for (const std::string &dir : options.includeDirs)
    f.push_back("-I" + dir);
  f.insert(f.end(), options.extraFlags.begin(), options.extraFlags.end());
  for (const auto &[key, value] : config) // std::map: sorted, deterministic
    f.push_back("-DIDA_CFG_" + key + "=" + std::to_string(value));
  return f;
}

std::string nvrtcVersionString() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return "unknown";
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string nvrtcIdentity() {
  static const std::string identity = [] {
    std::string id = nvrtcVersionString();
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&nvrtcVersion), &info) &&
        info.dli_fname) {
      std::error_code ec;
      std::string path = fs::canonical(info.dli_fname, ec).string();
      if (ec)
        path = info.dli_fname;
      struct stat st {};
      id += " " + path;
      if (::stat(path.c_str(), &st) == 0)
        id += " " + std::to_string(static_cast<long long>(st.st_size));
    }
    return id;
  }();
  return identity;
}

std::vector<std::string> nvrtcSupportedArchs() {
  int n = 0;
  std::vector<std::string> out;
  if (nvrtcGetNumSupportedArchs(&n) != NVRTC_SUCCESS || n <= 0)
    return out;
  std::vector<int> archs(size_t(n), 0);
  if (nvrtcGetSupportedArchs(archs.data()) != NVRTC_SUCCESS)
    return out;
  std::sort(archs.begin(), archs.end());
  for (int a : archs)
    out.push_back("sm_" + std::to_string(a));
  return out;
}

bool nvrtcSupportsArch(const std::string &arch) {
  bool ptx = false;
  int n = archNumber(arch, &ptx);
  if (n < 0)
    return false;
  std::string sm = "sm_" + std::to_string(n);
  auto archs = nvrtcSupportedArchs();
  return std::find(archs.begin(), archs.end(), sm) != archs.end();
}

const std::map<std::string, std::string> &nvrtcBuiltinHeaders() {
  static const std::map<std::string, std::string> headers = {
      {"stdint.h", kStdintH},
      {"stddef.h", kStddefH},
  };
  return headers;
}

//===----------------------------------------------------------------------===//
// One compile
//===----------------------------------------------------------------------===//

NvrtcResult compileCuda(const std::string &source, const std::string &arch,
                        const Config &config, const NvrtcOptions &options,
                        const std::vector<std::string> &symbols,
                        const std::string &kernelName,
                        const std::string &sourcePath) {
  const std::vector<std::string> flags = nvrtcFlags(arch, config, options);
  const std::string what = "compiling kernel '" + kernelName + "' [" +
                           configLabel(config) + "] for " + arch +
                           " with NVRTC " + nvrtcVersionString();
  const std::string bundleLine =
      sourcePath.empty() ? "" : "\n  bundle source: " + sourcePath;

  bool ptx = false;
  if (archNumber(arch, &ptx) < 0)
    throw CompileError(what + " failed: '" + arch +
                           "' is not a CUDA target (expected sm_XY or "
                           "compute_XY, e.g. sm_90)",
                       "", "");
  if (!nvrtcSupportsArch(arch)) {
    std::string known;
    for (const std::string &a : nvrtcSupportedArchs())
      known += (known.empty() ? "" : " ") + a;
    throw CompileError(what + " failed: this NVRTC does not support " + arch +
                           " (supported: " + known + ")",
                       "", "");
  }

  auto fail = [&](const std::string &why, const std::string &log) {
    std::string key = computeKey(source, arch, flags);
    std::string saved = saveFailure(options, key, source, flags, log);
    std::string message = what + " failed: " + why + bundleLine +
                          "\n  saved source: " +
                          (saved.empty() ? "(could not be saved)" : saved) +
                          "\n  options: " + joinFlags(flags);
    if (log.find("cannot open source file") != std::string::npos)
      message += "\n  hint: toolkit headers are searched in the -I "
                 "directories above; set IDA_CUDA_INCLUDE to the CUDA "
                 "toolkit's include directory (e.g. /usr/local/cuda/include)";
    message += "\n  NVRTC log:\n" + log;
    throw CompileError(message, log, saved);
  };

  std::vector<const char *> argv;
  for (const std::string &f : flags)
    argv.push_back(f.c_str());

  // The name NVRTC puts in its diagnostics ("NAME.cu(12): error ...").
  std::string programName = kernelName;
  if (programName.size() < 3 ||
      programName.compare(programName.size() - 3, 3, ".cu") != 0)
    programName += ".cu";
  Program program(source, programName);
  if (program.status() != NVRTC_SUCCESS)
    fail(std::string("nvrtcCreateProgram: ") +
             nvrtcGetErrorString(program.status()),
         "");
  nvrtcResult status =
      nvrtcCompileProgram(program.get(), int(argv.size()), argv.data());
  {
    std::lock_guard<std::mutex> lock(statsMutex());
    ++statsRef().nvrtcRuns;
  }
  NvrtcResult result;
  result.arch = arch;
  result.isPtx = ptx;
  result.log = program.log();
  if (status != NVRTC_SUCCESS)
    fail(nvrtcGetErrorString(status), result.log);

  size_t size = 0;
  nvrtcResult got;
  if (ptx) {
    got = nvrtcGetPTXSize(program.get(), &size);
    if (got == NVRTC_SUCCESS && size > 0) {
      result.image.assign(size, '\0');
      got = nvrtcGetPTX(program.get(), &result.image[0]);
      while (!result.image.empty() && result.image.back() == '\0')
        result.image.pop_back();
    }
  } else {
    got = nvrtcGetCUBINSize(program.get(), &size);
    if (got == NVRTC_SUCCESS && size > 0) {
      result.image.assign(size, '\0');
      got = nvrtcGetCUBIN(program.get(), &result.image[0]);
    }
  }
  if (got != NVRTC_SUCCESS || result.image.empty())
    fail(std::string("no binary came back (") + nvrtcGetErrorString(got) + ")",
         result.log);

  if (!ptx) {
    result.resources = kernelResources(result.log, result.image);
    if (!result.resources.empty()) {
      for (const std::string &symbol : symbols) {
        if (result.resources.count(symbol))
          continue;
        std::string found;
        for (const auto &[name, r] : result.resources)
          found += (found.empty() ? "" : ", ") + name;
        fail("the source defines no kernel '" + symbol +
                 "' (kernels found: " + found +
                 "); entry points must be extern \"C\" __global__",
             result.log);
      }
    }
  }
  return result;
}

//===----------------------------------------------------------------------===//
// The cached compiler
//===----------------------------------------------------------------------===//

NvrtcCompiler::NvrtcCompiler(NvrtcOptions options)
    : options_(std::move(options)) {}

std::string NvrtcCompiler::binaryDir() const {
  return (fs::path(options_.cacheDir) / "cuda").string();
}

std::string NvrtcCompiler::cacheKey(const std::string &source,
                                    const std::string &arch,
                                    const Config &config) const {
  return computeKey(source, arch, nvrtcFlags(arch, config, options_));
}

namespace {

std::string imageSuffix(const std::string &arch) {
  return startsWith(arch, "compute_") ? ".ptx" : ".cubin";
}

std::string infoText(const NvrtcResult &r) {
  return std::string(kInfoMagic) + "\narch " + r.arch + "\nsha256 " +
         sha256Hex(r.image) + "\nlog\n" + r.log;
}

/// Parses an .info file; false when it is not one of ours.
bool parseInfo(const std::string &text, std::string *arch, std::string *sha,
               std::string *log) {
  std::istringstream in(text);
  std::string magic, archLine, shaLine, logLine;
  if (!std::getline(in, magic) || magic != kInfoMagic ||
      !std::getline(in, archLine) || !startsWith(archLine, "arch ") ||
      !std::getline(in, shaLine) || !startsWith(shaLine, "sha256 ") ||
      !std::getline(in, logLine) || logLine != "log")
    return false;
  *arch = archLine.substr(5);
  *sha = shaLine.substr(7);
  size_t offset = magic.size() + archLine.size() + shaLine.size() +
                  logLine.size() + 4;
  *log = offset <= text.size() ? text.substr(offset) : "";
  return sha->size() == 64;
}

} // namespace

std::shared_ptr<CudaBinary>
NvrtcCompiler::loadCached(const std::string &key, const std::string &arch,
                          const KernelBuildRequest &request) {
  std::string base = binaryDir() + "/" + key;
  std::string imagePath = base + imageSuffix(arch);
  std::string infoPath = base + ".info";
  std::error_code ec;
  if (!fs::exists(imagePath, ec))
    return nullptr;
  std::string why;
  auto bin = std::make_shared<CudaBinary>();
  bin->key = key;
  bin->path = imagePath;
  try {
    std::string info = readFile(infoPath);
    std::string infoArch, sha;
    NvrtcResult &r = bin->result;
    if (!parseInfo(info, &infoArch, &sha, &r.log))
      why = "its .info file is malformed";
    else if (infoArch != arch)
      why = "it was built for " + infoArch;
    else {
      r.image = readFile(imagePath);
      r.arch = arch;
      r.isPtx = startsWith(arch, "compute_");
      if (sha256Hex(r.image) != sha)
        why = "its contents do not match the recorded sha256";
      else if (!r.isPtx && r.image.compare(0, 4, "\x7f" "ELF") != 0)
        why = "it is not an ELF file";
      else if (!r.isPtx)
        r.resources = kernelResources(r.log, r.image);
    }
  } catch (const Error &e) {
    why = e.what();
  }
  if (why.empty()) {
    // A symbol the request needs but the binary lacks is the source's fault,
    // not the cache's: report it like a compile failure.
    for (const std::string &symbol : request.symbols)
      if (!bin->result.resources.empty() &&
          !bin->result.resources.count(symbol))
        throw CompileError("kernel '" + request.kernelName +
                               "' defines no kernel '" + symbol +
                               "' for " + arch + "\n  bundle source: " +
                               request.sourcePath + "\n  binary: " + imagePath,
                           bin->result.log, request.sourcePath);
    std::lock_guard<std::mutex> lock(statsMutex());
    ++statsRef().diskHits;
    env::log("cache hit for kernel '" + request.kernelName + "' [" +
             configLabel(request.config) + "]: " + imagePath);
    return bin;
  }
  env::log("cached binary " + imagePath + " is unusable (" + why +
           "); rebuilding");
  removeFileQuietly(imagePath);
  removeFileQuietly(infoPath);
  std::lock_guard<std::mutex> lock(statsMutex());
  ++statsRef().rebuilds;
  return nullptr;
}

std::shared_ptr<const CudaBinary>
NvrtcCompiler::build(const KernelBuildRequest &request,
                     const std::string &arch) {
  std::string key = cacheKey(request, arch);
  std::string dir = binaryDir();
  // The memo is keyed by path: two compilers with different cache
  // directories do not share binaries.
  std::string memoKey = dir + "/" + key;
  {
    std::lock_guard<std::mutex> lock(statsMutex());
    auto it = memo().find(memoKey);
    if (it != memo().end()) {
      ++statsRef().memoryHits;
      return it->second;
    }
  }
  auto remember = [&](std::shared_ptr<CudaBinary> bin) {
    std::lock_guard<std::mutex> lock(statsMutex());
    auto [it, inserted] = memo().emplace(memoKey, std::move(bin));
    return std::shared_ptr<const CudaBinary>(it->second);
  };

  makeDirs(dir);
  if (auto bin = loadCached(key, arch, request))
    return remember(bin);
  // One builder per key across processes; the others wait, then find the
  // finished binary on disk.
  FileLock lock(dir + "/locks/" + key + ".lock");
  if (auto bin = loadCached(key, arch, request))
    return remember(bin);

  std::string imagePath = dir + "/" + key + imageSuffix(arch);
  env::log("compiling kernel '" + request.kernelName + "' [" +
           configLabel(request.config) + "] for " + arch + " -> " + imagePath);
  auto bin = std::make_shared<CudaBinary>();
  bin->key = key;
  bin->path = imagePath;
  bin->result = compileCuda(request.source, arch, request.config, options_,
                            request.symbols, request.kernelName,
                            request.sourcePath);
  // The .info (with the image's hash) first, then the image: a reader that
  // finds the image always finds an .info, and a mismatched pair (two
  // writers) is detected by the hash and rebuilt.
  writeFileAtomic(dir + "/" + key + ".info", infoText(bin->result));
  writeFileAtomic(imagePath, bin->result.image);
  return remember(bin);
}

void NvrtcCompiler::evict(const std::string &key) {
  {
    std::lock_guard<std::mutex> lock(statsMutex());
    memo().erase(binaryDir() + "/" + key);
  }
  std::string base = binaryDir() + "/" + key;
  removeFileQuietly(base + ".cubin");
  removeFileQuietly(base + ".ptx");
  removeFileQuietly(base + ".info");
}

NvrtcStats NvrtcCompiler::stats() {
  std::lock_guard<std::mutex> lock(statsMutex());
  return statsRef();
}

void NvrtcCompiler::resetStats() {
  std::lock_guard<std::mutex> lock(statsMutex());
  statsRef() = NvrtcStats();
}

void NvrtcCompiler::clearMemoryCache() {
  std::lock_guard<std::mutex> lock(statsMutex());
  memo().clear();
}

} // namespace ida
