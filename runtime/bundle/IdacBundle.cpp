//===- runtime/bundle/IdacBundle.cpp - bundles idac writes on demand ------===//
#include "runtime/bundle/IdacBundle.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Process.h"
#include "runtime/support/Sha256.h"

#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace fs = std::filesystem;

namespace ida {

std::string selfExecutableDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

std::string findIdac(const std::string &besideDir) {
  if (auto env = env::get("IDA_IDAC")) {
    if (::access(env->c_str(), X_OK) != 0)
      throw Error("IDA_IDAC='" + *env + "' is not an executable program");
    return *env;
  }
  if (!besideDir.empty()) {
    const std::string beside = besideDir + "/idac";
    if (::access(beside.c_str(), X_OK) == 0)
      return beside;
  }
  std::string onPath = resolveProgram("idac");
  return onPath.find('/') == std::string::npos ? std::string() : onPath;
}

namespace {

/// What makes a cached bundle stale: the compiler binary itself. Its path,
/// size and modification time change with every rebuild or install.
std::string idacIdentity(const std::string &idac) {
  std::error_code ec;
  fs::path real = fs::canonical(idac, ec);
  if (ec)
    real = idac;
  std::string id = real.string();
  const auto size = fs::file_size(real, ec);
  if (!ec)
    id += ":" + std::to_string(size);
  const auto mtime = fs::last_write_time(real, ec);
  if (!ec)
    id += ":" + std::to_string(mtime.time_since_epoch().count());
  return id;
}

bool hasManifest(const std::string &dir) {
  std::error_code ec;
  return fs::is_regular_file(dir + "/manifest.json", ec);
}

} // namespace

IdacBundle idacBundle(const std::string &idac, const std::vector<std::string> &args) {
  Sha256 h;
  h.updateField("ida-idac-bundle/1");
  h.updateField(idacIdentity(idac));
  for (const std::string &a : args)
    h.updateField(a);
  const std::string key = h.hexDigest().substr(0, 32);
  const std::string root = env::cacheDir() + "/bundles";

  IdacBundle out;
  out.dir = root + "/" + key;
  out.command = "idac";
  for (const std::string &a : args)
    out.command += " " + a;
  if (hasManifest(out.dir))
    return out;

  makeDirs(root);
  const std::string tmp = uniqueTempPath(out.dir);
  std::vector<std::string> argv = {idac};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-q", "-o", tmp});
  ProcessResult r = runProcess(argv);
  std::error_code ec;
  if (r.exitCode != 0) {
    fs::remove_all(tmp, ec);
    std::string first = r.output.substr(0, r.output.find('\n'));
    throw Error("idac failed (exit " + std::to_string(r.exitCode) + "): " +
                shellQuote(argv) + (first.empty() ? "" : ": " + first));
  }
  fs::rename(tmp, out.dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    // Another process renamed its bundle into place first; it is the same.
    if (!hasManifest(out.dir))
      throw FileError("cannot move the bundle idac wrote into '" + out.dir +
                      "'");
  }
  out.generated = true;
  return out;
}

} // namespace ida
