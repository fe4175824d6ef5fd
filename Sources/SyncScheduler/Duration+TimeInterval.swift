import Foundation

extension Duration {
    /// The duration in seconds, rounded to a `Double`, to add to a `Date`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
