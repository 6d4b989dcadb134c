#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Clocks for timing kernels and transfers.
public enum ThreadClock {
  /// CPU time consumed by the calling thread, in seconds
  /// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`): unaffected by other threads
  /// sharing the core, so 8 workers on 2 cores still time each kernel.
  public static func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
  }

  /// Monotonic wall-clock time in seconds.
  public static func wallSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
  }
}
