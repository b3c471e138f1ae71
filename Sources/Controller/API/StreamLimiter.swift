import Synchronization

/// How many streams (followed logs, followed events) the API keeps open: per key and in all. A
/// stream is a connection and a task for as long as the client wants; without a cap one key
/// could hold the controller's descriptors and memory. Past a cap the request is refused with
/// 429 and a sentence; a stream's slot is given back when it ends, however it ends.
public final class StreamLimiter: Sendable {
    public let perKey: Int
    public let total: Int
    private let open = Mutex<[String: Int]>([:])

    public init(perKey: Int = 32, total: Int = 256) {
        self.perKey = max(1, perKey)
        self.total = max(1, total)
    }

    /// A slot for one more stream of `keyID`, or the reason there is none.
    public func acquire(_ keyID: String) -> Result<Permit, APIError> {
        open.withLock { open in
            let mine = open[keyID, default: 0], all = open.values.reduce(0, +)
            if mine >= perKey {
                return .failure(APIError(.tooManyRequests, code: "too_many_streams",
                                         "this key already follows \(mine) streams (at most \(perKey) at once); close one, or use another key"))
            }
            if all >= total {
                return .failure(APIError(.tooManyRequests, code: "too_many_streams",
                                         "the controller already serves \(all) streams (at most \(total) at once); try again shortly"))
            }
            open[keyID] = mine + 1
            return .success(Permit(limiter: self, keyID: keyID))
        }
    }

    /// Streams open now, in all.
    public var count: Int { open.withLock { $0.values.reduce(0, +) } }

    fileprivate func release(_ keyID: String) {
        open.withLock { open in
            let left = open[keyID, default: 1] - 1
            open[keyID] = left > 0 ? left : nil
        }
    }

    /// One stream's slot; `release()` gives it back (once, however often it is called).
    public final class Permit: Sendable {
        private let limiter: StreamLimiter
        private let keyID: String
        private let released = Atomic<Bool>(false)

        fileprivate init(limiter: StreamLimiter, keyID: String) {
            self.limiter = limiter
            self.keyID = keyID
        }

        public func release() {
            if !released.exchange(true, ordering: .relaxed) { limiter.release(keyID) }
        }

        deinit { release() }
    }
}
