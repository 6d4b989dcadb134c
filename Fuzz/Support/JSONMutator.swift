import Foundation

/// A structure-aware mutator for JSON inputs, used as libFuzzer's
/// `LLVMFuzzerCustomMutator`: it parses the input, changes one value (a
/// boundary integer, a name from the vocabulary, a deleted, duplicated or
/// transplanted member) and prints the document again. Byte-level mutations
/// rarely produce a valid document with a 19-digit number in the right place;
/// this does so every few runs. A share of mutations, and every input that is
/// not JSON, goes to libFuzzer's own byte mutator.
enum JSONMutator {
  /// Mutates the `size` bytes at `data` in place; returns the new size (at most `maxSize`).
  static func mutate(
    _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32,
    vocabulary: [String]
  ) -> Int {
    var random = SplitMix(seed: UInt64(seed))
    let input = Data(bytes: data, count: size)
    guard random.next(100) >= 25, var document = try? JSONDecoder().decode(Node.self, from: input)
    else { return byteMutate(data, size, maxSize) }
    let count = document.count
    let steps = 1 + random.next(3)
    for _ in 0..<steps {
      let donor = document.node(at: random.next(count))
      document.mutate(at: random.next(count)) { node in
        mutateNode(&node, donor: donor, vocabulary: vocabulary, random: &random)
      }
    }
    let output = Array(document.text.utf8)
    guard output.count <= maxSize else { return byteMutate(data, size, maxSize) }
    output.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: output.count) }
    return output.count
  }

  /// Integers at the edges of what importers must reject or survive.
  static let boundaryIntegers: [Int] = [
    0, -1, 1, 2, 3, 7, 64, 1 << 20, (1 << 20) + 1, 1_000_000, 1_000_001, 1 << 31, 1 << 32,
    3_037_000_499, 3_037_000_500, 1 << 62, Int.max, Int.max - 1, Int.min, 1_000_000_000_000,
  ]

  private static func mutateNode(
    _ node: inout Node, donor: Node, vocabulary: [String], random: inout SplitMix
  ) {
    switch (node, random.next(6)) {
    case (_, 0):
      node = donor
    case (.integer(let value), _):
      switch random.next(4) {
      case 0: node = .integer(value &* (2 + random.next(7)))
      case 1: node = .integer(value &+ random.next(5) &- 2)
      default: node = .integer(boundaryIntegers[random.next(boundaryIntegers.count)])
      }
    case (.string, _):
      switch random.next(5) {
      case 0: node = .string("\(vocabulary[random.next(vocabulary.count)]):\(random.next(4096))")
      case 1: node = .string(String(repeating: "x", count: random.next(300)))
      default: node = .string(vocabulary[random.next(vocabulary.count)])
      }
    case (.array(var items), _) where !items.isEmpty:
      let index = random.next(items.count)
      switch random.next(3) {
      case 0: items.remove(at: index)
      case 1: items.insert(items[random.next(items.count)], at: index)
      default: items.swapAt(index, random.next(items.count))
      }
      node = .array(items)
    case (.object(var members), _) where !members.isEmpty:
      let index = random.next(members.count)
      switch random.next(3) {
      case 0: members.remove(at: index)
      case 1: members.append((vocabulary[random.next(vocabulary.count)], donor))
      default: members[index].value = donor
      }
      node = .object(members)
    default:
      node =
        [.null, .bool(random.next(2) == 0), .number(0.5), .integer(1), .array([])][
          random.next(5)]
    }
  }

  private static func byteMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int)
    -> Int
  {
    libFuzzerMutate(data, size, maxSize)
  }
}

/// libFuzzer's own byte mutator (declared through the `Extern` feature: Swift
/// has no other way to declare a C function without a header).
@_extern(c, "LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// A JSON value keeping object member order and integer exactness.
enum Node: Decodable {
  case null
  case bool(Bool)
  case integer(Int)
  case number(Double)
  case string(String)
  case array([Node])
  case object([(key: String, value: Node)])

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  init(from decoder: any Decoder) throws {
    if let container = try? decoder.container(keyedBy: Key.self) {
      self = .object(
        try container.allKeys.map { ($0.stringValue, try container.decode(Node.self, forKey: $0)) })
      return
    }
    if var container = try? decoder.unkeyedContainer() {
      var items: [Node] = []
      while !container.isAtEnd { items.append(try container.decode(Node.self)) }
      self = .array(items)
      return
    }
    let value = try decoder.singleValueContainer()
    if value.decodeNil() {
      self = .null
    } else if let flag = try? value.decode(Bool.self) {
      self = .bool(flag)
    } else if let number = try? value.decode(Int.self) {
      self = .integer(number)
    } else if let number = try? value.decode(Double.self) {
      self = .number(number)
    } else {
      self = .string(try value.decode(String.self))
    }
  }

  /// The number of values in this tree (itself included), in pre-order.
  var count: Int {
    switch self {
    case .array(let items): items.reduce(1) { $0 + $1.count }
    case .object(let members): members.reduce(1) { $0 + $1.value.count }
    default: 1
    }
  }

  /// The value at pre-order position `index`.
  func node(at index: Int) -> Node {
    var copy = self
    var found = self
    copy.mutate(at: index) { found = $0 }
    return found
  }

  /// Applies `change` to the value at pre-order position `index`.
  mutating func mutate(at index: Int, _ change: (inout Node) -> Void) {
    var remaining = index
    visit(&remaining, change)
  }

  private mutating func visit(_ remaining: inout Int, _ change: (inout Node) -> Void) {
    if remaining == 0 {
      change(&self)
      remaining = -1
      return
    }
    remaining -= 1
    switch self {
    case .array(var items):
      for i in items.indices where remaining >= 0 { items[i].visit(&remaining, change) }
      self = .array(items)
    case .object(var members):
      for i in members.indices where remaining >= 0 { members[i].value.visit(&remaining, change) }
      self = .object(members)
    default:
      break
    }
  }

  /// The value as compact JSON text.
  var text: String {
    switch self {
    case .null: "null"
    case .bool(let flag): flag ? "true" : "false"
    case .integer(let number): "\(number)"
    case .number(let number): number.isFinite ? "\(number)" : "1e999"
    case .string(let string): Self.quoted(string)
    case .array(let items): "[" + items.map(\.text).joined(separator: ",") + "]"
    case .object(let members):
      "{" + members.map { Self.quoted($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
    }
  }

  private static func quoted(_ string: String) -> String {
    var result = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}

/// A small, seedable pseudo-random generator (SplitMix64).
struct SplitMix {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  /// A number in `0..<bound` (`bound` > 0).
  mutating func next(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Int(z % UInt64(bound))
  }
}
