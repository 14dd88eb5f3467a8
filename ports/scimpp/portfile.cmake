# vcpkg port of scimpp (header-only).
#
# Local use, from a checkout (no download, no hash): point SCIMPP_SOURCE_DIR at
# it and use this folder as an overlay:
#   SCIMPP_SOURCE_DIR=$PWD vcpkg install "scimpp[sqlite]" --overlay-ports=$PWD/ports
# On Windows vcpkg clears the environment of port builds: also set
# VCPKG_KEEP_ENV_VARS=SCIMPP_SOURCE_DIR. The checkout's content is not part of
# vcpkg's ABI hash, so add --no-binarycaching while iterating on it.
# Release use: the tagged source from GitHub (REF and SHA512 below).
set(VCPKG_BUILD_TYPE release) # header-only: one configuration is enough

if(DEFINED ENV{SCIMPP_SOURCE_DIR})
  file(TO_CMAKE_PATH "$ENV{SCIMPP_SOURCE_DIR}" SOURCE_PATH)
  if(NOT EXISTS "${SOURCE_PATH}/CMakeLists.txt")
    message(FATAL_ERROR "SCIMPP_SOURCE_DIR=${SOURCE_PATH} is not a scimpp checkout")
  endif()
else()
  vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    # TO BE FILLED AT RELEASE: the repository, the tag, and the SHA512 of its
    # archive (vcpkg prints the actual hash when this one does not match).
    REPO scimpp/scimpp
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main)
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    sqlite SCIMPP_WITH_SQLITE)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DSCIMPP_INSTALL=ON
    -DSCIMPP_BUILD_TESTS=OFF
    -DSCIMPP_BUILD_EXAMPLES=OFF
    -DSCIMPP_BUILD_BENCHMARKS=OFF
    -DSCIMPP_BUILD_FUZZERS=OFF)
vcpkg_cmake_install()

# scimpp installs its CMake package to share/cmake/scimpp; vcpkg wants share/scimpp.
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/scimpp)
vcpkg_fixup_pkgconfig()

# Header-only: nothing lives in lib/ or debug/.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug" "${CURRENT_PACKAGES_DIR}/lib")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
