#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace issuer::testing {

// A child process (the real build/ba-issuer) with stdout and stderr captured through pipes.
// The destructor kills it if it is still running.
//   Child child({BA_ISSUER_BIN, "--port", "0", "--db", ":memory:"}, {"BETTER_AUTH_SECRET=..."});
//   int port = PortOf(child.ReadLine());
class Child {
 public:
  // With `stderr_path`, stderr goes to that file (e.g. "/dev/null" for a server under load, whose
  // log would fill a pipe nobody reads) instead of the pipe ReadAllStderr reads.
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env,
        const std::string& stderr_path = "");
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads stdout up to the first newline (or EOF / timeout).
  std::string ReadLine(int timeout_ms = 10000);
  // Reads stderr until EOF, or until nothing arrives for timeout_ms.
  std::string ReadAllStderr(int timeout_ms = 10000);
  // Reads stdout until EOF, or until nothing arrives for timeout_ms.
  std::string ReadAllStdout(int timeout_ms = 10000);

  void Signal(int sig);
  pid_t pid() const { return pid_; }

  // Exit code, or -1 on timeout / abnormal end.
  int Wait(int timeout_ms = 10000);

 private:
  static std::string Read(int fd, int timeout_ms, bool line);

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

// A command run to completion: its exit code (-1 on timeout) and output.
struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::vector<std::string>& args,
                         const std::vector<std::string>& env, int timeout_ms = 20000);

// The port of a "listening on http://HOST:PORT" line.
int PortOf(const std::string& ready_line);

// A fresh path under /tmp for a database file (and its -wal and -shm), unique per process.
std::string TempDb(const char* name);

}  // namespace issuer::testing
