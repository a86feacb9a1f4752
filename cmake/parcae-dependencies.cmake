# Finds parcae's header-only dependencies and makes imported targets for the two that ship no
# CMake package (LBFGS++ and Random123). Included by the build and by the installed
# parcae-config.cmake, so a consumer finds the same things the build did.
include(CMakeFindDependencyMacro)

find_dependency(Eigen3 3.3 CONFIG)
find_dependency(Boost 1.74 CONFIG)  # Boost::headers (Boost.Math is header-only)

if(NOT TARGET parcae::deps::lbfgspp)
  find_path(PARCAE_LBFGSPP_INCLUDE_DIR NAMES LBFGS.h LBFGSB.h
            DOC "LBFGS++ headers (Debian: liblbfgspp-dev)")
  if(NOT PARCAE_LBFGSPP_INCLUDE_DIR)
    message(FATAL_ERROR "parcae: LBFGS++ not found (LBFGS.h). On Debian: apt-get install liblbfgspp-dev")
  endif()
  add_library(parcae::deps::lbfgspp INTERFACE IMPORTED)
  set_target_properties(parcae::deps::lbfgspp PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${PARCAE_LBFGSPP_INCLUDE_DIR}")
endif()

if(NOT TARGET parcae::deps::random123)
  find_path(PARCAE_RANDOM123_INCLUDE_DIR NAMES Random123/philox.h
            DOC "Random123 headers (Debian: librandom123-dev)")
  if(NOT PARCAE_RANDOM123_INCLUDE_DIR)
    message(FATAL_ERROR "parcae: Random123 not found (Random123/philox.h). On Debian: apt-get install librandom123-dev")
  endif()
  add_library(parcae::deps::random123 INTERFACE IMPORTED)
  set_target_properties(parcae::deps::random123 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${PARCAE_RANDOM123_INCLUDE_DIR}")
endif()
