import Foundation

/// Writes files through a temporary file and a rename, so that a reader never
/// sees half a file.
enum AtomicFile {
  /// Writes `data` to `path`, replacing it if it exists.
  static func write(_ data: Data, to path: String) throws(ReportError) {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try data.write(to: temporary, options: .withoutOverwriting)
    } catch {
      throw ReportError("cannot write \(path): \(error.localizedDescription)")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw ReportError("cannot write \(path): \(reason)")
    }
  }
}
