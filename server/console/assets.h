#pragma once

#include <span>
#include <string_view>

namespace issuer::server::console {

// A file of the console's page (server/console/assets), embedded in the binary at build time
// by embed_assets.cmake.
struct Asset {
  std::string_view name;          // "index.html", "console.js"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// Every embedded file; empty when the build left the page out (ISSUER_CONSOLE_ASSETS=OFF).
std::span<const Asset> Assets();

// The file called `name`, or nullptr.
const Asset* FindAsset(std::string_view name);

}  // namespace issuer::server::console
