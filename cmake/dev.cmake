# Warning flags for scimpp's own tests, examples and benchmarks. They never
# reach consumers of scimpp::scimpp.
add_library(scimpp_dev_flags INTERFACE)
target_compile_options(scimpp_dev_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                  -Wno-sign-conversion)
if(SCIMPP_WERROR)
  target_compile_options(scimpp_dev_flags INTERFACE -Werror)
endif()
target_link_libraries(scimpp_dev_flags INTERFACE scimpp::scimpp)
