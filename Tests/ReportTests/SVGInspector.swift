import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Parses every `<svg>` element of an HTML report with `XMLParser` and counts
/// elements by name and class.
final class SVGInspector: NSObject, XMLParserDelegate {
  /// `element.class` → count (and `element` → count).
  private(set) var counts: [String: Int] = [:]
  private(set) var texts: [String] = []

  /// The `<svg>…</svg>` fragments of `html`.
  static func fragments(of html: String) -> [String] {
    var result: [String] = []
    var rest = html[...]
    while let start = rest.range(of: "<svg "),
      let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
    {
      result.append(String(rest[start.lowerBound..<end.upperBound]))
      rest = rest[end.upperBound...]
    }
    return result
  }

  /// Parses `svg`; `nil` when it is not well-formed XML.
  static func inspect(_ svg: String) -> SVGInspector? {
    let inspector = SVGInspector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = inspector
    return parser.parse() ? inspector : nil
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    counts[elementName, default: 0] += 1
    if let name = attributes["class"] { counts["\(elementName).\(name)", default: 0] += 1 }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    texts.append(string)
  }
}
