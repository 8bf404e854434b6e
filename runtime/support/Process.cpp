//===- runtime/support/Process.cpp - running a child process --------------===//

#include "runtime/support/Process.h"

#include "runtime/support/Env.h"
#include "runtime/support/Error.h"
#include "runtime/support/File.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace ida {

namespace fs = std::filesystem;

ProcessResult runProcess(const std::vector<std::string> &argv) {
  if (argv.empty())
    throw Error("runProcess: empty argument vector");
  // The output goes to an unlinked temporary file rather than a pipe: no
  // reader thread, and no deadlock however much a compiler prints.
  FILE *capture = std::tmpfile();
  if (!capture)
    throw Error(std::string("cannot create a temporary file for a child "
                            "process's output: ") +
                std::strerror(errno));
  int fd = fileno(capture);

  std::vector<char *> cargv;
  for (const std::string &arg : argv)
    cargv.push_back(const_cast<char *>(arg.c_str()));
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(),
                        environ);
  posix_spawn_file_actions_destroy(&actions);
  ProcessResult result;
  if (rc != 0) {
    std::fclose(capture);
    result.exitCode = 127;
    result.output = "cannot run '" + argv[0] + "': " + std::strerror(rc);
    return result;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::fclose(capture);
      throw Error("waitpid failed for '" + argv[0] +
                  "': " + std::strerror(errno));
    }
  }
  if (WIFEXITED(status))
    result.exitCode = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exitCode = 128 + WTERMSIG(status);
  else
    result.exitCode = 1;

  std::rewind(capture);
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), capture)) > 0)
    result.output.append(chunk, n);
  std::fclose(capture);
  return result;
}

std::string shellQuote(const std::vector<std::string> &argv) {
  std::string out;
  for (const std::string &arg : argv) {
    if (!out.empty())
      out += ' ';
    bool plain = !arg.empty() &&
                 arg.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_=+./,:@%") ==
                     std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

std::string resolveProgram(const std::string &program) {
  std::error_code ec;
  auto canonical = [&](const fs::path &p) {
    fs::path c = fs::canonical(p, ec);
    return ec ? p.string() : c.string();
  };
  if (program.find('/') != std::string::npos)
    return canonical(program);
  std::string path = env::get("PATH").value_or("/usr/bin:/bin");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    std::string dir = path.substr(start, end - start);
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 &&
        !fs::is_directory(candidate, ec))
      return canonical(candidate);
    start = end + 1;
  }
  return program;
}

} // namespace ida
