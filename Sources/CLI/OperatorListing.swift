import TensorOpt

/// The `inspect --ops` table: every stored operator (block bodies once) with its
/// output shape, parameters and forward FLOPs per sample.
enum OperatorListing {
  /// The table for `graph`, built for `batchSize` samples.
  static func table(_ graph: Graph, batchSize: Int, floatBytes: Int) -> String {
    var rows: [[String]] = [["op", "kind", "output shape", "parameters", "fwd FLOPs"]]
    append(graph, prefix: "", batchSize: batchSize, floatBytes: floatBytes, to: &rows)
    return Formatting.table(rows, rightAligned: [3, 4])
  }

  private static func append(
    _ graph: Graph, prefix: String, batchSize: Int, floatBytes: Int, to rows: inout [[String]]
  ) {
    let perSample = 1 / Double(max(batchSize, 1))
    for node in graph.nodes {
      let output = graph.outputTensor(of: node)
      let shape = "[" + output.shape.map(\.description).joined(separator: ", ") + "]"
      let metrics = graph.metrics(of: node, floatBytes: floatBytes)
      switch node.content {
      case .op(let op):
        rows.append([
          prefix + node.name, op.kind.rawValue, shape, Formatting.grouped(metrics.parameters),
          Formatting.scaled(metrics.forwardFLOPs * perSample, unit: "FLOP"),
        ])
      case .block(let block):
        rows.append([
          prefix + node.name, "block \(block.name) ×\(block.repeatCount)", shape,
          Formatting.grouped(metrics.parameters),
          Formatting.scaled(metrics.forwardFLOPs * perSample, unit: "FLOP"),
        ])
        append(
          block.body, prefix: prefix + "  ", batchSize: batchSize, floatBytes: floatBytes, to: &rows
        )
      }
    }
  }
}
