# The Debian package (issue 23): `cpack -G DEB` in a build directory makes ba-issuer_VERSION_ARCH.deb
# from the install rules: the Unspecified component (the binary, stripped, and its man page) and
# the deb component (config.json as a conffile, the systemd unit, copyright and changelog).
# Runtime dependencies come from dpkg-shlibdeps. scripts/package builds a Release binary and runs
# this; tests/dist/deb_package_test.sh checks, installs and purges the result.
set(ISSUER_DEB_MAINTAINER "ba-issuer maintainers <maintainers@ba-issuer.example>"
    CACHE STRING "Maintainer field of the Debian package (name <email>)")
set(ISSUER_DEB_HOMEPAGE "" CACHE STRING "Homepage field of the Debian package (a URL; empty: none)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ba-issuer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ISSUER_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Better Auth compatible session and JWT issuer")
# The extended description, wrapped for 80 columns (Debian policy 3.4.1).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "A small native server that does the job of Better Auth's JWT plugin: email"
    "and password sessions on Better Auth's SQLite schema (or PostgreSQL),"
    "GET /api/auth/token for a short-lived JWT, and the public keys at"
    "GET /api/auth/jwks, in Better Auth's wire format."
    "."
    "ba-issuer.service is a hardened systemd unit that listens on 127.0.0.1:3000"
    "(put a TLS proxy such as nginx in front), reads /etc/ba-issuer/config.json,"
    "gets its secret from /etc/ba-issuer/secret with LoadCredential= and keeps"
    "its database in /var/lib/ba-issuer.")
# The two components in one package, installed into the same staging tree.
set(CPACK_INSTALL_CMAKE_PROJECTS
    "${CMAKE_BINARY_DIR};${PROJECT_NAME};Unspecified;/"
    "${CMAKE_BINARY_DIR};${PROJECT_NAME};deb;/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Then strips .comment and .note as dh_strip does, and gzips the man page and the changelog in
# the staging tree (Debian wants them gzipped).
set(CPACK_ISSUER_STRIP "${CMAKE_STRIP}")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/cmake/cpack_deb_stage.cmake)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ISSUER_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(ISSUER_DEB_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${ISSUER_DEB_HOMEPAGE}")
endif()
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The one library dpkg-shlibdeps cannot see: libpq is dlopen()ed for postgres:// databases only.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS libpq5)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# CPack, unlike debhelper, does not mark /etc files as conffiles: deploy/debian/conffiles does.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
