/// Table lookup and its scatter-add gradient, for a (possibly vocabulary-split) table.
public enum EmbeddingKernels {
  /// `y[t] = table[ids[t] − firstRow]` when the id falls in this device's
  /// `tableRows` rows, zeros otherwise (so vocabulary shards sum to the lookup).
  public static func lookup(
    ids: UnsafePointer<Float>, count: Int, table: UnsafePointer<Float>, tableRows: Int,
    firstRow: Int,
    width: Int, into y: UnsafeMutablePointer<Float>
  ) {
    for t in 0..<count {
      let row = Int(ids[t]) - firstRow
      if row >= 0 && row < tableRows {
        (y + t * width).update(from: table + row * width, count: width)
      } else {
        (y + t * width).update(repeating: 0, count: width)
      }
    }
  }

  /// Adds `dy[t]` into `dtable[ids[t] − firstRow]` for ids in this device's rows.
  public static func lookupBackward(
    ids: UnsafePointer<Float>, count: Int, dy: UnsafePointer<Float>, tableRows: Int, firstRow: Int,
    width: Int,
    into dtable: UnsafeMutablePointer<Float>
  ) {
    for t in 0..<count {
      let row = Int(ids[t]) - firstRow
      if row >= 0 && row < tableRows {
        Vector.add(dy + t * width, into: dtable + row * width, count: width)
      }
    }
  }
}
