#pragma once
// The real build/ba-issuer binary as a server, and small helpers to talk to it.
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/jws.h"
#include "tests/support/child_process.h"

namespace issuer::testing {

inline const std::string kIssuerBin = BA_ISSUER_BIN;
inline const std::string kIssuerSecret =
    "BETTER_AUTH_SECRET=fixture-test-secret-0123456789abcdefghij";

// RFC 8037 A.1's private key and its RFC 7638 thumbprint (A.3).
inline constexpr char kRfc8037Jwk[] =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
inline constexpr char kRfc8037Thumbprint[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

// A port that was free a moment ago.
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// Writes `text` to a fresh file under /tmp and returns its path.
inline std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

// build/ba-issuer on a free port (127.0.0.1), waited for until its ready line; SIGKILLed when it
// goes out of scope unless Stop() ran. Its stderr (one line per request) goes to /dev/null.
class IssuerServer {
 public:
  explicit IssuerServer(std::vector<std::string> flags,
                        std::vector<std::string> env = {kIssuerSecret}) {
    std::vector<std::string> args = {kIssuerBin, "--port", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    child_ = std::make_unique<Child>(args, env, "/dev/null");
    const std::string line = child_->ReadLine();
    REQUIRE_MESSAGE(line.rfind("listening on http://", 0) == 0, "no ready line: ", line);
    port_ = PortOf(line);
  }
  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  // SIGTERM, and the exit code.
  int Stop() {
    child_->Signal(SIGTERM);
    return child_->Wait();
  }

 private:
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

// Starts the binary with `flag` naming a file that holds `text`, and checks that start-up stops
// with exit 2 and a reason "<label> <file>: <reason>" (e.g. "seed file /tmp/x: users[1].email").
inline void CheckFileRefused(const std::string& flag, const std::string& label,
                             const std::string& text, const std::string& reason) {
  CAPTURE(text);
  const std::string file = WriteTempFile("refused-file.json", text);
  const CommandResult r = RunCommand(
      {kIssuerBin, "--port", "0", "--db", ":memory:", flag, file}, {kIssuerSecret});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(label + " " + file + ": " + reason) != std::string::npos);
}

// A JSON body, REQUIREd to have `status`.
inline nlohmann::json JsonOf(const httplib::Result& res, int status = 200) {
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == status);
  return nlohmann::json::parse(res->body);
}

inline nlohmann::json PostJson(const IssuerServer& srv, const std::string& path,
                               const nlohmann::json& body, int status = 200) {
  return JsonOf(srv.client().Post(path, body.dump(), "application/json"), status);
}

// The decoded header or payload (part 0 or 1) of a compact JWS.
inline nlohmann::json JwtPart(const std::string& jwt, int part) {
  size_t start = 0;
  for (int i = 0; i < part; ++i) start = jwt.find('.', start) + 1;
  const std::string segment = jwt.substr(start, jwt.find('.', start) - start);
  return nlohmann::json::parse(*keys::Base64UrlDecode(segment));
}

// True if `jwt` verifies (EdDSA) against the key of `jwks` with its kid.
inline bool VerifiesWith(const std::string& jwt, const nlohmann::json& jwks) {
  const nlohmann::json header = JwtPart(jwt, 0);
  for (const nlohmann::json& k : jwks["keys"]) {
    if (!header.contains("kid") || k["kid"] != header["kid"]) continue;
    auto pk = keys::ParsePublicJwk(k.dump());
    return pk.ok() && keys::VerifyCompactJws(jwt, *pk).ok();
  }
  return false;
}

}  // namespace issuer::testing
