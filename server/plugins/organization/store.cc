#include "server/plugins/organization/store.h"

#include <map>

#include "server/session/render.h"

namespace issuer::server::organization {
namespace {

using storage::FieldDecl;
using storage::FieldType;

constexpr char kActiveColumn[] = "activeOrganizationId";

FieldDecl Field(const char* name, FieldType type, bool required, bool index = false,
                const char* references = "") {
  FieldDecl field;
  field.name = name;
  field.type = type;
  field.required = required;
  field.index = index;
  field.references = references;
  return field;
}

}  // namespace

const std::vector<std::string> kOrganizationFields = {"name", "slug", "logo", "createdAt",
                                                      "metadata"};
const std::vector<std::string> kMemberFields = {"organizationId", "userId", "role", "createdAt"};
const std::vector<std::string> kInvitationFields = {"organizationId", "email",     "role",
                                                    "status",         "expiresAt", "createdAt",
                                                    "inviterId"};

std::vector<storage::TableDecl> OrganizationSchema() {
  FieldDecl slug = Field("slug", FieldType::kString, true, /*index=*/true);
  slug.unique = true;
  FieldDecl role = Field("role", FieldType::kString, true);
  role.default_value = std::string("member");
  FieldDecl status = Field("status", FieldType::kString, true);
  status.default_value = std::string("pending");
  return {
      {"organization",
       {Field("name", FieldType::kString, true), slug, Field("logo", FieldType::kString, false),
        Field("createdAt", FieldType::kDate, true),
        Field("metadata", FieldType::kString, false)}},
      {"member",
       {Field("organizationId", FieldType::kString, true, true, "organization.id"),
        Field("userId", FieldType::kString, true, true, "user.id"), role,
        Field("createdAt", FieldType::kDate, true)}},
      {"invitation",
       {Field("organizationId", FieldType::kString, true, true, "organization.id"),
        Field("email", FieldType::kString, true, true), Field("role", FieldType::kString, false),
        status, Field("expiresAt", FieldType::kDate, true),
        Field("createdAt", FieldType::kDate, true),
        Field("inviterId", FieldType::kString, true, false, "user.id")}},
      {"session", {Field(kActiveColumn, FieldType::kString, false)}},
  };
}

ApiError OrgError(int status, const std::string& code) {
  static const std::map<std::string, std::string> kMessages = {
      {"YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION",
       "You are not allowed to create a new organization"},
      {"YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS",
       "You have reached the maximum number of organizations"},
      {"ORGANIZATION_ALREADY_EXISTS", "Organization already exists"},
      {"ORGANIZATION_SLUG_ALREADY_TAKEN", "Organization slug already taken"},
      {"ORGANIZATION_NOT_FOUND", "Organization not found"},
      {"USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", "User is not a member of the organization"},
      {"NO_ACTIVE_ORGANIZATION", "No active organization"},
      {"MEMBER_NOT_FOUND", "Member not found"},
  };
  return ApiError::Custom(status, code, kMessages.at(code));
}

std::string TextOf(const storage::Row& row, std::string_view name) {
  const storage::ColumnValue* value = storage::FindColumn(row, name);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  return text ? *text : std::string();
}

namespace {

Result<std::optional<storage::Row>> FindOne(AuthContext& ctx, std::string_view table,
                                            std::vector<storage::Where> where) {
  storage::FindOptions one;
  one.limit = 1;
  auto rows = ctx.repo.FindRows(table, where, one);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<storage::Row>();
  return std::optional<storage::Row>(std::move(rows->front()));
}

}  // namespace

Result<std::optional<storage::Row>> FindOrganization(AuthContext& ctx, std::string_view field,
                                                     const std::string& value) {
  return FindOne(ctx, "organization", {{std::string(field), value}});
}

Result<std::optional<storage::Row>> FindMember(AuthContext& ctx, const std::string& user_id,
                                               const std::string& organization_id) {
  return FindOne(ctx, "member", {{"userId", user_id}, {"organizationId", organization_id}});
}

Status SetActiveOrganization(AuthContext& ctx, storage::SessionRow* session,
                             const std::optional<std::string>& organization_id) {
  const int64_t now = ctx.clock.NowMs();
  const storage::ColumnValue value =
      organization_id ? storage::ColumnValue(*organization_id) : storage::ColumnValue();
  auto updated = ctx.repo.UpdateRows("session", {{"token", session->token}},
                                     {{kActiveColumn, value, FieldType::kString},
                                      {"updatedAt", now, FieldType::kDate}});
  if (!updated.ok()) return updated.error();
  session->updated_at_ms = now;
  for (storage::ExtraColumn& column : session->extra) {
    if (column.name == kActiveColumn) {
      column.value = value;
      return Status::Ok();
    }
  }
  session->extra.push_back({kActiveColumn, value, FieldType::kString});
  return Status::Ok();
}

std::string ActiveOrganizationOf(const storage::SessionRow& session) {
  return TextOf(session.extra, kActiveColumn);
}

Result<OrderedJson> MemberWithUser(AuthContext& ctx, const storage::Row& member) {
  auto user = ctx.repo.FindUserById(TextOf(member, "userId"));
  if (!user.ok()) return user.error();
  if (!user->has_value()) {
    return Error{Errc::kInternal, "Unexpected error: User not found for member"};
  }
  const storage::UserRow& u = **user;
  OrderedJson out = RowJson(member, kMemberFields);
  out["user"] = {{"id", u.id},
                 {"name", u.name},
                 {"email", u.email},
                 {"image", u.image ? OrderedJson(*u.image) : OrderedJson(nullptr)}};
  return out;
}

}  // namespace issuer::server::organization
