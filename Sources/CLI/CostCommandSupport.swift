import ArgumentParser
import Foundation
import TensorOpt

/// Helpers shared by the `profile` and `evaluate` commands.
enum CostCommandSupport {
  /// Prints `message` as one `tensoropt: error:` line on stderr and returns exit code 2.
  static func userError(_ message: String) -> ExitCode { failure(message) }

  /// Writes one progress line on stderr.
  static func progress(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
  }

  /// The cluster named by `--gpu`/`--gpus-per-node` or `--cluster`, sized to
  /// `devices`; h100-80g with 8 per node when neither is given.
  static func cluster(
    gpu: String?, gpusPerNode: Int, clusterFile: String?, devices: Int
  ) throws -> (cluster: Cluster, defaulted: Bool) {
    guard gpusPerNode > 0 else {
      throw userError("--gpus-per-node must be positive, got \(gpusPerNode)")
    }
    if gpu != nil, clusterFile != nil {
      throw userError("give either --gpu or --cluster, not both")
    }
    if let clusterFile {
      let cluster: Cluster
      do {
        cluster = try Cluster.load(contentsOf: clusterFile)
      } catch {
        throw userError(error.description)
      }
      guard devices <= cluster.deviceCount else {
        throw userError(
          "--devices \(devices) exceeds the \(cluster.deviceCount) devices of \(clusterFile)")
      }
      return (cluster.withDeviceCount(devices), false)
    }
    let name = gpu ?? ClusterPreset.h100.rawValue
    guard let preset = ClusterPreset(rawValue: name) else {
      let known = ClusterPreset.allCases.map(\.rawValue).joined(separator: ", ")
      throw userError("unknown --gpu '\(name)' (known: \(known))")
    }
    return (preset.cluster(devices: devices, devicesPerNode: gpusPerNode), gpu == nil)
  }

  /// Deterministic pretty JSON with sorted snake-case keys and a final newline.
  static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
  }
}
