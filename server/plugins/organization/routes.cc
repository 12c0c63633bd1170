// The organization routes served (crud-org.mjs: create, check-slug, set-active, list,
// get-full-organization; crud-members.mjs: get-active-member).
#include "server/plugins/organization/routes.h"

#include <string>
#include <variant>
#include <vector>

#include "common/ids.h"
#include "server/http/reply.h"
#include "server/plugins/organization/store.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server::organization {
namespace {

using nlohmann::json;
using Column = storage::FieldType;
using storage::Row;
using storage::SessionWithUser;

// zod's issue for one field, or "" (ValidateFields on it alone).
std::string Issue(const Body& body, const FieldSpec& field) {
  auto error = ValidateFields(body, {field});
  return error ? error->message : std::string();
}

// z.record(z.string(), z.any()).optional() at body[name].
std::string RecordIssue(const json& body, const std::string& name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_object()) return "";
  std::string message = ValidateRecord(Body(*it))->message;  // "[body] Invalid input: ..."
  return "[body." + name + "]" + message.substr(std::string("[body]").size());
}

// The issues of a body's zod schema in schema order, joined as better-call joins them.
std::optional<ApiError> Joined(const std::vector<std::string>& issues) {
  std::string message;
  for (const std::string& issue : issues) {
    if (!issue.empty()) message += (message.empty() ? "" : "; ") + issue;
  }
  if (message.empty()) return std::nullopt;
  return ApiError{ApiCode::kValidationError, message};
}

// create's schema: name and slug z.string().min(1), userId z.coerce.string() (any value),
// logo z.string().nullish(), metadata a record, keepCurrentActiveOrganization a boolean.
std::optional<ApiError> ValidateCreate(const Body& body) {
  if (!body || !body->is_object()) return ValidateFields(body, {});
  const bool null_logo = body->contains("logo") && (*body)["logo"].is_null();
  return Joined({Issue(body, {"name", FieldType::kString, true, true}),
                 Issue(body, {"slug", FieldType::kString, true, true}),
                 null_logo ? "" : Issue(body, {"logo", FieldType::kString, false}),
                 RecordIssue(*body, "metadata"),
                 Issue(body, {"keepCurrentActiveOrganization", FieldType::kBoolean, false})});
}

// set-active's schema: organizationId z.string().nullable().optional(), organizationSlug
// z.string().optional().
std::optional<ApiError> ValidateSetActive(const Body& body) {
  if (!body || !body->is_object()) return ValidateFields(body, {});
  const bool null_id = body->contains("organizationId") && (*body)["organizationId"].is_null();
  return Joined({null_id ? "" : Issue(body, {"organizationId", FieldType::kString, false}),
                 Issue(body, {"organizationSlug", FieldType::kString, false})});
}

