import Foundation
import TensorOptCost
import TensorOptGraph
import TensorOptImport

/// Fuzz target `cluster-file`: any file handed to `--cluster FILE`.
///
/// Decodes the input with `Cluster.decode(_:file:)` (what `Cluster.load` does
/// after reading the file), then does what `tensoropt evaluate mlp --devices 1
/// --cluster FILE --format json` does with an accepted cluster: evaluates a
/// small model on it and encodes the result. It also writes the cluster out as
/// `tensoropt profile` does and reads it back, which must succeed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClusterFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  FuzzHarness.run(data, size, expecting: ClusterFileError.self) { input in
    let cluster = try Cluster.decode(input, file: "cluster.json")
    ClusterFuzzing.checkRoundTrip(cluster)
    ClusterFuzzing.evaluate(on: cluster)
  }
}

/// Mutates inputs as JSON documents (see ``JSONMutator``).
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateClusterFile(
  _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  JSONMutator.mutate(data, size, maxSize, seed, vocabulary: clusterFileVocabulary)
}

/// What the target does with an accepted cluster.
enum ClusterFuzzing {
  /// The zoo's `mlp`, loaded once.
  static let model: Model? = try? ModelLoader.load("mlp")

  /// Writing the cluster out and reading it back must succeed.
  static func checkRoundTrip(_ cluster: Cluster) {
    do {
      _ = try Cluster.decode(cluster.encodedJSON(), file: "round-trip.json")
    } catch {
      fatalError("an accepted cluster does not survive being written and read: \(error)")
    }
  }

  /// Evaluates the mlp data-parallel on one device of the cluster; the result
  /// must encode as JSON (no infinite or NaN figure).
  static func evaluate(on cluster: Cluster) {
    guard let model else { fatalError("the zoo's mlp is not found (run from the repository)") }
    let evaluation: Evaluation
    do {
      evaluation = try StrategyEvaluator(cluster: cluster.withDeviceCount(1)).evaluate(
        model: model, globalBatchSize: 64, sequenceLength: nil,
        strategy: ParallelStrategy(dataParallel: 1, microBatchSize: 64, dtype: .fp32))
    } catch {
      return  // the CLI reports a StrategyError as one line, exit 2
    }
    do {
      _ = try JSONEncoder().encode(evaluation)
    } catch {
      fatalError("the evaluation on an accepted cluster cannot be encoded: \(error)")
    }
  }
}

/// Keys and values of the cluster format, for the mutator to insert.
let clusterFileVocabulary = [
  "format", "name", "source", "devices", "devices_per_node", "device", "memory_bytes",
  "peak_flops", "memory_bandwidth", "efficiency", "max_efficiency", "half_dimension", "overhead",
  "gemm_table", "gemm_table_preset", "vector_flops", "intra_node", "inter_node", "bandwidth",
  "latency", "precision", "m", "n", "k", "seconds", "tensoropt-cluster/1", "fp32", "tf32", "fp16",
  "bf16", "h100-80g", "cpu", "operands", "nn", "nt", "tn", "local_copy_bandwidth",
]
