import TensorOptPlan

/// Why a plan's result or frontier point cannot be chosen, or an output cannot be written.
public struct ReportError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A one-line explanation.
  public var message: String

  /// Creates an error.
  public init(_ message: String) { self.message = message }

  /// The message.
  public var description: String { message }
}

extension PlanFile {
  /// The result for `devices`, or the one with the most devices when `devices` is `nil`.
  ///
  /// - Throws: ``ReportError`` when the plan has no result for `devices`.
  public func result(devices: Int? = nil) throws(ReportError) -> PlanResult {
    guard let devices else {
      guard let last = results.last else { throw ReportError("the plan has no results") }
      return last
    }
    guard let result = results.first(where: { $0.devices == devices }) else {
      let known = results.map { String($0.devices) }.joined(separator: ", ")
      throw ReportError("the plan has no result for \(devices) devices (it has: \(known))")
    }
    return result
  }

  /// Frontier point `pick` (1-based, by increasing time) of the result for `devices`.
  ///
  /// - Throws: ``ReportError`` when there is no such point.
  public func entry(pick: Int, devices: Int? = nil) throws(ReportError) -> PlanEntry {
    let result = try result(devices: devices)
    guard !result.frontier.isEmpty else {
      throw ReportError("the plan has no strategy that fits on \(result.devices) devices")
    }
    guard (1...result.frontier.count).contains(pick) else {
      throw ReportError(
        "--pick \(pick) is out of range: the frontier on \(result.devices) devices has points 1...\(result.frontier.count)"
      )
    }
    return result.frontier[pick - 1]
  }
}