// What a POST route has once its body, zod schema and session passed.
struct OrgPost {
  Site site;
  Body body;
  SessionWithUser caller;
};
using Validator = std::optional<ApiError> (*)(const Body&);
// The body (415, JSON, origin), `validate` (zod), then the session: nullopt when `reply` is
// already the answer. `empty_unauthorized`: no session answers APIError.fromStatus (an empty
// 401, create's own check) rather than sessionMiddleware's {"message":"Unauthorized"}.
std::optional<OrgPost> StartPost(AuthContext& ctx, const HttpRequest& request, Validator validate,
                                 bool empty_unauthorized, HttpReply* reply) {
  OrgPost in{SiteOf(ctx.config, request), Body(), {}};
  auto read = ReadAccountBody(ctx, request, in.site, nullptr);
  if (auto* error = std::get_if<ApiError>(&read)) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  in.body = std::move(std::get<Body>(read));
  if (auto error = validate(in.body)) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  auto found = RequireSession(ctx, request, in.site, SessionRule::kAny, reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    *reply = empty_unauthorized && error->code == ApiCode::kUnauthorized
                 ? EmptyUnauthorized(std::move(*reply))
                 : WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  in.caller = std::move(std::get<SessionWithUser>(found));
  return in;
}

// A GET route's session (orgSessionMiddleware): nullopt when `reply` is already the answer.
std::optional<SessionWithUser> StartGet(AuthContext& ctx, const HttpRequest& request,
                                        HttpReply* reply) {
  const Site site = SiteOf(ctx.config, request);
  auto found = RequireSession(ctx, request, site, SessionRule::kAny, reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    *reply = WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  return std::move(std::get<SessionWithUser>(found));
}

// The 200 answer, with the bearer plugin's set-auth-token when it sets the session cookie.
HttpReply Answer(const AuthContext& ctx, const HttpRequest& request, HttpReply reply,
                 const OrderedJson& body) {
  reply.body = Dump(body);
  AddBearerToken(SiteOf(ctx.config, request), &reply);
  return reply;
}

HttpReply Failed(AuthContext& ctx, HttpReply reply, const Error& error) {
  return WithError(std::move(reply), LoggedFailure(ctx, error));
}

std::string QueryValue(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

// JavaScript's parseInt(text) for a query value: its leading integer, or nullopt (NaN).
std::optional<int64_t> ParseInt(const std::string& text) {
  size_t at = text.find_first_not_of(" \t\n\r");
  if (at == std::string::npos) return std::nullopt;
  bool negative = false;
  if (text[at] == '+' || text[at] == '-') negative = text[at++] == '-';
  int64_t value = 0;
  size_t digits = 0;
  for (; at < text.size() && text[at] >= '0' && text[at] <= '9' && digits < 15; ++at, ++digits) {
    value = value * 10 + (text[at] - '0');
  }
  if (digits == 0) return std::nullopt;
  return negative ? -value : value;
}

// JSON.stringify(metadata) of the body as sent (its keys in their order).
std::string MetadataText(const HttpRequest& request) {
  const OrderedJson doc = OrderedJson::parse(request.body, nullptr, /*allow_exceptions=*/false);
  return Dump(doc.at("metadata"));
}

}  // namespace

HttpReply Create(AuthContext& ctx, const OrganizationOptions& options, const HttpRequest& request) {
  HttpReply reply;
  auto in = StartPost(ctx, request, &ValidateCreate, /*empty_unauthorized=*/true, &reply);
  if (!in) return reply;
  const json& body = *in->body;
  const storage::UserRow& user = in->caller.user;
  if (!options.allow_user_to_create_organization) {
    return WithError(std::move(reply),
                     OrgError(403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION"));
  }
  if (options.organization_limit) {
    storage::FindOptions listed;  // listOrganizations reads at most the adapter's 100 rows
    listed.limit = 100;
    auto members = ctx.repo.FindRows("member", {{"userId", user.id}}, listed);
    if (!members.ok()) return Failed(ctx, std::move(reply), members.error());
    if (static_cast<double>(members->size()) >= *options.organization_limit) {
      return WithError(std::move(reply),
                       OrgError(403, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS"));
    }
  }
  const std::string slug = body["slug"].get<std::string>();
  auto taken = FindOrganization(ctx, "slug", slug);
  if (!taken.ok()) return Failed(ctx, std::move(reply), taken.error());
  if (taken->has_value()) {
    return WithError(std::move(reply), OrgError(400, "ORGANIZATION_ALREADY_EXISTS"));
  }
  const int64_t now = ctx.clock.NowMs();
  const bool has_metadata = body.contains("metadata");
  Row organization = {{"id", GenerateId(ctx.random), Column::kString},
                      {"name", body["name"].get<std::string>(), Column::kString},
                      {"slug", slug, Column::kString},
                      {"createdAt", now, Column::kDate}};
  if (body.contains("logo") && body["logo"].is_string()) {
    organization.push_back({"logo", body["logo"].get<std::string>(), Column::kString});
  }
  if (has_metadata) {
    organization.push_back({"metadata", MetadataText(request), Column::kString});
  }
  const std::string organization_id = TextOf(organization, "id");
  Row member = {{"id", GenerateId(ctx.random), Column::kString},
                {"organizationId", organization_id, Column::kString},
                {"userId", user.id, Column::kString},
                {"role", options.creator_role, Column::kString},
                {"createdAt", now, Column::kDate}};
  if (Status st = ctx.repo.InsertRow("organization", organization); !st.ok()) {
    return Failed(ctx, std::move(reply), st.error());
  }
  if (Status st = ctx.repo.InsertRow("member", member); !st.ok()) {
    return Failed(ctx, std::move(reply), st.error());
  }
  const auto keep = body.find("keepCurrentActiveOrganization");
  if (keep == body.end() || !keep->get<bool>()) {
    if (Status st = SetActiveOrganization(ctx, &in->caller.session, organization_id); !st.ok()) {
      return Failed(ctx, std::move(reply), st.error());
    }
  }
  ctx.log.Info("organization_create", "organization=" + organization_id + " by=" + user.id);
  OrderedJson answer = RowJson(organization, kOrganizationFields);
  if (has_metadata) {
    answer["metadata"] = OrderedJson::parse(MetadataText(request));
  } else {
    answer.erase("metadata");
  }
  answer["members"] = OrderedJson::array({RowJson(member, kMemberFields)});
  return Answer(ctx, request, std::move(reply), answer);
}

HttpReply CheckSlug(AuthContext& ctx, const OrganizationOptions& /*options*/,
                    const HttpRequest& request) {
  HttpReply reply;
  auto validate = [](const Body& body) {
    return ValidateFields(body, {{"slug", FieldType::kString, true}});
  };
  auto in = StartPost(ctx, request, validate, /*empty_unauthorized=*/false, &reply);
  if (!in) return reply;
  auto taken = FindOrganization(ctx, "slug", (*in->body)["slug"].get<std::string>());
  if (!taken.ok()) return Failed(ctx, std::move(reply), taken.error());
  if (taken->has_value()) {
    return WithError(std::move(reply), OrgError(400, "ORGANIZATION_SLUG_ALREADY_TAKEN"));
  }
  return Answer(ctx, request, std::move(reply), {{"status", true}});
}

HttpReply SetActive(AuthContext& ctx, const OrganizationOptions& /*options*/,
                    const HttpRequest& request) {
  HttpReply reply;
  auto in = StartPost(ctx, request, &ValidateSetActive, /*empty_unauthorized=*/false, &reply);
  if (!in) return reply;
  const json& body = *in->body;
  storage::SessionRow& session = in->caller.session;
  const std::string active = ActiveOrganizationOf(session);
  const auto id_field = body.find("organizationId");
  if (id_field != body.end() && id_field->is_null()) {  // unset
    if (active.empty()) return Answer(ctx, request, std::move(reply), nullptr);
    if (Status st = SetActiveOrganization(ctx, &session, std::nullopt); !st.ok()) {
      return Failed(ctx, std::move(reply), st.error());
    }
    RenewSessionCookie(ctx, request, in->site, session, &reply);
    return Answer(ctx, request, std::move(reply), nullptr);
  }
  std::string organization_id = id_field != body.end() ? id_field->get<std::string>() : "";
  const std::string slug = body.value("organizationSlug", std::string());
  if (organization_id.empty() && slug.empty()) {
    if (active.empty()) return Answer(ctx, request, std::move(reply), nullptr);
    organization_id = active;
  }
  if (organization_id.empty()) {  // by slug
    auto by_slug = FindOrganization(ctx, "slug", slug);
    if (!by_slug.ok()) return Failed(ctx, std::move(reply), by_slug.error());
    if (!by_slug->has_value()) {
      return WithError(std::move(reply), OrgError(400, "ORGANIZATION_NOT_FOUND"));
    }
    organization_id = TextOf(**by_slug, "id");
  }
  auto member = FindMember(ctx, in->caller.user.id, organization_id);
  if (!member.ok()) return Failed(ctx, std::move(reply), member.error());
  if (!member->has_value()) {
    if (Status st = SetActiveOrganization(ctx, &session, std::nullopt); !st.ok()) {
      return Failed(ctx, std::move(reply), st.error());
    }
    return WithError(std::move(reply), OrgError(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"));
  }
  auto organization = FindOrganization(ctx, "id", organization_id);
  if (!organization.ok()) return Failed(ctx, std::move(reply), organization.error());
  if (!organization->has_value()) {
    return WithError(std::move(reply), OrgError(400, "ORGANIZATION_NOT_FOUND"));
  }
  if (Status st = SetActiveOrganization(ctx, &session, organization_id); !st.ok()) {
    return Failed(ctx, std::move(reply), st.error());
  }
  RenewSessionCookie(ctx, request, in->site, session, &reply);
  return Answer(ctx, request, std::move(reply), RowJson(**organization, kOrganizationFields));
}

HttpReply List(AuthContext& ctx, const OrganizationOptions& /*options*/,
               const HttpRequest& request) {
  HttpReply reply;
  auto caller = StartGet(ctx, request, &reply);
  if (!caller) return reply;
  storage::FindOptions listed;  // the adapter's findMany default limit
  listed.limit = 100;
  auto members = ctx.repo.FindRows("member", {{"userId", caller->user.id}}, listed);
  if (!members.ok()) return Failed(ctx, std::move(reply), members.error());
  OrderedJson out = OrderedJson::array();
  for (const Row& member : *members) {
    auto organization = FindOrganization(ctx, "id", TextOf(member, "organizationId"));
    if (!organization.ok()) return Failed(ctx, std::move(reply), organization.error());
    out.push_back(organization->has_value() ? RowJson(**organization, kOrganizationFields)
                                            : OrderedJson(nullptr));
  }
  return Answer(ctx, request, std::move(reply), out);
}

namespace {

// Whether one of `role`'s comma-separated roles is `wanted`.
bool HasRole(const std::string& role, const std::string& wanted) {
  size_t start = 0;
  while (true) {
    const size_t comma = role.find(',', start);
    if (role.substr(start, comma == std::string::npos ? comma : comma - start) == wanted) {
      return true;
    }
    if (comma == std::string::npos) return false;
    start = comma + 1;
  }
}

// The invitations a member with `role` sees (canViewInvitations: the default roles owner and
// admin may create invitations; withoutCreatorRoleInvitations).
Result<OrderedJson> VisibleInvitations(AuthContext& ctx, const OrganizationOptions& options,
                                       const std::string& organization_id,
                                       const std::string& role) {
  OrderedJson out = OrderedJson::array();
  if (!HasRole(role, "owner") && !HasRole(role, "admin")) return out;
  storage::FindOptions joined;
  joined.limit = 100;
  auto rows = ctx.repo.FindRows("invitation", {{"organizationId", organization_id}}, joined);
  if (!rows.ok()) return rows.error();
  const bool creator = HasRole(role, options.creator_role);
  for (const Row& row : *rows) {
    if (!creator && HasRole(TextOf(row, "role"), options.creator_role)) continue;
    out.push_back(RowJson(row, kInvitationFields));
  }
  return out;
}

}  // namespace

HttpReply GetFullOrganization(AuthContext& ctx, const OrganizationOptions& options,
                              const HttpRequest& request) {
  HttpReply reply;
  auto caller = StartGet(ctx, request, &reply);
  if (!caller) return reply;
  const std::string slug = QueryValue(request, "organizationSlug");
  std::string key = !slug.empty() ? slug : QueryValue(request, "organizationId");
  if (key.empty()) key = ActiveOrganizationOf(caller->session);
  if (key.empty()) return Answer(ctx, request, std::move(reply), nullptr);
  auto organization = FindOrganization(ctx, slug.empty() ? "id" : "slug", key);
  if (!organization.ok()) return Failed(ctx, std::move(reply), organization.error());
  if (!organization->has_value()) {
    return WithError(std::move(reply), OrgError(400, "ORGANIZATION_NOT_FOUND"));
  }
  const std::string organization_id = TextOf(**organization, "id");
  auto self = FindMember(ctx, caller->user.id, organization_id);
  if (!self.ok()) return Failed(ctx, std::move(reply), self.error());
  if (!self->has_value()) {
    if (Status st = SetActiveOrganization(ctx, &caller->session, std::nullopt); !st.ok()) {
      return Failed(ctx, std::move(reply), st.error());
    }
    return WithError(std::move(reply), OrgError(403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"));
  }
  storage::FindOptions joined;  // the join's limit: ?membersLimit when truthy, else 100
  const auto members_limit = ParseInt(QueryValue(request, "membersLimit"));
  joined.limit = members_limit && *members_limit != 0 ? *members_limit : 100;
  auto members = ctx.repo.FindRows("member", {{"organizationId", organization_id}}, joined);
  if (!members.ok()) return Failed(ctx, std::move(reply), members.error());
  auto invitations = VisibleInvitations(ctx, options, organization_id, TextOf(**self, "role"));
  if (!invitations.ok()) return Failed(ctx, std::move(reply), invitations.error());
  OrderedJson out = RowJson(**organization, kOrganizationFields);
  out["invitations"] = std::move(*invitations);
  out["members"] = OrderedJson::array();
  for (const Row& member : *members) {
    auto shown = MemberWithUser(ctx, member);
    if (!shown.ok()) return Failed(ctx, std::move(reply), shown.error());
    out["members"].push_back(std::move(*shown));
  }
  return Answer(ctx, request, std::move(reply), out);
}

HttpReply GetActiveMember(AuthContext& ctx, const OrganizationOptions& /*options*/,
                          const HttpRequest& request) {
  HttpReply reply;
  auto caller = StartGet(ctx, request, &reply);
  if (!caller) return reply;
  const std::string active = ActiveOrganizationOf(caller->session);
  if (active.empty()) return WithError(std::move(reply), OrgError(400, "NO_ACTIVE_ORGANIZATION"));
  auto member = FindMember(ctx, caller->user.id, active);
  if (!member.ok()) return Failed(ctx, std::move(reply), member.error());
  if (!member->has_value()) return WithError(std::move(reply), OrgError(400, "MEMBER_NOT_FOUND"));
  auto shown = MemberWithUser(ctx, **member);
  if (!shown.ok()) return Failed(ctx, std::move(reply), shown.error());
  return Answer(ctx, request, std::move(reply), *shown);
}

}  // namespace issuer::server::organization
