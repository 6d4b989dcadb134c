/// Orders a list of operations so that every tensor is produced before it is used.
enum TopologicalSort {
  /// The indices of `operations` in a dependency order, keeping the listed order
  /// where dependencies allow.
  ///
  /// - Parameters:
  ///   - scope: prefixed to op names in errors (e.g. `block 'layer': `).
  ///   - isAvailable: whether a tensor exists before any of these operations runs.
  /// - Throws: ``ModelLoadError`` for a tensor produced twice, an input nobody
  ///   produces, or a cycle (naming the ops on it).
  static func order(
    _ operations: [OperationDescription], scope: String, isAvailable: (String) -> Bool
  ) throws(ModelLoadError) -> [Int] {
    var producer: [String: Int] = [:]
    for (index, operation) in operations.enumerated() {
      let subject = "\(scope)op '\(operation.name)'"
      if isAvailable(operation.output) {
        throw ModelLoadError(
          subject, "output '\(operation.output)' is already a graph or block input")
      }
      if let other = producer[operation.output] {
        throw ModelLoadError(
          subject, "output '\(operation.output)' is also produced by op '\(operations[other].name)'"
        )
      }
      producer[operation.output] = index
    }
    var predecessors: [[Int]] = []
    for operation in operations {
      var before: [Int] = []
      for (position, name) in operation.inputs.enumerated() {
        if let index = producer[name] {
          before.append(index)
        } else if !isAvailable(name) {
          throw ModelLoadError(
            "\(scope)op '\(operation.name)'",
            "inputs[\(position)]: no tensor named '\(name)' (not an input and not produced by any op)"
          )
        }
      }
      predecessors.append(before)
    }
    // Iterative depth-first search; `state` 1 = on the stack, 2 = done.
    var state = [UInt8](repeating: 0, count: operations.count)
    var order: [Int] = []
    order.reserveCapacity(operations.count)
    for root in operations.indices where state[root] == 0 {
      var stack: [(node: Int, next: Int)] = [(root, 0)]
      state[root] = 1
      while let top = stack.last {
        let edges = predecessors[top.node]
        if top.next < edges.count {
          stack[stack.count - 1].next += 1
          let next = edges[top.next]
          if state[next] == 1 {
            let start = stack.firstIndex { $0.node == next } ?? 0
            let names =
              stack[start...].map { "'\(operations[$0.node].name)'" } + [
                "'\(operations[next].name)'"
              ]
            throw ModelLoadError(
              "\(scope)op '\(operations[next].name)'",
              "cycle: \(names.reversed().joined(separator: " → ")) (each feeds the next)")
          }
          if state[next] == 0 {
            state[next] = 1
            stack.append((next, 0))
          }
        } else {
          state[top.node] = 2
          order.append(top.node)
          stack.removeLast()
        }
      }
    }
    return order
  }
}
