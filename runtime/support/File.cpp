//===- runtime/support/File.cpp - file utilities --------------------------===//

#include "runtime/support/File.h"

#include "runtime/support/Error.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace ida {

namespace fs = std::filesystem;

static std::string errnoText() { return std::strerror(errno); }

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FileError("cannot open '" + path + "': " + errnoText());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    throw FileError("cannot read '" + path + "'");
  return out.str();
}

void makeDirs(const std::string &dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw FileError("cannot create directory '" + dir + "': " + ec.message());
}

std::string uniqueTempPath(const std::string &path, std::string_view suffix) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(counter++) + std::string(suffix);
}

void renameFile(const std::string &from, const std::string &to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw FileError("cannot rename '" + from + "' to '" + to +
                    "': " + errnoText());
}

void removeFileQuietly(const std::string &path) noexcept {
  std::error_code ec;
  fs::remove(path, ec);
}

void writeFileAtomic(const std::string &path, std::string_view contents) {
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty())
    makeDirs(parent.string());
  std::string tmp = uniqueTempPath(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw FileError("cannot create '" + tmp + "': " + errnoText());
    out.write(contents.data(), std::streamsize(contents.size()));
    out.flush();
    if (!out) {
      removeFileQuietly(tmp);
      throw FileError("cannot write '" + tmp + "'");
    }
  }
  try {
    renameFile(tmp, path);
  } catch (...) {
    removeFileQuietly(tmp);
    throw;
  }
}

FileLock::FileLock(const std::string &lockPath, Mode mode) : path_(lockPath) {
  fs::path parent = fs::path(lockPath).parent_path();
  if (!parent.empty())
    makeDirs(parent.string());
  fd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw FileError("cannot open lock file '" + lockPath + "': " + errnoText());
  int op = mode == Mode::Exclusive ? LOCK_EX : LOCK_SH;
  while (::flock(fd_, op) != 0) {
    if (errno == EINTR)
      continue;
    std::string why = errnoText();
    ::close(fd_);
    throw FileError("cannot lock '" + lockPath + "': " + why);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

} // namespace ida
