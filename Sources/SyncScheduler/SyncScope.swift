/// A kind of data that an integration syncs on its own schedule.
///
/// The cases are declared in priority order. When several scopes of one integration are due at
/// once, they start in `allCases` order.
public enum SyncScope: String, Sendable, CaseIterable {
    /// The policy tree, synced daily.
    case policies
    /// The devices and their facts, synced every few hours.
    case devices
}
