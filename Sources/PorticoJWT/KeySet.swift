/// The keys a filter verifies with at one moment: the configured ones plus the last JWKS.
///
/// Immutable; the ``KeyStore`` swaps in a new set when the JWKS changes.
struct KeySet: Sendable {
    /// Configured keys first, then JWKS keys.
    let keys: [VerificationKey]
    /// Bumped by every successful JWKS fetch (for tests and logs).
    let generation: Int

    static let empty = KeySet(keys: [], generation: 0)

    /// What a lookup for a token found.
    enum Lookup {
        /// Keys to try (one, almost always); `kidMatched` when they carry the token's `kid`
        /// (rather than being `kid`-less fallbacks).
        case found([VerificationKey], kidMatched: Bool)
        /// The token names a `kid` no key has, and no `kid`-less key fits (a JWKS refetch may help).
        case unknownKid
        /// The token has no `kid` and several keys fit its algorithm: refusing beats guessing.
        case ambiguous
        /// No key fits the algorithm at all.
        case none
    }

    /// The keys for a token with `algorithm` and `kid`.
    ///
    /// A token with a `kid` is verified by the keys with that `kid`; keys configured without
    /// a `kid` are the fallback when no key carries it. A token without a `kid` is accepted
    /// only when exactly one key fits its algorithm.
    func keys(for algorithm: SigningAlgorithm, kid: String?) -> Lookup {
        var fitting: [VerificationKey] = []
        if let kid {
            var kidless: [VerificationKey] = []
            for key in self.keys where key.algorithms.contains(algorithm) {
                if key.kid == kid {
                    fitting.append(key)
                } else if key.kid == nil {
                    kidless.append(key)
                }
            }
            if !fitting.isEmpty { return .found(fitting, kidMatched: true) }
            if !kidless.isEmpty { return .found(kidless, kidMatched: false) }
            return .unknownKid
        }
        for key in self.keys where key.algorithms.contains(algorithm) {
            fitting.append(key)
        }
        switch fitting.count {
        case 0: return .none
        case 1: return .found(fitting, kidMatched: false)
        default: return .ambiguous
        }
    }
}
