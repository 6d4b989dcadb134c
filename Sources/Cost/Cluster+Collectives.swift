import Foundation

/// Collective times by the ring alpha-beta model, topology-aware.
///
/// `bytes` is always the larger of one member's buffers before and after the
/// operation (the whole vector for all-reduce, the gathered result for
/// all-gather, the unreduced input for reduce-scatter, the full send buffer for
/// all-to-all), matching ``RelayoutStep/bytes``. For a group of `g` members on
/// one link of bandwidth `B` and latency `α` (Thakur et al. 2005; Patarasuk &
/// Yuan 2009; NCCL's ring algorithms):
///
///     all-reduce      2(g−1)/g · n/B + 2(g−1)·α
///     all-gather       (g−1)/g · n/B +  (g−1)·α
///     reduce-scatter   (g−1)/g · n/B +  (g−1)·α
///     all-to-all       (g−1)/g · n/B +  (g−1)·α
///     broadcast              n/B     +  (g−1)·α   (pipelined chain)
///     send-recv              n/B     +      α
///
/// Every call also pays the link's fixed `overhead` once (0 on the GPU presets;
/// `tensoropt profile` fits it for worker threads, whose collectives cost a few
/// microseconds to enter and leave besides `α` per step). All-gather,
/// reduce-scatter and all-to-all write a separate output and copy the member's
/// own chunk into it: `n/g` bytes at the link's `localCopyBandwidth`, paid on top
/// when the link has one (worker threads, where one core copies every chunk; a
/// GPU's own copy overlaps the transfers).
/// A group inside one node uses the intra-node link. A group spanning `r` nodes
/// with `l` members per node takes the faster of the flat ring on the inter-node
/// link and the hierarchical algorithm (intra-node reduce-scatter, inter-node
/// all-reduce of `n/l` among the `l` parallel rings, intra-node all-gather):
///
///     all-reduce  2(l−1)/l · n/B_intra + 2(l−1)·α_intra + 2(r−1)/r · (n/l)/B_inter + 2(r−1)·α_inter
///     all-gather, reduce-scatter: half of that
///     all-to-all  max((g−l)/g · n/B_inter, (l−1)/g · n/B_intra) + (r−1)·α_inter + (l−1)·α_intra
///
/// An all-reduce spanning nodes may also take NCCL's double binary tree,
/// `2·⌈log₂ g⌉·α_inter + 2·n/B_inter`, when that is faster (small messages, many nodes).
extension Cluster {
  /// The link a group communicates over: intra-node inside one node, else inter-node.
  public func link(for group: DeviceGroup) -> LinkSpec {
    group.spansNodes ? interNode : intraNode
  }

  /// The group of `devices`.
  public func group(_ devices: [Int]) -> DeviceGroup { DeviceGroup(devices: devices, on: self) }

  /// Seconds for `kind` over `group` on buffers of `bytes` (see the type's notes).
  public func collectiveTime(_ kind: CollectiveKind, bytes: Double, group: DeviceGroup) -> Double {
    guard bytes > 0, kind == .sendReceive || group.size > 1 else { return 0 }
    let link = link(for: group)
    let ownChunk: Double
    switch kind {
    case .allGather, .reduceScatter, .allToAll:
      ownChunk = link.localCopyTime(bytes: bytes / Double(group.size))
    case .allReduce, .broadcast, .sendReceive:
      ownChunk = 0
    }
    return link.overhead + ownChunk + algorithmTime(kind, bytes: bytes, group: group)
  }

  /// ``collectiveTime(_:bytes:group:)`` without the link's per-call overhead and
  /// the copy of the member's own chunk: the algorithm's transfers alone.
  func algorithmTime(_ kind: CollectiveKind, bytes: Double, group: DeviceGroup) -> Double {
    let g = Double(group.size)
    if kind == .sendReceive { return link(for: group).transferTime(bytes: bytes) }
    let flat = Self.ringTime(kind, bytes: bytes, members: g, link: link(for: group))
    guard group.spansNodes else { return flat }
    guard group.membersPerNode > 1 else {
      return kind == .allReduce
        ? min(flat, Self.treeAllReduceTime(bytes: bytes, members: g, link: interNode)) : flat
    }
    let l = Double(group.membersPerNode)
    let r = Double(group.nodeCount)
    let hierarchical: Double
    switch kind {
    case .allReduce:
      hierarchical = min(
        Self.ringTime(.allReduce, bytes: bytes, members: l, link: intraNode)
          + Self.ringTime(.allReduce, bytes: bytes / l, members: r, link: interNode),
        Self.treeAllReduceTime(bytes: bytes, members: g, link: interNode))
    case .allGather, .reduceScatter:
      hierarchical =
        Self.ringTime(kind, bytes: bytes, members: l, link: intraNode)
        + Self.ringTime(kind, bytes: bytes / l, members: r, link: interNode)
    case .allToAll:
      hierarchical =
        max((g - l) / g * bytes / interNode.bandwidth, (l - 1) / g * bytes / intraNode.bandwidth)
        + (r - 1) * interNode.latency + (l - 1) * intraNode.latency
    case .broadcast, .sendReceive:
      hierarchical = flat
    }
    return min(flat, hierarchical)
  }

  /// NCCL's double-binary-tree all-reduce among `members` on `link`:
  /// `2·⌈log₂ g⌉·α + 2·n/B` (Sanders, Speck & Träff 2009) — latency logarithmic in
  /// the group, so it wins for small messages across many nodes.
  static func treeAllReduceTime(bytes n: Double, members g: Double, link: LinkSpec) -> Double {
    guard g > 1 else { return 0 }
    return 2 * (log2(g)).rounded(.up) * link.latency + 2 * n / link.bandwidth
  }

  /// The flat ring time of `kind` among `members` on one `link`.
  static func ringTime(_ kind: CollectiveKind, bytes n: Double, members g: Double, link: LinkSpec)
    -> Double
  {
    guard g > 1 else { return 0 }
    let (B, alpha) = (link.bandwidth, link.latency)
    switch kind {
    case .allReduce: return 2 * (g - 1) / g * n / B + 2 * (g - 1) * alpha
    case .allGather, .reduceScatter, .allToAll: return (g - 1) / g * n / B + (g - 1) * alpha
    case .broadcast: return n / B + (g - 1) * alpha
    case .sendReceive: return n / B + alpha
    }
  }
}
