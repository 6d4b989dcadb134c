import TensorOptCost
import TensorOptGraph

/// A parallel strategy: pipeline stages, each a device mesh of the same shape,
/// and per operator a configuration on that mesh.
///
/// Configurations are keyed by node name; a node inside a block's body is keyed
/// `"block/node"` and every repetition of the block uses that configuration,
/// unless an entry under the step's own name (`"block[r]/node"`, repetition
/// `r`) gives that repetition another one.
/// Operators without an entry are replicated. Stage `s` owns devices
/// `s·mesh.deviceCount ..< (s+1)·mesh.deviceCount`.
public struct ExecutionStrategy: Sendable, Hashable {
  /// The devices of one stage and their arrangement.
  public var mesh: DeviceMesh
  /// Per operator, its configuration.
  public var configurations: [String: OpConfiguration]
  /// The number of pipeline stages.
  public var stageCount: Int
  /// Model chunks per stage (interleaved pipelines): the program is cut into
  /// `stageCount · chunksPerStage` virtual stages and virtual stage `k` runs on
  /// stage `k mod stageCount`.
  public var chunksPerStage: Int
  /// The first unrolled step (index into ``FlatProgram/steps``) of virtual stages
  /// `1 ..< stageCount · chunksPerStage`; `nil` balances forward FLOPs.
  public var stageStarts: [Int]?

  /// Creates a strategy.
  public init(
    mesh: DeviceMesh, configurations: [String: OpConfiguration] = [:], stageCount: Int = 1,
    chunksPerStage: Int = 1,
    stageStarts: [Int]? = nil
  ) {
    self.mesh = mesh
    self.configurations = configurations
    self.stageCount = stageCount
    self.chunksPerStage = chunksPerStage
    self.stageStarts = stageStarts
  }

  /// The number of devices: stages × devices per stage.
  public var deviceCount: Int { stageCount * mesh.deviceCount }

  /// One device, every operator replicated: the numerics reference.
  public static let singleDevice = ExecutionStrategy(mesh: DeviceMesh([1]))
}

/// Options of an executor run.
public struct ExecutionOptions: Sendable, Hashable {
  /// Seeds parameters, inputs and labels.
  public var seed: UInt64 = 42
  /// Seconds any wait for another worker may last before the run fails.
  public var timeout: Double = 60
  /// Micro-batches per step; the graph is built for one micro-batch and model
  /// inputs are micro-batch `m`'s rows of a batch `microBatches` times larger.
  public var microBatches = 1
  /// The pipeline schedule.
  public var schedule = PipelineSchedule.gpipe
  /// Activation recomputation.
  public var recomputation = Recomputation.none
  /// The optimizer step after backward, or `nil` for gradients only.
  public var adam: AdamConfiguration?
  /// An SGD-with-momentum step after backward (used when ``adam`` is `nil`; never sharded).
  public var sgd: SGDConfiguration?
  /// ZeRO stage 0-3, with ``adam``. Stage 1 shards Adam's moments over each
  /// parameter's gradient-sync group: gradients are reduce-scattered, each member
  /// updates its chunk, and the updated parameters are all-gathered. Stage 2 also
  /// shards the gradients: each is reduce-scattered right after its last backward
  /// pass and only the chunk is kept. Stage 3 also shards the parameters: each
  /// member keeps its chunk, all-gathers the whole block for every forward and
  /// backward use, and updates its chunk in place.
  public var zeroStage = 0
  /// Whether optimizer state is sharded (ZeRO stage ≥ 1).
  public var zeroStage1: Bool {
    get { zeroStage >= 1 }
    set { zeroStage = newValue ? max(zeroStage, 1) : 0 }
  }
  /// The most bytes all workers together may be estimated to need; `nil` uses 80%
  /// of the memory this machine has available. Larger runs are refused before
  /// anything is allocated.
  public var memoryLimitBytes: Int?

  /// The defaults above.
  public init() {}
}
