#pragma once

#include "server/http/types.h"
#include "server/plugins/organization/options.h"
#include "server/session/context.h"

namespace issuer::server::organization {

// The routes (dist/plugins/organization/routes/crud-org.mjs, crud-members.mjs), one function
// each: parse, check, act, answer. `options` are the plugin's.
using Endpoint = HttpReply (*)(AuthContext& ctx, const OrganizationOptions& options,
                               const HttpRequest& request);
HttpReply Create(AuthContext& ctx, const OrganizationOptions& options, const HttpRequest& request);
HttpReply CheckSlug(AuthContext& ctx, const OrganizationOptions& options,
                    const HttpRequest& request);
HttpReply SetActive(AuthContext& ctx, const OrganizationOptions& options,
                    const HttpRequest& request);
HttpReply List(AuthContext& ctx, const OrganizationOptions& options, const HttpRequest& request);
HttpReply GetFullOrganization(AuthContext& ctx, const OrganizationOptions& options,
                              const HttpRequest& request);
HttpReply GetActiveMember(AuthContext& ctx, const OrganizationOptions& options,
                          const HttpRequest& request);

}  // namespace issuer::server::organization
