import NIOCore

/// What to do after a failed attempt.
public enum RetryDecision: Sendable, Equatable {
    /// Try again after `after` (back-off), on another target than `avoid` if one is
    /// eligible (see ``TargetMask/excludingIfOthersRemain(_:)``); start the retry in the
    /// ``RetryBudget``.
    case retry(after: TimeAmount, avoid: Int?)
    /// Pass the failure on to the client.
    case giveUp(RetryGiveUpReason)
}
