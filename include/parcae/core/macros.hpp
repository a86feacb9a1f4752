#pragma once
// Portability macros shared by host and device code.
//
// PARCAE_HD marks math that is written once and compiled for both the host and, under nvcc, the
// device (DESIGN.md: "Math used on both host and device is written once in include/").

#if defined(__CUDACC__)
#define PARCAE_HD __host__ __device__
#define PARCAE_DEVICE_COMPILE 1
#else
#define PARCAE_HD
#define PARCAE_DEVICE_COMPILE 0
#endif

#define PARCAE_VERSION_MAJOR 0
#define PARCAE_VERSION_MINOR 1
#define PARCAE_VERSION_PATCH 0
