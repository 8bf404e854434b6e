//===- runtime/support/File.h - file utilities ------------------*- C++ -*-===//
//
// What the disk caches need: whole-file reads, atomic writes (a temporary
// file in the destination's directory, then rename, so a reader never sees
// a half-written file even when several processes share a cache), unique
// temporary names and an flock(2) guard for read-modify-write updates.
//
//===----------------------------------------------------------------------===//
#ifndef IDA_RUNTIME_SUPPORT_FILE_H
#define IDA_RUNTIME_SUPPORT_FILE_H

#include <string>
#include <string_view>

namespace ida {

/// The whole file as bytes; throws FileError naming the path.
std::string readFile(const std::string &path);

/// Creates `dir` and its parents; throws FileError on failure.
void makeDirs(const std::string &dir);

/// A path in the same directory as `path`, unique to this process and call:
/// "<path>.tmp.<pid>.<counter><suffix>". Same directory, so a rename to
/// `path` stays on one filesystem and is atomic.
std::string uniqueTempPath(const std::string &path,
                           std::string_view suffix = "");

/// Writes `contents` to a temporary file next to `path`, then renames it over
/// `path`. Creates missing parent directories. Throws FileError.
void writeFileAtomic(const std::string &path, std::string_view contents);

/// rename(2) with a FileError naming both paths on failure.
void renameFile(const std::string &from, const std::string &to);

/// Removes a file if present; never throws (used on error paths).
void removeFileQuietly(const std::string &path) noexcept;

/// An exclusive (or shared) flock(2) on a lock file, held for the guard's
/// lifetime. Blocks until acquired. The lock file is created if missing and
/// never deleted (deleting it would let two processes lock different inodes).
/// flock is advisory and may be unreliable on network filesystems; the
/// caches stay correct without it because every write is an atomic rename.
class FileLock {
public:
  enum class Mode { Exclusive, Shared };
  explicit FileLock(const std::string &lockPath, Mode mode = Mode::Exclusive);
  ~FileLock();
  FileLock(const FileLock &) = delete;
  FileLock &operator=(const FileLock &) = delete;
  const std::string &path() const { return path_; }

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace ida

#endif // IDA_RUNTIME_SUPPORT_FILE_H
