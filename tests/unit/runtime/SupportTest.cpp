//===- tests/unit/runtime/SupportTest.cpp - errors, SHA-256, files, env ---===//

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"
#include "runtime/support/Process.h"
#include "runtime/support/Sha256.h"
#include "tests/unit/runtime/Fixture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

using namespace ida;

// FIPS 180-4 / NIST example vectors.
TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += char('a' + i % 26);
  // Split at every boundary around the 55/56/64-byte padding edges.
  for (size_t cut : {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 299}) {
    Sha256 h;
    h.update(text.substr(0, cut)).update(text.substr(cut));
    EXPECT_EQ(h.hexDigest(), sha256Hex(text)) << "cut at " << cut;
  }
}

TEST(Sha256, FieldsAreUnambiguous) {
  Sha256 a, b;
  a.updateField("ab").updateField("c");
  b.updateField("a").updateField("bc");
  EXPECT_NE(a.hexDigest(), b.hexDigest());
}

TEST(File, AtomicWriteCreatesParentsAndReplaces) {
  std::string dir = test::makeTempDir("file");
  std::string path = dir + "/a/b/c.txt";
  writeFileAtomic(path, "first");
  EXPECT_EQ(readFile(path), "first");
  writeFileAtomic(path, std::string("second\0bytes", 12));
  EXPECT_EQ(readFile(path), std::string("second\0bytes", 12));
  // No temporary files are left behind.
  int entries = 0;
  for (auto &e : std::filesystem::directory_iterator(dir + "/a/b")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(File, ReadMissingFileNamesIt) {
  try {
    readFile("/nonexistent/ida/file.txt");
    FAIL() << "expected FileError";
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ida/file.txt"),
              std::string::npos);
  }
}

TEST(File, LockExcludesOtherHolders) {
  std::string lockPath = test::makeTempDir("lock") + "/locks/x.lock";
  std::atomic<int> inside{0}, maxInside{0};
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      FileLock lock(lockPath);
      int now = ++inside;
      maxInside = std::max(maxInside.load(), now);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      --inside;
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(maxInside.load(), 1);
  EXPECT_TRUE(std::filesystem::exists(lockPath));
}

TEST(Env, NumThreadsParsesAndRejects) {
  ::setenv("IDA_NUM_THREADS", "3", 1);
  EXPECT_EQ(env::numThreads(), 3);
  ::setenv("IDA_NUM_THREADS", "three", 1);
  EXPECT_THROW(env::numThreads(), Error);
  ::setenv("IDA_NUM_THREADS", "0", 1);
  EXPECT_THROW(env::numThreads(), Error);
  ::unsetenv("IDA_NUM_THREADS");
  EXPECT_GE(env::numThreads(), 1);
}

TEST(Env, CacheDirPrefersIdaCacheDir) {
  // Save and restore every variable touched: later cases in this process
  // must keep using the test cache.
  std::map<std::string, std::optional<std::string>> saved;
  for (const char *name : {"IDA_CACHE_DIR", "XDG_CACHE_HOME", "HOME"})
    saved[name] = env::get(name);
  ::setenv("IDA_CACHE_DIR", "/some/where", 1);
  EXPECT_EQ(env::cacheDir(), "/some/where");
  ::unsetenv("IDA_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(env::cacheDir(), "/xdg/ida");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(env::cacheDir(), "/home/u/.cache/ida");
  for (const auto &[name, value] : saved) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

TEST(Process, CapturesOutputAndExitCode) {
  ProcessResult r = runProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  ProcessResult missing = runProcess({"/nonexistent/ida-program"});
  EXPECT_EQ(missing.exitCode, 127);
  EXPECT_EQ(shellQuote({"a", "b c", "it's"}), "a 'b c' 'it'\\''s'");
}
