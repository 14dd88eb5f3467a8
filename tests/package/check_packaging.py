#!/usr/bin/env python3
"""packaging_metadata: what can be checked of the vcpkg port and the Conan
recipe without vcpkg or Conan.

  * ports/scimpp/vcpkg.json is valid JSON: name scimpp, the project's version,
    nlohmann-json and tl-expected, the vcpkg-cmake helpers as host
    dependencies, a feature "sqlite" that brings sqlite3;
  * ports/scimpp/portfile.cmake turns every SCIMPP_BUILD_* option off, maps the
    sqlite feature to an option CMakeLists.txt has, and its CONFIG_PATH is
    where `cmake --install` puts scimppConfig.cmake; the targets its usage file
    names are the ones the install exports;
  * conanfile.py compiles (py_compile) and, loaded over a small stand-in for
    the `conan` package, reports the project's version from set_version(),
    requires nlohmann_json 3.11.x, tl-expected and (with_sqlite only) sqlite3,
    turns tests/examples/benchmarks/fuzzers off, clears its package id, and
    declares scimpp::scimpp and scimpp::sqlite (requiring sqlite3::sqlite3)
    with no bin or lib dirs; its exports_sources alone configure and install.

Usage: check_packaging.py --source-dir DIR --build-dir DIR --work-dir DIR [--cmake CMAKE]
"""
import argparse
import fnmatch
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import types

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def project_version(source_dir):
    with open(os.path.join(source_dir, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"project\s*\(\s*scimpp\b[^)]*?\bVERSION\s+([0-9]+(?:\.[0-9]+)*)", text)
    if not m:
        sys.exit("no project(scimpp VERSION ...) in CMakeLists.txt")
    options = set(re.findall(r"option\s*\(\s*(SCIMPP_[A-Z_]+)", text))
    return m.group(1), options


def run(cmd, what):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"{what} failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}")
    return r.stdout


def installed_config_dir(prefix):
    """The folder (relative to prefix) holding scimppConfig.cmake."""
    found = []
    for root, _dirs, files in os.walk(prefix):
        if "scimppConfig.cmake" in files:
            found.append(os.path.relpath(root, prefix).replace(os.sep, "/"))
    check(len(found) == 1, f"expected one scimppConfig.cmake under {prefix}, found {found}")
    return found[0] if found else None


def exported_targets(prefix, config_dir):
    path = os.path.join(prefix, config_dir, "scimppTargets.cmake")
    with open(path, encoding="utf-8") as f:
        return set(re.findall(r"add_library\((scimpp::[A-Za-z0-9_]+) INTERFACE IMPORTED\)", f.read()))


# ---- vcpkg ---------------------------------------------------------------------


