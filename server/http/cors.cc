#include "server/http/cors.h"

#include <map>

#include "common/text.h"
#include "server/http/reply.h"
#include "server/http/url.h"

namespace issuer::server {
namespace {

constexpr char kExposed[] = "set-auth-jwt, set-auth-token";
constexpr char kDefaultAllowedHeaders[] = "content-type, authorization";

// A header list such as "Content-Type, Authorization" (RFC 9110 tokens and commas), lowercased;
// anything else is not echoed.
std::optional<std::string> HeaderList(const std::string& text) {
  if (text.empty() || text.size() > 512) return std::nullopt;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != ',' &&
        c != ' ') {
      return std::nullopt;
    }
  }
  return Lowercase(text);
}

void AddVary(HttpReply* reply, const std::string& names) {
  for (auto& [name, value] : reply->headers) {
    if (Lowercase(name) == "vary") {
      value += ", " + names;
      return;
    }
  }
  reply->AddHeader("Vary", names);
}

// Adds set-auth-jwt and set-auth-token to Access-Control-Expose-Headers, without repeats.
void Expose(HttpReply* reply) {
  for (auto& [name, value] : reply->headers) {
    if (name != "Access-Control-Expose-Headers") continue;
    for (const char* header : {"set-auth-jwt", "set-auth-token"}) {
      if (value.find(header) == std::string::npos) value += std::string(", ") + header;
    }
    return;
  }
  reply->AddHeader("Access-Control-Expose-Headers", kExposed);
}

}  // namespace

std::optional<std::string> Cors::AllowedOrigin(const HttpRequest& request) const {
  auto origin = request.Header("origin");
  if (!origin) return std::nullopt;
  auto parsed = ParseUrl(*origin);
  // Echo only what a browser sends: an origin already in its serialised form.
  if (!parsed || parsed->Origin() != *origin) return std::nullopt;
  const std::string own = own_origin_(request);
  if (*origin == own || !trusted_.IsTrusted(*origin, own)) return std::nullopt;
  return origin;
}

void Cors::Apply(const HttpRequest& request, HttpReply* reply) const {
  AddVary(reply, "Origin");
  auto origin = AllowedOrigin(request);
  if (!origin) return;
  reply->AddHeader("Access-Control-Allow-Origin", *origin);
  reply->AddHeader("Access-Control-Allow-Credentials", "true");
  Expose(reply);
}

HttpReply Cors::Preflight(const HttpRequest& request, const std::string& methods) const {
  auto origin = AllowedOrigin(request);
  if (!origin) return HttpReply{404, "", "", {}};
  HttpReply reply{204, "", "", {}};
  reply.AddHeader("Access-Control-Allow-Origin", *origin);
  reply.AddHeader("Access-Control-Allow-Credentials", "true");
  reply.AddHeader("Access-Control-Allow-Methods", methods);
  auto asked = request.Header("access-control-request-headers");
  reply.AddHeader("Access-Control-Allow-Headers",
                  HeaderList(asked.value_or("")).value_or(kDefaultAllowedHeaders));
  reply.AddHeader("Access-Control-Max-Age", "600");
  reply.AddHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return reply;
}

std::vector<Route> WithCors(std::vector<Route> routes, const Cors& cors) {
  std::map<std::string, std::string> methods;  // path -> "GET, POST"
  for (Route& route : routes) {
    std::string& list = methods[route.path];
    list += (list.empty() ? "" : ", ") + route.method;
    route.handler = [&cors, inner = std::move(route.handler)](const HttpRequest& request) {
      HttpReply reply = inner(request);
      cors.Apply(request, &reply);
      return reply;
    };
  }
  for (const auto& [path, list] : methods) {
    routes.push_back(Route{"OPTIONS", path,
                           [&cors, list = list](const HttpRequest& request) {
                             return cors.Preflight(request, list);
                           },
                           false, "OPTIONS " + path});  // counted apart from the path
    routes.back().param = path.back() == '/';  // a path parameter route's prefix
  }
  return routes;
}

}  // namespace issuer::server
