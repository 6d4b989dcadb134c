// The library training scripts import: it re-exports every stage of the pipeline.
@_exported import TensorOptCost
@_exported import TensorOptExecutor
@_exported import TensorOptGraph
@_exported import TensorOptImport
@_exported import TensorOptPlan
@_exported import TensorOptReport
@_exported import TensorOptSearch
