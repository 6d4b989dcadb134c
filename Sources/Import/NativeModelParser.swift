import TensorOptGraph

/// Parses a `tensoropt-model/1` document into a ``ModelDescription``.
struct NativeModelParser {
  /// The format tag this parser reads.
  static let format = "tensoropt-model/1"

  static let topLevelKeys = [
    "format", "name", "family", "description", "training", "dims", "inputs", "ops", "blocks",
    "outputs",
  ]
  static let trainingKeys = ["global_batch_size", "sequence_length", "dtype"]
  static let commonOpKeys = ["name", "kind", "inputs", "output", "shape", "dtype"]
  static let blockOpKeys = ["name", "block", "repeat", "inputs", "output"]

  /// Named constants of the `dims` section.
  var dims: [String: Int] = [:]

  /// Parses a whole document.
  static func parse(_ document: JSONValue, file: String) throws(ModelLoadError) -> ModelDescription
  {
    do throws(ModelLoadError) {
      var parser = NativeModelParser()
      return try parser.parseModel(document, file: file)
    } catch {
      throw error.inFile(file)
    }
  }

  private mutating func parseModel(_ document: JSONValue, file: String) throws(ModelLoadError)
    -> ModelDescription
  {
    let root = try JSONObjectReader(document)
    let format = try root.string("format")
    guard format == Self.format else {
      throw root.error(
        "format", "unsupported format '\(format)' (this version reads '\(Self.format)')")
    }
    try root.rejectUnknownKeys(allowed: Self.topLevelKeys)
    let name = try root.string("name")
    let familyName = try root.string("family")
    guard let family = ModelFamily(rawValue: familyName) else {
      throw root.error("family", "unknown family '\(familyName)' (expected language or vision)")
    }
    _ = try root.optionalString("description")
    if root.contains("dims") {
      let dimsReader = try root.object("dims")
      for key in dimsReader.members.keys.sorted() {
        guard !["batch", "seq"].contains(key) else {
          throw dimsReader.error(key, "'\(key)' is bound at instantiation and cannot be a constant")
        }
        dims[key] = try dimsReader.positiveInt(key)
      }
    }
    let training = try root.object("training")
    try training.rejectUnknownKeys(allowed: Self.trainingKeys)
    let sequenceLength = try training.optionalPositiveInt("sequence_length")
    if family == .language, sequenceLength == nil {
      throw training.error("sequence_length", "a language model needs a default sequence length")
    }
    let defaults = TrainingDefaults(
      globalBatchSize: try training.positiveInt("global_batch_size"),
      sequenceLength: sequenceLength,
      dtype: try dtype(training, "dtype"))

    var inputs: [TensorDeclaration] = []
    for (index, item) in try root.array("inputs").enumerated() {
      inputs.append(try tensorDeclaration(item, path: "inputs[\(index)]"))
    }
    let operations = try parseOperations(root.array("ops"), scope: "")
    var blocks: [String: BlockDescription] = [:]
    if root.contains("blocks") {
      let blocksReader = try root.object("blocks")
      for blockName in blocksReader.members.keys.sorted() {
        let block = try blocksReader.object(blockName, subject: "block '\(blockName)'")
        try block.rejectUnknownKeys(allowed: ["input", "output", "ops"])
        let input = try tensorDeclaration(block.value("input"), path: "block '\(blockName)': input")
        let body = try parseOperations(block.array("ops"), scope: "block '\(blockName)': ")
        blocks[blockName] = BlockDescription(
          input: input, output: try block.string("output"), operations: body)
      }
    }
    let outputs = try root.strings("outputs")
    guard !outputs.isEmpty else {
      throw root.error("outputs", "name at least one output tensor (the loss)")
    }
    return ModelDescription(
      name: name, family: family, defaults: defaults, inputs: inputs, operations: operations,
      blocks: blocks,
      outputs: outputs, file: file)
  }

  func dtype(_ reader: JSONObjectReader, _ key: String) throws(ModelLoadError) -> DType {
    let text = try reader.string(key)
    guard let dtype = DType(rawValue: text) else {
      let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
      throw reader.error(key, "unknown dtype '\(text)' (expected one of \(known))")
    }
    return dtype
  }

  private func tensorDeclaration(_ value: JSONValue, path: String) throws(ModelLoadError)
    -> TensorDeclaration
  {
    let reader = try JSONObjectReader(value, path: path)
    try reader.rejectUnknownKeys(allowed: ["name", "shape", "dtype"])
    let shape = try self.shape(reader)
    let dtype = reader.contains("dtype") ? try self.dtype(reader, "dtype") : nil
    return TensorDeclaration(name: try reader.string("name"), shape: shape, dtype: dtype)
  }

  /// Parses a shape: ints, symbols (`batch`, `seq`, or a `dims` name) and `label:size` entries.
  func shape(_ reader: JSONObjectReader) throws(ModelLoadError) -> [SymbolicDimension] {
    var result: [SymbolicDimension] = []
    for (index, entry) in try reader.array("shape").enumerated() {
      let field = "shape[\(index)]"
      switch entry {
      case .integer(let size):
        guard size > 0 else { throw reader.error(field, "dimension must be positive, got \(size)") }
        result.append(.fixed("", size))
      case .string(let text):
        if let colon = text.firstIndex(of: ":") {
          let label = String(text[..<colon])
          let value = String(text[text.index(after: colon)...])
          guard !label.isEmpty else {
            throw reader.error(field, "'\(text)': empty label before ':'")
          }
          result.append(
            SymbolicDimension(label: label, size: try size(value, reader: reader, field: field)))
        } else {
          result.append(
            SymbolicDimension(label: text, size: try size(text, reader: reader, field: field)))
        }
      default:
        throw reader.error(field, "expected a size or a dimension name, got \(entry.typeName)")
      }
    }
    return result
  }

  private func size(_ text: String, reader: JSONObjectReader, field: String) throws(ModelLoadError)
    -> SymbolicSize
  {
    switch text {
    case "batch": return .batch
    case "seq": return .sequence
    default:
      if let number = Int(text) {
        guard number > 0 else {
          throw reader.error(field, "dimension must be positive, got \(number)")
        }
        return .fixed(number)
      }
      guard let value = dims[text] else {
        let known = (["batch", "seq"] + dims.keys.sorted()).joined(separator: ", ")
        throw reader.error(field, "unknown dimension '\(text)' (known: \(known))")
      }
      return .fixed(value)
    }
  }

  /// An integer attribute given as a number or a `dims` name.
  func count(_ reader: JSONObjectReader, _ key: String) throws(ModelLoadError) -> Int {
    let value = try reader.value(key)
    switch value {
    case .integer(let number):
      guard number > 0 else { throw reader.error(key, "must be positive, got \(number)") }
      return number
    case .string(let name):
      guard let number = dims[name] else { throw reader.error(key, "unknown dimension '\(name)'") }
      return number
    default:
      throw reader.error(
        key, "expected a positive integer or a dimension name, got \(value.typeName)")
    }
  }
}
