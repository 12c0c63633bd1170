#include "tests/support/child_process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace issuer::testing {

Child::Child(const std::vector<std::string>& args, const std::vector<std::string>& env,
             const std::string& stderr_path) {
  int out[2], err[2];
  REQUIRE(pipe(out) == 0);
  REQUIRE(pipe(err) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  if (stderr_path.empty()) {
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
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

Child::~Child() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(out_);
  close(err_);
}

std::string Child::ReadLine(int timeout_ms) { return Read(out_, timeout_ms, true); }
std::string Child::ReadAllStderr(int timeout_ms) { return Read(err_, timeout_ms, false); }
std::string Child::ReadAllStdout(int timeout_ms) { return Read(out_, timeout_ms, false); }

void Child::Signal(int sig) { kill(pid_, sig); }

int Child::Wait(int timeout_ms) {
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

std::string Child::Read(int fd, int timeout_ms, bool line) {
  std::string out;
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, timeout_ms) > 0) {
    char buf[4096];
    const ssize_t n = read(fd, buf, line ? 1 : sizeof buf);
    if (n <= 0) break;
    if (line && buf[0] == '\n') break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

CommandResult RunCommand(const std::vector<std::string>& args,
                         const std::vector<std::string>& env, int timeout_ms) {
  Child child(args, env);
  CommandResult result{-1, child.ReadAllStdout(timeout_ms), child.ReadAllStderr(timeout_ms)};
  result.exit_code = child.Wait(timeout_ms);
  return result;
}

int PortOf(const std::string& ready_line) {
  return std::stoi(ready_line.substr(ready_line.rfind(':') + 1));
}

std::string TempDb(const char* name) {
  std::string path = "/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

}  // namespace issuer::testing
