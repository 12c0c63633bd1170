#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/http/api_error.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server::organization {

using OrderedJson = nlohmann::ordered_json;

// The plugin's tables as Better Auth's migration makes them (organization.mjs `schema`), and
// session.activeOrganizationId.
std::vector<storage::TableDecl> OrganizationSchema();

// The fields of each table in schema order (RowJson renders them in it, then "id").
extern const std::vector<std::string> kOrganizationFields;
extern const std::vector<std::string> kMemberFields;
extern const std::vector<std::string> kInvitationFields;

// Better Auth's ORGANIZATION_ERROR_CODES (error-codes.mjs) answered with `status`.
// REQUIRES: `code` is one the plugin uses.
ApiError OrgError(int status, const std::string& code);

// The text of column `name`, or "" when it is null or absent.
std::string TextOf(const storage::Row& row, std::string_view name);

// The organization whose `field` ("id" or "slug") is `value`, if any.
Result<std::optional<storage::Row>> FindOrganization(AuthContext& ctx, std::string_view field,
                                                     const std::string& value);

// The member row of `user_id` in `organization_id` (adapter.checkMembership), if any.
Result<std::optional<storage::Row>> FindMember(AuthContext& ctx, const std::string& user_id,
                                               const std::string& organization_id);

// internalAdapter.updateSession(token, {activeOrganizationId}): the column and updatedAt (its
// onUpdate) written; `session` gets them too.
Status SetActiveOrganization(AuthContext& ctx, storage::SessionRow* session,
                             const std::optional<std::string>& organization_id);

// The session's activeOrganizationId, or "" when it has none.
std::string ActiveOrganizationOf(const storage::SessionRow& session);

// A member as findMemberByOrgId answers it: its fields, then user {id, name, email, image}.
// Errors when the user is gone.
Result<OrderedJson> MemberWithUser(AuthContext& ctx, const storage::Row& member);

}  // namespace issuer::server::organization
