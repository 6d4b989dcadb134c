/// The iteration time that truly parallel devices would see, obtained by
/// replaying each worker's measured durations on the run's dependency graph.
///
/// Each worker is a sequential timeline. A compute event takes its thread CPU
/// time. A collective starts when the last member of its group arrives and lasts
/// the longest member's CPU time inside it (the copying and reducing; blocked
/// waiting is not CPU time). A send takes its CPU time and never blocks; a receive
/// starts when both its worker and the matching send have finished, and lasts its
/// own CPU time. Matching is by group and sequence number (by endpoints and tag,
/// first-in first-out, for point-to-point). An overlapped transfer runs on the
/// worker's communication timeline: it starts when every member has issued it and
/// every member's previous overlapped transfer is done, and does not delay the
/// worker's compute; a join waits for the worker's overlapped transfers.
public struct TraceReplay: Sendable, Hashable {
  /// The time the last worker finishes: the iteration time.
  public var iterationSeconds: Double
  /// When each worker finishes.
  public var finishSeconds: [Double]
  /// Each worker's total compute time.
  public var computeSeconds: [Double]
  /// Each worker's total time inside transfers (excluding waiting).
  public var transferSeconds: [Double]
  /// Each worker's time inside the transfers on its own timeline (overlapped
  /// ones excluded, waiting excluded): with ``computeSeconds``, no more than
  /// its finish.
  public var blockingTransferSeconds: [Double]

  private struct CollectiveKey: Hashable {
    var group: [Int]
    var sequence: Int
  }

  private struct PointKey: Hashable {
    var source: Int
    var destination: Int
    var tag: Int
  }

  /// Replays `traces` (one per worker, by rank).
  ///
  /// - Throws: ``ExecutorError/invalidArgument(_:)`` when the traces cannot
  ///   complete (a collective some member never reaches, a receive without a send).
  public init(traces: [WorkerTrace]) throws(ExecutorError) {
    let events = traces.map(\.events)
    let count = events.count
    var clock = Array(repeating: 0.0, count: count)
    var position = Array(repeating: 0, count: count)
    var compute = Array(repeating: 0.0, count: count)
    var transfer = Array(repeating: 0.0, count: count)
    var overlapped = Array(repeating: 0.0, count: count)
    var arrivals: [CollectiveKey: [Int: (time: Double, cpu: Double)]] = [:]
    var sends: [PointKey: [Double]] = [:]
    var communication = Array(repeating: 0.0, count: count)
    var issued: [CollectiveKey: [Int: (time: Double, cpu: Double)]] = [:]
    var pending = Array(repeating: 0, count: count)
    var progressed = true
    while progressed {
      progressed = false
      for worker in 0..<count {
        advance: while position[worker] < events[worker].count {
          switch events[worker][position[worker]] {
          case .compute(_, let seconds):
            clock[worker] += seconds
            compute[worker] += seconds
          case .joinOverlapped:
            guard pending[worker] == 0 else { break advance }
            clock[worker] = max(clock[worker], communication[worker])
          case .overlappedTransfer(_, let group, let sequence, _, let cpu, _):
            let key = CollectiveKey(group: group, sequence: sequence)
            issued[key, default: [:]][worker] = (clock[worker], cpu)
            pending[worker] += 1
            if let members = issued[key], members.count == max(group.count, 1) {
              let ready = members.values.map(\.time).max() ?? 0
              let free = group.filter { $0 < count }.map { communication[$0] }.max() ?? 0
              let end = max(ready, free) + (members.values.map(\.cpu).max() ?? 0)
              for member in group where member < count {
                communication[member] = end
                transfer[member] += members[member]?.cpu ?? 0
                overlapped[member] += members[member]?.cpu ?? 0
                pending[member] -= 1
              }
              if group.isEmpty {
                communication[worker] = end
                pending[worker] -= 1
              }
              issued[key] = nil
            }
          case .transfer(let kind, let group, let sequence, _, let cpu, _):
            if kind == "send", group.count == 2 {
              clock[worker] += cpu
              transfer[worker] += cpu
              sends[PointKey(source: group[0], destination: group[1], tag: sequence), default: []]
                .append(clock[worker])
            } else if kind == "receive", group.count == 2 {
              let key = PointKey(source: group[0], destination: group[1], tag: sequence)
              guard var queue = sends[key], !queue.isEmpty else { break advance }
              let sent = queue.removeFirst()
              sends[key] = queue
              clock[worker] = max(clock[worker], sent) + cpu
              transfer[worker] += cpu
            } else if group.count <= 1 {
              clock[worker] += cpu
              transfer[worker] += cpu
            } else {
              let key = CollectiveKey(group: group, sequence: sequence)
              if arrivals[key]?[worker] == nil {
                arrivals[key, default: [:]][worker] = (clock[worker], cpu)
              }
              guard let arrived = arrivals[key], arrived.count == group.count else { break advance }
              let end =
                (arrived.values.map(\.time).max() ?? 0) + (arrived.values.map(\.cpu).max() ?? 0)
              for member in group where member < count {
                clock[member] = end
                transfer[member] += arrived[member]?.cpu ?? 0
                if member != worker { position[member] += 1 }
              }
              arrivals[key] = nil
            }
          }
          position[worker] += 1
          progressed = true
        }
      }
    }
    if let stuck = (0..<count).first(where: { position[$0] < events[$0].count }) {
      throw .invalidArgument(
        "trace replay: worker \(stuck) cannot complete event \(position[stuck]) (\(events[stuck][position[stuck]]))"
      )
    }
    if let pending = issued.first {
      throw .invalidArgument(
        "trace replay: overlapped transfer of group \(pending.key.group) never completed")
    }
    finishSeconds = zip(clock, communication).map { max($0, $1) }
    iterationSeconds = finishSeconds.max() ?? 0
    computeSeconds = compute
    transferSeconds = transfer
    blockingTransferSeconds = zip(transfer, overlapped).map { max($0 - $1, 0) }
  }
}
