/// The read epochs a DTLS 1.3 connection holds keys for, by epoch number.
/// There are at most three at once (the handshake's epoch 2 while it
/// lingers, the current application epoch and the one before a KeyUpdate),
/// so a short list searched in order costs less memory than a dictionary
/// (about 50 bytes against 200 per connection) and no hashing per record.
struct ReadEpochs {
    private var entries: [EpochKeys13] = []

    /// The epochs held, in the order they were added.
    var keys: [UInt64] { entries.map(\.epoch) }

    subscript(epoch: UInt64) -> EpochKeys13? {
        get {
            for keys in entries where keys.epoch == epoch { return keys }
            return nil
        }
        set {
            // Keys carry their epoch; they are filed under it.
            entries.removeAll { $0.epoch == epoch || $0.epoch == newValue?.epoch }
            if let newValue { entries.append(newValue) }
            if entries.isEmpty { entries = [] }
        }
    }
}
