#pragma once
// Owning handles for CUDA resources (device memory, pinned host memory, streams, events, the
// current device). Move-only; every allocating call is checked (PARCAE_CUDA_CHECK throws
// parcae::cuda_error); destructors release without throwing.

#include <cstddef>
#include <utility>

#include <cuda_runtime.h>

#include "parcae/cuda/check.cuh"

namespace parcae::cuda {

/// Makes `device` current for the lifetime of the guard, then restores the previous device.
class device_guard {
 public:
  explicit device_guard(int device) {
    PARCAE_CUDA_CHECK(cudaGetDevice(&previous_));
    if (device != previous_) PARCAE_CUDA_CHECK(cudaSetDevice(device));
  }
  ~device_guard() { cudaSetDevice(previous_); }
  device_guard(const device_guard&) = delete;
  device_guard& operator=(const device_guard&) = delete;

 private:
  int previous_ = 0;
};

namespace detail {

/// Shared move-only ownership logic of the memory handles.
template <class Free>
class raw_memory {
 public:
  raw_memory() = default;
  raw_memory(void* p, std::size_t bytes) : ptr_(p), bytes_(bytes) {}
  raw_memory(raw_memory&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(o.bytes_) {}
  raw_memory& operator=(raw_memory&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      bytes_ = o.bytes_;
    }
    return *this;
  }
  raw_memory(const raw_memory&) = delete;
  raw_memory& operator=(const raw_memory&) = delete;
  ~raw_memory() { release(); }

  std::size_t bytes() const { return bytes_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  void* get() const { return ptr_; }

 private:
  void release() {
    if (ptr_ != nullptr) Free{}(ptr_);
    ptr_ = nullptr;
  }
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

struct device_free {
  void operator()(void* p) const { cudaFree(p); }
};
struct host_free {
  void operator()(void* p) const { cudaFreeHost(p); }
};

}  // namespace detail

/// Device memory on the current device (cudaMalloc); at least one byte is allocated.
class device_buffer : public detail::raw_memory<detail::device_free> {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t bytes) : raw_memory(allocate(bytes), bytes) {}

 private:
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    PARCAE_CUDA_CHECK(cudaMalloc(&p, bytes == 0 ? 1 : bytes));
    return p;
  }
};

/// Page-locked host memory (cudaMallocHost), the target of asynchronous copies.
class pinned_buffer : public detail::raw_memory<detail::host_free> {
 public:
  pinned_buffer() = default;
  explicit pinned_buffer(std::size_t bytes) : raw_memory(allocate(bytes), bytes) {}

 private:
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    PARCAE_CUDA_CHECK(cudaMallocHost(&p, bytes == 0 ? 1 : bytes));
    return p;
  }
};

/// An owned non-blocking stream on the current device.
class stream {
 public:
  stream() { PARCAE_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  stream(stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  stream& operator=(stream&& o) noexcept {
    if (this != &o) {
      if (s_ != nullptr) cudaStreamDestroy(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (s_ != nullptr) cudaStreamDestroy(s_);
  }
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

/// An owned event (timing disabled: used for completion only).
class event {
 public:
  /// Tag: a handle that owns no event yet.
  struct empty {};
  explicit event(empty) noexcept {}
  event() { PARCAE_CUDA_CHECK(cudaEventCreateWithFlags(&e_, cudaEventDisableTiming)); }
  event(event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  event& operator=(event&& o) noexcept {
    if (this != &o) {
      if (e_ != nullptr) cudaEventDestroy(e_);
      e_ = std::exchange(o.e_, nullptr);
    }
    return *this;
  }
  event(const event&) = delete;
  event& operator=(const event&) = delete;
  ~event() {
    if (e_ != nullptr) cudaEventDestroy(e_);
  }
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

}  // namespace parcae::cuda
