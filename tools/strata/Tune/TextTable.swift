/// A plain-text table: a header row, rows, an optional totals row under a rule; columns are
/// separated by two spaces, text columns left-aligned and number columns right-aligned.
struct TextTable {
    enum Alignment { case left, right }

    struct Column {
        var title: String
        var alignment: Alignment
    }

    var columns: [Column]
    var rows: [[String]] = []
    var totals: [String]?

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { Column(title: $0.0, alignment: $0.1) }
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The table's lines, without trailing blanks.
    func render() -> [String] {
        let all = [columns.map(\.title)] + rows + (totals.map { [$0] } ?? [])
        var widths = columns.map { _ in 0 }
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func format(_ row: [String]) -> String {
            var cells: [String] = []
            for (index, column) in columns.enumerated() {
                let cell = index < row.count ? row[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                cells.append(column.alignment == .left ? cell + padding : padding + cell)
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
        var lines = [format(columns.map(\.title))]
        lines += rows.map(format)
        if let totals {
            lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
            lines.append(format(totals))
        }
        return lines
    }
}
