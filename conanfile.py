"""Conan 2 recipe for scimpp, a header-only C++20 SCIM 2.0 library.

    conan create . -o "scimpp/*:with_sqlite=True"

Consumers (CMakeDeps):
    find_package(scimpp CONFIG REQUIRED)
    target_link_libraries(app PRIVATE scimpp::scimpp)   # the core
    target_link_libraries(app PRIVATE scimpp::sqlite)   # + the SQLite store (with_sqlite)
"""
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"


class ScimppConan(ConanFile):
    name = "scimpp"
    description = "Header-only C++20 SCIM 2.0 library: schemas, filters, PATCH, service-provider core"
    license = "MIT"
    topics = ("scim", "provisioning", "identity", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_sqlite": [True, False]}
    default_options = {"with_sqlite": True}
    exports_sources = "include/*", "CMakeLists.txt", "cmake/*", "LICENSE"
    no_copy_source = True

    def set_version(self):
        # The single source of the version: project(VERSION ...) in CMakeLists.txt.
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\s*\(\s*scimpp\b[^)]*?\bVERSION\s+([0-9]+(?:\.[0-9]+)*)", text)
        if not match:
            raise ConanInvalidConfiguration("no project(scimpp VERSION ...) in CMakeLists.txt")
        self.version = match.group(1)

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Debian (where scimpp is tested) has nlohmann-json 3.11.2 and
        # tl-expected 1.0.0; scimpp needs nlohmann_json >= 3.10 and the
        # tl::expected 1.0 API, which 1.1.0 keeps.
        self.requires("nlohmann_json/3.11.3", transitive_headers=True)
        self.requires("tl-expected/1.1.0", transitive_headers=True)
        if self.options.with_sqlite:
            # 3.35+ (RETURNING).
            self.requires("sqlite3/3.46.1", transitive_headers=True, transitive_libs=True)

    def validate(self):
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 20)

    def package_id(self):
        # Header-only: one package for every setting and option (the headers
        # are the same either way; with_sqlite only adds a requirement).
        self.info.clear()

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["SCIMPP_INSTALL"] = True
        tc.cache_variables["SCIMPP_BUILD_TESTS"] = False
        tc.cache_variables["SCIMPP_BUILD_EXAMPLES"] = False
        tc.cache_variables["SCIMPP_BUILD_BENCHMARKS"] = False
        tc.cache_variables["SCIMPP_BUILD_FUZZERS"] = False
        tc.cache_variables["SCIMPP_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # CMakeDeps and PkgConfigDeps generate these from package_info().
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "scimpp")
        # CMakeDeps makes the package's own target link every component. The
        # core must stay SQLite-free, so that aggregate gets its own name and
        # scimpp::scimpp is the "core" component.
        self.cpp_info.set_property("cmake_target_name", "scimpp::scimpp_all")
        self.cpp_info.set_property("pkg_config_name", "scimpp-all")

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "scimpp::scimpp")
        core.set_property("pkg_config_name", "scimpp")
        core.requires = ["nlohmann_json::nlohmann_json", "tl-expected::tl-expected"]
        core.bindirs = []
        core.libdirs = []

        if self.options.with_sqlite:
            sqlite = self.cpp_info.components["sqlite"]
            sqlite.set_property("cmake_target_name", "scimpp::sqlite")
            sqlite.set_property("pkg_config_name", "scimpp-sqlite")
            sqlite.requires = ["core", "sqlite3::sqlite3"]
            sqlite.bindirs = []
            sqlite.libdirs = []

        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
