#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("render") {
  TEST_CASE("JwtClaims: Better Auth's payload, key for key") {
    // compat spec §1.4, "Real default payload".
    CHECK(Dump(JwtClaims(Alice(), kT0, 900, kBase, kBase)) ==
          R"({"iat":1795499074,"name":"Alice","email":"alice@example.com","emailVerified":false,)"
          R"("image":null,"createdAt":"2026-11-24T05:44:34.082Z",)"
          R"("updatedAt":"2026-11-24T05:44:34.082Z","id":"iiJAZNlZxma243kpegnwGCLHnglid2kQ",)"
          R"("sub":"iiJAZNlZxma243kpegnwGCLHnglid2kQ","exp":1795499974,)"
          R"("iss":"http://localhost:3000","aud":"http://localhost:3000"})");
  }

  TEST_CASE("JwtClaims: iat is floored from milliseconds and exp = iat + ttl") {
    auto iat_exp = [](int64_t now_ms) {
      const OrderedJson c = JwtClaims(Alice(), now_ms, 900, "i", "a");
      return std::make_pair(c.at("iat").get<int64_t>(), c.at("exp").get<int64_t>());
    };
    CHECK(iat_exp(1999) == std::make_pair(int64_t{1}, int64_t{901}));
    CHECK(iat_exp(1000) == std::make_pair(int64_t{1}, int64_t{901}));
    CHECK(iat_exp(999) == std::make_pair(int64_t{0}, int64_t{900}));
    CHECK(iat_exp(0) == std::make_pair(int64_t{0}, int64_t{900}));
    CHECK(iat_exp(-1) == std::make_pair(int64_t{-1}, int64_t{899}));
    CHECK(iat_exp(-1000) == std::make_pair(int64_t{-1}, int64_t{899}));
    CHECK(iat_exp(-1001) == std::make_pair(int64_t{-2}, int64_t{898}));
    CHECK(JwtClaims(Alice(), kT0, 60, "i", "a").at("exp") == 1795499074 + 60);
  }

  TEST_CASE("JwtClaims: app columns sit between updatedAt and id, and custom iss and aud") {
    storage::UserRow user = Alice();
    user.email_verified = true;
    user.image = "https://img/a.png";
    user.extra = {{"role", std::string("admin")}, {"age", int64_t{42}}, {"nick", std::monostate()}};
    const OrderedJson claims = JwtClaims(user, kT0, 900, "https://issuer", "aud-1");
    std::string keys;
    for (const auto& item : claims.items()) keys += (keys.empty() ? "" : ",") + item.key();
    CHECK(keys ==
          "iat,name,email,emailVerified,image,createdAt,updatedAt,role,age,nick,id,sub,exp,iss,aud");
    CHECK(claims.at("role") == "admin");
    CHECK(claims.at("age") == 42);
    CHECK(claims.at("nick").is_null());
    CHECK(claims.at("emailVerified") == true);
    CHECK(claims.at("image") == "https://img/a.png");
    CHECK(claims.at("iss") == "https://issuer");
    CHECK(claims.at("aud") == "aud-1");
  }

  TEST_CASE("JwtClaimsJson: the bytes of Dump(JwtClaims), whatever the user and the shape") {
    std::vector<storage::UserRow> users;
    users.push_back(Alice());
    storage::UserRow odd = Alice();
    odd.name = "Zo\u00eb \"Q\" \\ \x01\x7f tab\there";
    odd.email = "\xff\xfeinvalid@example.com";  // invalid UTF-8: replaced, never thrown on
    odd.image = "https://img/\u2603.png";
    odd.email_verified = true;
    odd.created_at_ms = -1;
    odd.updated_at_ms = 253402300800000;  // year 10000
    odd.extra = {{"role", std::string("ad\"min")}, {"age", int64_t{-42}}, {"score", 0.1},
                 {"nick", std::monostate()}, {"na\u00efve", std::string("x")}};
    users.push_back(odd);
    storage::UserRow clash = Alice();
    clash.extra = {{"sub", std::string("not the id")}, {"iat", int64_t{1}}};
    users.push_back(clash);
    ClaimShape shaped;
    shaped.exclude = {"image"};
    shaped.static_claims = {{"tier", "gold"}};
    const OrderedJson array_audience = OrderedJson::array({"a", "b"});
    const OrderedJson extra = {{"role", "admin"}, {"exp", 5}};
    for (const auto& user : users) {
      for (const int64_t now : {kT0, int64_t{-1500}, int64_t{0}}) {
        CHECK(JwtClaimsJson(user, now, 900, kBase, kBase, {}, OrderedJson::object()) ==
              Dump(JwtClaims(user, now, 900, kBase, kBase)));
        CHECK(JwtClaimsJson(user, now, 60, "i\"ss", array_audience, {}, OrderedJson::object()) ==
              Dump(JwtClaims(user, now, 60, "i\"ss", array_audience)));
        CHECK(JwtClaimsJson(user, now, 60, kBase, kBase, shaped, OrderedJson::object()) ==
              Dump(JwtClaims(user, now, 60, kBase, kBase, shaped)));
        CHECK(JwtClaimsJson(user, now, 60, kBase, kBase, {}, extra) ==
              Dump(JwtClaims(user, now, 60, kBase, kBase, {}, extra)));
      }
    }
    CHECK(JwtClaimsJson(Alice(), kT0, 900, kBase, kBase, {}, OrderedJson::object()) ==
          R"({"iat":1795499074,"name":"Alice","email":"alice@example.com","emailVerified":false,)"
          R"("image":null,"createdAt":"2026-11-24T05:44:34.082Z",)"
          R"("updatedAt":"2026-11-24T05:44:34.082Z","id":"iiJAZNlZxma243kpegnwGCLHnglid2kQ",)"
          R"("sub":"iiJAZNlZxma243kpegnwGCLHnglid2kQ","exp":1795499974,)"
          R"("iss":"http://localhost:3000","aud":"http://localhost:3000"})");
  }

  TEST_CASE("SessionJson key order") {
    storage::SessionRow s;
    s.id = "sid";
    s.token = "tok";
    s.user_id = "uid";
    s.expires_at_ms = kT0 + 1;
    s.created_at_ms = kT0;
    s.updated_at_ms = kT0;
    s.user_agent = "";
    CHECK(Dump(SessionJson(s)) ==
          R"({"expiresAt":"2026-11-24T05:44:34.083Z","token":"tok",)"
          R"("createdAt":"2026-11-24T05:44:34.082Z","updatedAt":"2026-11-24T05:44:34.082Z",)"
          R"("ipAddress":null,"userAgent":"","userId":"uid","id":"sid"})");
  }
}

}  // namespace issuer::server
