import Testing

@testable import TensorOptExecutor

/// Expects `result` to match `reference` (loss, every gradient and parameter
/// within the executor's tolerance), naming the worst parameter when it does not;
/// returns the comparison.
@discardableResult
func expectNumericsMatch(
  _ result: ExecutionResult, _ reference: ExecutionResult,
  sourceLocation: SourceLocation = #_sourceLocation
) -> NumericsComparison {
  let comparison = NumericsComparison(candidate: result, reference: reference)
  #expect(
    comparison.matches(),
    "loss \(comparison.lossRelativeError), gradient \(comparison.worstParameter): \(comparison.maxGradientRelativeError), parameters \(comparison.maxParameterRelativeError), missing \(comparison.missingParameters)",
    sourceLocation: sourceLocation)
  return comparison
}
