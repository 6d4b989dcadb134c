import TensorOptGraph

extension ModelDescription {
  /// Checks that every `tied_to` names an embedding or linear op of the model.
  func checkTies() throws(ModelLoadError) {
    var weighted: [String: OperatorKind] = [:]
    var tied: [(subject: String, target: String)] = []
    func scan(_ operations: [OperationDescription], scope: String) {
      for operation in operations {
        guard case .op(let op) = operation.content else { continue }
        if op.kind == .embedding || op.kind == .linear { weighted[operation.name] = op.kind }
        if let target = op.attributes.tiedTo {
          tied.append(("\(scope)op '\(operation.name)'", target))
        }
      }
    }
    scan(operations, scope: "")
    for name in blocks.keys.sorted() {
      scan(blocks[name]?.operations ?? [], scope: "block '\(name)': ")
    }
    for (subject, target) in tied where weighted[target] == nil {
      throw ModelLoadError(subject, "tied_to: no embedding or linear op named '\(target)'").inFile(
        file)
    }
  }
}
