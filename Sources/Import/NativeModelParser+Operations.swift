import TensorOptGraph

extension NativeModelParser {
  /// The attribute keys each operator kind accepts, besides the common ones.
  static func attributeKeys(of kind: OperatorKind) -> [String] {
    switch kind {
    case .embedding: ["rows", "tied_to"]
    case .linear: ["bias", "tied_to"]
    case .attention: ["heads", "kv_heads", "causal"]
    case .layerNorm: ["bias"]
    case .conv2d: ["kernel", "stride", "padding", "groups", "bias"]
    case .maxPool, .avgPool: ["kernel", "stride", "padding"]
    case .dropout: ["p"]
    default: []
    }
  }

  /// The largest kernel, stride or padding accepted.
  static let maximumWindow = 1 << 20

  /// Parses an `ops` list (of the model or of a block).
  func parseOperations(_ items: [JSONValue], scope: String) throws(ModelLoadError)
    -> [OperationDescription]
  {
    var result: [OperationDescription] = []
    var names: Set<String> = []
    for (index, item) in items.enumerated() {
      let position = "\(scope)ops[\(index)]"
      let unnamed = try JSONObjectReader(item, subject: position)
      let name = try unnamed.string("name")
      let reader = try JSONObjectReader(item, subject: "\(scope)op '\(name)'")
      guard names.insert(name).inserted else {
        throw reader.error("duplicate op name (\(position))")
      }
      result.append(try parseOperation(reader, name: name))
    }
    return result
  }

  private func parseOperation(_ reader: JSONObjectReader, name: String) throws(ModelLoadError)
    -> OperationDescription
  {
    let inputs = try reader.strings("inputs")
    let output = try reader.optionalString("output") ?? name
    if reader.contains("block") {
      guard !reader.contains("kind") else {
        throw reader.error("an op has either 'kind' or 'block', not both")
      }
      try reader.rejectUnknownKeys(allowed: Self.blockOpKeys, context: "for a block op")
      let count = try reader.positiveInt("repeat")
      guard count <= ModelDescription.maximumRepeatCount else {
        throw reader.error("repeat", "at most \(ModelDescription.maximumRepeatCount), got \(count)")
      }
      return OperationDescription(
        name: name, content: .block(name: try reader.string("block"), repeatCount: count),
        inputs: inputs,
        output: output, shape: [], dtype: nil)
    }
    let kindName = try reader.string("kind")
    guard let kind = OperatorKind(rawValue: kindName) else {
      let known = OperatorKind.allCases.map(\.rawValue).joined(separator: ", ")
      throw reader.error("kind", "unknown op kind '\(kindName)' (known: \(known))")
    }
    try reader.rejectUnknownKeys(
      allowed: Self.commonOpKeys + Self.attributeKeys(of: kind), context: "for \(kindName)")
    let shape = try self.shape(reader)
    let dtype = reader.contains("dtype") ? try self.dtype(reader, "dtype") : nil
    let attributes = try self.attributes(reader, kind: kind)
    return OperationDescription(
      name: name, content: .op(Operator(kind, attributes: attributes)), inputs: inputs,
      output: output, shape: shape,
      dtype: dtype)
  }

  private func attributes(_ reader: JSONObjectReader, kind: OperatorKind) throws(ModelLoadError)
    -> OperatorAttributes
  {
    var attributes = OperatorAttributes()
    attributes.bias = try reader.optionalBool("bias") ?? true
    attributes.tiedTo = try reader.optionalString("tied_to")
    switch kind {
    case .embedding:
      attributes.rows = try count(reader, "rows")
    case .attention:
      attributes.heads = try count(reader, "heads")
      attributes.kvHeads =
        reader.contains("kv_heads") ? try count(reader, "kv_heads") : attributes.heads
      attributes.causal = try reader.optionalBool("causal") ?? false
    case .conv2d, .maxPool, .avgPool:
      attributes.kernel = try pair(reader, "kernel", minimum: 1) ?? [1, 1]
      if kind == .conv2d {
        attributes.stride = try pair(reader, "stride", minimum: 1) ?? [1, 1]
        attributes.groups = reader.contains("groups") ? try count(reader, "groups") : 1
      } else {
        attributes.stride = try pair(reader, "stride", minimum: 1) ?? attributes.kernel
      }
      attributes.padding = try pair(reader, "padding", minimum: 0) ?? [0, 0]
      if !reader.contains("kernel") { throw reader.error("missing required key 'kernel'") }
    case .dropout:
      guard let probability = try reader.optionalDouble("p") else {
        throw reader.error("missing required key 'p'")
      }
      guard probability >= 0, probability < 1 else {
        throw reader.error("p", "must be in [0, 1), got \(probability)")
      }
      attributes.probability = probability
    default:
      break
    }
    return attributes
  }

  /// A window attribute: one integer for both axes, or `[height, width]`.
  private func pair(_ reader: JSONObjectReader, _ key: String, minimum: Int) throws(ModelLoadError)
    -> [Int]?
  {
    guard let value = reader.members[key] else { return nil }
    let numbers: [Int]
    switch value {
    case .integer(let number):
      numbers = [number, number]
    case .array(let items) where items.count == 2:
      var parsed: [Int] = []
      for item in items {
        guard case .integer(let number) = item else {
          throw reader.error(
            key, "expected an integer or [height, width], got \(item.typeName) inside")
        }
        parsed.append(number)
      }
      numbers = parsed
    default:
      throw reader.error(key, "expected an integer or [height, width]")
    }
    guard numbers.allSatisfy({ (minimum...Self.maximumWindow).contains($0) }) else {
      throw reader.error(
        key, "values must be between \(minimum) and \(Self.maximumWindow), got \(numbers)")
    }
    return numbers
  }
}