def check_vcpkg(source_dir, version, options, config_dir, targets):
    port = os.path.join(source_dir, "ports", "scimpp")
    try:
        with open(os.path.join(port, "vcpkg.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        check(False, f"ports/scimpp/vcpkg.json: {e}")
        return
    check(manifest.get("name") == "scimpp", "vcpkg.json: name is not scimpp")
    port_version = next((manifest[k] for k in ("version", "version-semver", "version-string") if k in manifest), None)
    check(port_version == version, f"vcpkg.json: version {port_version!r}, the project's is {version}")

    def names(deps):
        return {d if isinstance(d, str) else d.get("name") for d in deps}

    deps = manifest.get("dependencies", [])
    check({"nlohmann-json", "tl-expected"} <= names(deps),
          f"vcpkg.json: dependencies {sorted(names(deps))} lack nlohmann-json or tl-expected")
    for helper in ("vcpkg-cmake", "vcpkg-cmake-config"):
        check(any(isinstance(d, dict) and d.get("name") == helper and d.get("host") is True for d in deps),
              f"vcpkg.json: {helper} is not a host dependency")
    sqlite = manifest.get("features", {}).get("sqlite")
    check(sqlite is not None and "sqlite3" in names(sqlite.get("dependencies", [])),
          "vcpkg.json: no feature sqlite depending on sqlite3")
    check("sqlite3" not in names(deps), "vcpkg.json: sqlite3 is a dependency of the core, not only of [sqlite]")

    with open(os.path.join(port, "portfile.cmake"), encoding="utf-8") as f:
        portfile = f.read()
    m = re.search(r"vcpkg_cmake_config_fixup\s*\([^)]*\bCONFIG_PATH\s+\"?([^\s\")]+)", portfile)
    if check(m, "portfile.cmake: no vcpkg_cmake_config_fixup(CONFIG_PATH ...)") and config_dir:
        check(m.group(1) == config_dir,
              f"portfile.cmake: CONFIG_PATH {m.group(1)}, but cmake --install puts scimppConfig.cmake in {config_dir}")
    for opt in sorted(o for o in options if o.startswith("SCIMPP_BUILD_")):
        check(re.search(rf"-D{opt}(:BOOL)?=OFF\b", portfile), f"portfile.cmake: {opt} is not turned off")
    m = re.search(r"vcpkg_check_features\s*\(([^)]*)\)", portfile)
    if check(m, "portfile.cmake: no vcpkg_check_features"):
        pair = re.search(r"\bsqlite\s+(SCIMPP_[A-Z_]+)", m.group(1))
        check(pair and pair.group(1) in options,
              "portfile.cmake: feature sqlite is not mapped to an option of CMakeLists.txt")
    for call in ("vcpkg_cmake_install", "vcpkg_install_copyright", "vcpkg_from_github"):
        check(call in portfile, f"portfile.cmake: no {call}")

    usage_path = os.path.join(port, "usage")
    if check(os.path.exists(usage_path), "ports/scimpp/usage is missing"):
        with open(usage_path, encoding="utf-8") as f:
            named = set(re.findall(r"scimpp::[A-Za-z0-9_]+", f.read()))
        check("scimpp::scimpp" in named, "usage: does not name scimpp::scimpp")
        if targets is not None:
            # The install here may lack scimpp::sqlite (SQLite3 not found).
            known = targets | {"scimpp::sqlite"}
            check(named <= known, f"usage: names {sorted(named - known)}, not exported by the install")


# ---- Conan ---------------------------------------------------------------------


class _Options:
    def __init__(self, values):
        self.__dict__.update(values)


class _Settings:
    def get_safe(self, _name, default=None):
        return default


class _Info:
    def __init__(self):
        self.cleared = False

    def clear(self):
        self.cleared = True


class _CppInfo:
    def __init__(self):
        self.properties = {}
        self.requires = []
        self.bindirs = ["bin"]
        self.libdirs = ["lib"]
        self.includedirs = ["include"]
        self.components = _Components()

    def set_property(self, name, value):
        self.properties[name] = value

    def get_property(self, name):
        return self.properties.get(name)


class _Components(dict):
    def __missing__(self, key):
        value = self[key] = _CppInfo()
        return value


def _install_conan_stand_in(recorded):
    """Modules named like Conan 2's, just enough to load and drive a recipe."""

    class ConanFile:
        def __init__(self, options):
            self.options = _Options(options)
            self.settings = _Settings()
            self.info = _Info()
            self.cpp_info = _CppInfo()
            self.requirements_seen = []
            self.version = None

        def requires(self, ref, **traits):
            self.requirements_seen.append((ref, traits))

    class ConanException(Exception):
        pass

    class ConanInvalidConfiguration(ConanException):
        pass

    class CMakeToolchain:
        def __init__(self, conanfile):
            self.cache_variables = {}
            self.variables = {}
            self.preprocessor_definitions = {}

        def generate(self):
            recorded["cache_variables"] = dict(self.cache_variables)

    class CMakeDeps:
        def __init__(self, conanfile):
            pass

        def generate(self):
            pass

    def load(_conanfile, path, encoding="utf-8"):
        with open(path, encoding=encoding) as f:
            return f.read()

    def nothing(*_args, **_kwargs):
        return None

    modules = {
        "conan": {"ConanFile": ConanFile},
        "conan.errors": {"ConanException": ConanException, "ConanInvalidConfiguration": ConanInvalidConfiguration},
        "conan.tools": {},
        "conan.tools.build": {"check_min_cppstd": nothing, "valid_min_cppstd": nothing},
        "conan.tools.cmake": {"CMake": type("CMake", (), {"__init__": nothing}), "CMakeDeps": CMakeDeps,
                              "CMakeToolchain": CMakeToolchain, "cmake_layout": nothing},
        "conan.tools.files": {"copy": nothing, "load": load, "rmdir": nothing, "rm": nothing, "save": nothing,
                              "get": nothing},
        "conan.tools.layout": {"basic_layout": nothing},
    }
    for name, attrs in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module
    return ConanFile


def check_conan(source_dir, version, options, work_dir, cmake, cxx, config_dir):
    recipe_path = os.path.join(source_dir, "conanfile.py")
    try:
        py_compile.compile(recipe_path, cfile=os.path.join(work_dir, "conanfile.pyc"), doraise=True)
    except py_compile.PyCompileError as e:
        check(False, f"conanfile.py does not compile: {e.msg}")
        return

    recorded = {}
    base = _install_conan_stand_in(recorded)
    namespace = {"__file__": recipe_path, "__name__": "scimpp_conanfile"}
    with open(recipe_path, encoding="utf-8") as f:
        try:
            exec(compile(f.read(), recipe_path, "exec"), namespace)
        except ImportError as e:
            check(False, f"conanfile.py imports something the stand-in lacks (extend check_packaging.py): {e}")
            return
    recipes = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, base) and v is not base]
    if not check(len(recipes) == 1, "conanfile.py: expected one ConanFile class"):
        return
    recipe = recipes[0]
    check(getattr(recipe, "name", None) == "scimpp", "conanfile.py: name is not scimpp")
    check(getattr(recipe, "package_type", None) == "header-library", "conanfile.py: package_type is not header-library")
    check(getattr(recipe, "default_options", {}).get("with_sqlite") is True,
          "conanfile.py: with_sqlite is not an option defaulting to True")

    for with_sqlite in (True, False):
        r = recipe({"with_sqlite": with_sqlite})
        r.recipe_folder = source_dir
        missing = [m for m in ("set_version", "requirements", "package_id", "generate", "package_info")
                   if not callable(getattr(r, m, None))]
        if not check(not missing, f"conanfile.py: no {', '.join(missing)}()"):
            return
        r.set_version()
        check(r.version == version, f"conanfile.py: set_version() gives {r.version!r}, the project's is {version}")

        r.requirements()
        refs = [ref for ref, _ in r.requirements_seen]
        check(any(re.fullmatch(r"nlohmann_json/3\.11\.[0-9]+", x) for x in refs),
              f"conanfile.py: no nlohmann_json/3.11.x in {refs}")
        check(any(x.startswith("tl-expected/1.") for x in refs), f"conanfile.py: no tl-expected/1.x in {refs}")
        has_sqlite = any(x.startswith("sqlite3/") for x in refs)
        check(has_sqlite == with_sqlite, f"conanfile.py: with_sqlite={with_sqlite} but requirements are {refs}")

        r.package_id()
        check(r.info.cleared, "conanfile.py: package_id() does not clear the id (header-only)")

        r.generate()
        cache = recorded.get("cache_variables", {})
        for opt in sorted(o for o in options if o.startswith("SCIMPP_BUILD_")):
            check(cache.get(opt) is False, f"conanfile.py: generate() does not turn {opt} off")
        check(cache.get("SCIMPP_WITH_SQLITE") is with_sqlite,
              f"conanfile.py: generate() sets SCIMPP_WITH_SQLITE={cache.get('SCIMPP_WITH_SQLITE')!r}")

        r.package_info()
        info = r.cpp_info
        check(info.get_property("cmake_file_name") == "scimpp", "conanfile.py: cmake_file_name is not scimpp")
        by_target = {c.get_property("cmake_target_name"): c for c in info.components.values()}
        core = by_target.get("scimpp::scimpp")
        if check(core is not None or info.get_property("cmake_target_name") == "scimpp::scimpp",
                 "conanfile.py: nothing is scimpp::scimpp"):
            if core is not None:
                check(not any(x.startswith("sqlite3") for x in core.requires),
                      "conanfile.py: scimpp::scimpp requires sqlite3")
                # CMakeDeps links every component into the package's own
                # target: it must not be scimpp::scimpp too.
                check(info.get_property("cmake_target_name") != "scimpp::scimpp",
                      "conanfile.py: the package target is scimpp::scimpp, so the core would link every component")
        sqlite = by_target.get("scimpp::sqlite")
        if with_sqlite:
            if check(sqlite is not None, "conanfile.py: with_sqlite=True declares no scimpp::sqlite"):
                check("sqlite3::sqlite3" in sqlite.requires, "conanfile.py: scimpp::sqlite does not require sqlite3::sqlite3")
        else:
            check(sqlite is None, "conanfile.py: with_sqlite=False still declares scimpp::sqlite")
        for what, c in [("package", info)] + [(f"component {n}", c) for n, c in info.components.items()]:
            check(c.bindirs == [] and c.libdirs == [], f"conanfile.py: {what} has bindirs/libdirs")

    # exports_sources alone must configure and install (tests etc. off, as
    # generate() says), and put the config where the port expects it.
    patterns = recipe.exports_sources
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    export = os.path.join(work_dir, "conan_export")
    for root, _dirs, files in os.walk(source_dir):
        rel_root = os.path.relpath(root, source_dir)
        if rel_root.split(os.sep)[0] in (".git", "build"):
            continue
        for name in files:
            rel = os.path.normpath(os.path.join(rel_root, name)).replace(os.sep, "/")
            if any(fnmatch.fnmatch(rel, p) for p in patterns):
                os.makedirs(os.path.join(export, os.path.dirname(rel)), exist_ok=True)
                shutil.copy2(os.path.join(source_dir, rel), os.path.join(export, rel))
    cache = recorded.get("cache_variables", {})
    defs = [f"-D{k}={'ON' if v is True else 'OFF' if v is False else v}" for k, v in cache.items()]
    build = os.path.join(work_dir, "conan_build")
    prefix = os.path.join(work_dir, "conan_prefix")
    compiler = [f"-DCMAKE_CXX_COMPILER={cxx}"] if cxx else []
    run([cmake, "-S", export, "-B", build, "-DCMAKE_BUILD_TYPE=Release", *compiler, *defs],
        "configuring conanfile.py's exports_sources")
    run([cmake, "--install", build, "--prefix", prefix], "installing conanfile.py's exports_sources")
    check(os.path.exists(os.path.join(prefix, "include", "scim", "scim.hpp")),
          "exports_sources install: no include/scim/scim.hpp")
    check(os.path.exists(os.path.join(prefix, "include", "scim", "store", "sqlite_store.hpp")),
          "exports_sources install: no include/scim/store/sqlite_store.hpp (with_sqlite=False must install the same headers)")
    check(installed_config_dir(prefix) == config_dir,
          "exports_sources install puts scimppConfig.cmake elsewhere than the build's install")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--cmake", default="cmake")
    ap.add_argument("--cxx", default=None)
    args = ap.parse_args()
    source_dir = os.path.abspath(args.source_dir)
    work_dir = os.path.abspath(args.work_dir)
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)

    version, options = project_version(source_dir)
    prefix = os.path.join(work_dir, "prefix")
    run([args.cmake, "--install", args.build_dir, "--prefix", prefix], "cmake --install")
    config_dir = installed_config_dir(prefix)
    targets = exported_targets(prefix, config_dir) if config_dir else None

    check_vcpkg(source_dir, version, options, config_dir, targets)
    check_conan(source_dir, version, options, work_dir, args.cmake, args.cxx, config_dir)

    if failures:
        print("packaging metadata: FAILED")
        for f in failures:
            print("  - " + f)
        return 1
    print(f"packaging metadata: ok (version {version}, config in {config_dir}, exported {sorted(targets or [])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
