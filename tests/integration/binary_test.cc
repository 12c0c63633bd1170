// The real build/ba-issuer binary: command line, ready line, signals and exit codes.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <httplib.h>
#include <string>
#include <vector>

extern char** environ;

namespace {

// A child process with stdout and stderr captured through pipes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    int out[2], err[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(err) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
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

const std::string kBin = BA_ISSUER_BIN;
const std::string kSecret = "BETTER_AUTH_SECRET=binary-test-secret-0123456789abcdefgh";

std::string TempDb(const char* name) {
  std::string path = "/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

int PortOf(const std::string& ready_line) {
  return std::stoi(ready_line.substr(ready_line.rfind(':') + 1));
}

}  // namespace

TEST_SUITE("binary") {
  TEST_CASE("--port 0 prints one ready line, serves, and stops cleanly on SIGTERM") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {kSecret});
    const std::string line = child.ReadLine();
    REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0);
    httplib::Client c("127.0.0.1", PortOf(line));
    auto res = c.Get("/api/auth/ok");
    REQUIRE(res);
    CHECK(res->status == 200);
    // Without a base URL, iss/aud follow the request's Host.
    auto jwks = c.Get("/api/auth/jwks");
    CHECK(jwks->status == 200);
    child.Signal(SIGTERM);
    CHECK(child.Wait() == 0);
  }

  TEST_CASE("SIGINT stops it too") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {kSecret});
    REQUIRE(!child.ReadLine().empty());
    child.Signal(SIGINT);
    CHECK(child.Wait() == 0);
  }

  TEST_CASE("bad configuration exits 2 with a one-line reason") {
    const std::vector<std::vector<std::string>> cases = {
        {kBin, "--port", "99999"}, {kBin, "--bogus"}, {kBin, "--base-url", "not a url"}, {kBin, "--db"}};
    for (const auto& args : cases) {
      Child child(args, {kSecret});
      const std::string err = child.ReadAllStderr();
      CHECK(child.Wait() == 2);
      CHECK(err.rfind("ba-issuer: ", 0) == 0);
      CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    }
    Child prod({kBin, "--port", "0", "--db", ":memory:"}, {"NODE_ENV=production"});
    CHECK(prod.ReadAllStderr().find("default secret") != std::string::npos);
    CHECK(prod.Wait() == 2);
  }

  TEST_CASE("--help lists the options") {
    Child child({kBin, "--help"}, {});
    std::string text;
    for (std::string line; !(line = child.ReadLine(2000)).empty();) text += line + "\n";
    CHECK(child.Wait() == 0);
    CHECK(text.find("--base-url") != std::string::npos);
    CHECK(text.find("--db") != std::string::npos);
  }

  TEST_CASE("the default secret works, with a warning") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {});
    REQUIRE(!child.ReadLine().empty());
    child.Signal(SIGTERM);
    CHECK(child.Wait() == 0);
    CHECK(child.ReadAllStderr(1000).find("BETTER_AUTH_SECRET is not set") != std::string::npos);
  }

  TEST_CASE("a key that does not open with the secret stops startup; the key is kept") {
    const std::string db = TempDb("wrong-secret");
    {
      Child first({kBin, "--port", "0", "--db", db}, {kSecret});
      const std::string line = first.ReadLine();
      REQUIRE(!line.empty());
      httplib::Client c("127.0.0.1", PortOf(line));
      REQUIRE(c.Get("/api/auth/jwks")->status == 200);  // makes the key
      first.Signal(SIGTERM);
      REQUIRE(first.Wait() == 0);
    }
    Child second({kBin, "--port", "0", "--db", db, "--base-url", "http://127.0.0.1:1"},
                 {"BETTER_AUTH_SECRET=another-secret-entirely-0123456789abcdef"});
    const std::string err = second.ReadAllStderr();
    CHECK(second.Wait() == 2);
    CHECK(err.find("jwks key ") != std::string::npos);
    CHECK(err.find("another-secret") == std::string::npos);  // never print the secret
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    // Restarted with the right secret, it serves the same key.
    Child third({kBin, "--port", "0", "--db", db}, {kSecret});
    const std::string line = third.ReadLine();
    REQUIRE(!line.empty());
    httplib::Client c("127.0.0.1", PortOf(line));
    auto jwks = c.Get("/api/auth/jwks");
    REQUIRE(jwks);
    CHECK(jwks->body.find("\"kid\"") != std::string::npos);
    third.Signal(SIGTERM);
    CHECK(third.Wait() == 0);
  }
}
