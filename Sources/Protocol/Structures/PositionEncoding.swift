/// How the `character` of an LSP position counts: UTF-16 code units (the LSP default), UTF-8 bytes or Unicode scalars.
///
/// Negotiated at `initialize` from the client's `general.positionEncodings`.
public enum PositionEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
    case utf32 = "utf-32"

    /// The encoding the server uses given the client's preference list: the first one it offers that we support,
    /// preferring UTF-8 (no conversion needed) when the client offers it; UTF-16 when the client says nothing.
    public static func negotiate(clientOffers: [String]?) -> PositionEncoding {
        guard let offers = clientOffers, !offers.isEmpty else { return .utf16 }
        if offers.contains(PositionEncoding.utf8.rawValue) { return .utf8 }
        for offer in offers {
            if let encoding = PositionEncoding(rawValue: offer) { return encoding }
        }
        return .utf16
    }
}
