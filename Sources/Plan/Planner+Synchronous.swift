import TensorOptCost

extension Planner {
  /// The frontier on `devices` devices, from synchronous code (the work still
  /// runs on ``PlanRequest/threads`` tasks, on threads of its own). It blocks the
  /// calling thread; from async code prefer ``result(devices:progress:)``, which
  /// does not.
  ///
  /// - Throws: ``PlanError`` as ``result(devices:progress:)``.
  public func frontier(
    devices: Int, progress: (@Sendable (_ finished: Int, _ total: Int) -> Void)? = nil
  ) throws(PlanError) -> PlanResult {
    let planner = self
    let outcome = ParallelMap.blocking { () async -> Result<PlanResult, PlanError> in
      do {
        return .success(try await planner.result(devices: devices, progress: progress))
      } catch let error as PlanError {
        return .failure(error)
      } catch {
        return .failure(PlanError("\(error)"))
      }
    }
    return try outcome.get()
  }

  /// The model entry of a plan file for this request.
  public var plannedModel: PlannedModel {
    let layers = (try? request.model.graph(batchSize: 1, sequenceLength: request.seq))?.layerCount
    return PlannedModel(
      name: request.model.name, source: request.modelSource, family: request.model.family,
      batch: request.batch, seq: request.seq, dtype: request.dtype, optimizer: request.optimizer,
      padsVocabulary: request.padsVocabulary, layers: layers ?? 0)
  }
}
