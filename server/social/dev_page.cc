#include "server/social/dev_page.h"

namespace issuer::server::social {
namespace {

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

constexpr char kHead[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>ba-issuer dev sign-in</title>"
    "<link rel=\"icon\" href=\"data:,\">"  // no /favicon.ico request (a 404)
    "<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:3rem auto}"
    "button{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left}"
    "input{padding:.4rem;margin:.2rem 0;width:100%}</style></head><body>";

std::string Hidden(const std::map<std::string, std::string>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (name == "sub" || name == "email" || name == "name") continue;
    out += "<input type=\"hidden\" name=\"" + Escape(name) + "\" value=\"" + Escape(value) + "\">";
  }
  return out;
}

}  // namespace

std::string AuthorizePage(const std::string& action, const std::map<std::string, std::string>& params,
                          const std::vector<DevUser>& users) {
  std::string page = kHead;
  page += "<h1>Sign in to the dev provider</h1><p>A test provider built into ba-issuer "
          "(--dev-oauth). Pick a user:</p>";
  for (const DevUser& user : users) {
    page += "<form method=\"post\" action=\"" + Escape(action) + "\">" + Hidden(params) +
            "<input type=\"hidden\" name=\"sub\" value=\"" + Escape(user.sub) + "\"><button>" +
            Escape(user.name) + " &lt;" + Escape(user.email) + "&gt;</button></form>";
  }
  if (users.empty()) page += "<p><em>No users yet.</em></p>";
  page += "<h2>New user</h2><form method=\"post\" action=\"" + Escape(action) + "\">" +
          Hidden(params) +
          "<input name=\"email\" type=\"email\" placeholder=\"email\" required>"
          "<input name=\"name\" placeholder=\"name\"><button>Create and sign in</button></form>"
          "</body></html>";
  return page;
}

std::string ErrorPage(const std::string& message) {
  return std::string(kHead) + "<h1>Sign-in request refused</h1><p>" + Escape(message) +
         "</p></body></html>";
}

}  // namespace issuer::server::social
