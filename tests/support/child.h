#pragma once
// Running the real build/ba-issuer binary from tests.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace issuer::testing {

// A child process with stdout and stderr captured through pipes.
class Child {
 public:
  // With `discard_stderr` the child's stderr goes to /dev/null: a long-running server logs a
  // line per request, and an unread pipe would fill and block it.
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env,
        bool discard_stderr = false) {
    int out[2], err[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(err) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    if (discard_stderr) {
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    } else {
      posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
    close(err_);
  }

  // Reads stdout up to the first newline (or EOF / timeout).
  std::string ReadLine(int timeout_ms = 10000) { return Read(out_, timeout_ms, true); }
  std::string ReadAllStderr(int timeout_ms = 10000) { return Read(err_, timeout_ms, false); }
  std::string ReadAll(int timeout_ms = 10000) { return Read(out_, timeout_ms, false); }
  pid_t pid() const { return pid_; }

  void Signal(int sig) { kill(pid_, sig); }

  // Exit code, or -1 on timeout / abnormal end.
  int Wait(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(5000);
    }
    return -1;
  }

 private:
  static std::string Read(int fd, int timeout_ms, bool line) {
    std::string out;
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, timeout_ms) > 0) {
      char c;
      if (read(fd, &c, 1) != 1) break;
      if (line && c == '\n') break;
      out += c;
    }
    return out;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

// A command run to completion: its exit code and output.
struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};
inline CommandResult RunCommand(const std::vector<std::string>& args,
                                const std::vector<std::string>& env, int timeout_ms = 20000) {
  Child child(args, env);
  CommandResult result{-1, child.ReadAll(timeout_ms), child.ReadAllStderr(timeout_ms)};
  result.exit_code = child.Wait(timeout_ms);
  return result;
}

// A fresh path under /tmp for a database file (and its -wal and -shm removed).
inline std::string TempDb(const std::string& name) {
  std::string path = "/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

// The port of a "listening on http://HOST:PORT" line.
inline int PortOf(const std::string& ready_line) {
  return std::stoi(ready_line.substr(ready_line.rfind(':') + 1));
}

}  // namespace issuer::testing
